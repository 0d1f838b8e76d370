"""RandomContrast: each image's deviation from its own mean scaled by a drawn factor."""
from __future__ import annotations

from ... import ops
from .image_layer import RandomImageLayer

__all__ = ["RandomContrast"]


def keras_factor(layer: str, factor, bounds=(-1.0, 1.0)) -> tuple[float, float]:
    """Keras's `factor` rule for image layers: a number f gives (max(-f, low), f), a pair is sorted;
    both must lie within `bounds`."""
    message = (f"Layer {layer}: argument `factor` must be a number or a pair of numbers in the range "
               f"[{bounds[0]}, {bounds[1]}], received {factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        low, high = sorted(factor)
        return float(low), float(high)
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if not bounds[0] <= factor <= bounds[1]:
            raise ValueError(message)
        return float(max(-abs(factor), bounds[0])), float(abs(factor))
    raise ValueError(message)


class RandomContrast(RandomImageLayer):
    """In training, `(x - mean) * f + mean` per image and channel, with f drawn in
    [1 - factor[0], 1 + factor[1]], clipped to `value_range`.

    >>> RandomContrast(0.5, seed=1)(np.ones((2, 4, 4, 3), "float32")).shape
    (2, 4, 4, 3)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = keras_factor("RandomContrast", factor, (0.0, 1.0))
        if len(value_range) != 2:
            raise ValueError(f"Layer RandomContrast: argument `value_range` must be (low, high), received {value_range!r}")
        self.value_range = tuple(value_range)

    def call(self, inputs, training=True):
        if not training:
            return inputs
        images = ops.cast(inputs, self.compute_dtype)
        rank = len(images.shape)
        height_axis, width_axis = self.spatial_axes(rank)
        shape = (None, 1, 1, 1) if rank == 4 else (1, 1, 1)
        factor = self.uniform(images, shape, 1.0 - self.factor[0], 1.0 + self.factor[1], self.compute_dtype)
        mean = ops.mean(ops.mean(images, axis=height_axis, keepdims=True), axis=width_axis, keepdims=True)
        out = (images - mean) * factor + mean
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
