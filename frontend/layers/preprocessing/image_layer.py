"""What Keras's image preprocessing layers share: a `data_format`, inputs of rank 3 (one image)
or 4 (a batch), and Keras's default of `training=True` for the random ones
when no model or caller says otherwise."""
from __future__ import annotations

from ... import config, ops
from ...random import KerasSeedStream
from ...tracing import apply_op
from ..layer import Layer


class ImageLayer(Layer):
    """Base of the image preprocessing layers."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)

    def spatial_axes(self, rank: int) -> tuple[int, int]:
        """The (height, width) axes of a rank-3 or rank-4 image tensor."""
        self.check_rank(rank)
        return (rank - 3, rank - 2) if self.data_format == "channels_last" else (rank - 2, rank - 1)

    def known_size(self, images) -> tuple[int, int]:
        """(height, width) of `images`, which must be known (crops and warps need them)."""
        height, width = (images.shape[a] for a in self.spatial_axes(len(images.shape)))
        if height is None or width is None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): the image height and width must be "
                             f"known, received an input of shape {tuple(images.shape)}")
        return height, width

    def check_rank(self, rank: int) -> None:
        if rank not in (3, 4):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): expected images of rank 3 (one image) "
                             f"or 4 (a batch), received an input of rank {rank}")

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class RandomImageLayer(ImageLayer):
    """An augmentation layer: random in training, the identity in inference. Called on its own it
    trains, as in Keras (its `call` defaults to `training=True`); inside a model it follows the
    model. Draws come from Keras's key stream, so the same seed draws what Keras draws."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self.generator = KerasSeedStream(seed)

    def _traced_call(self, trace, args, kwargs):
        undecided = kwargs.get("training") is None and trace.training is None and all(
            t is None for t in trace.training_stack)
        if undecided:
            kwargs = {**kwargs, "training": True}
        return super()._traced_call(trace, args, kwargs)

    def uniform(self, images, shape, minval=0.0, maxval=1.0, dtype="float32"):
        """One draw from the layer's stream; a None in `shape` is the batch size of `images`."""
        return apply_op("uniform_from_key", self.generator.next(), images, shape=tuple(shape), minval=float(minval),
                        maxval=float(maxval), dtype=dtype)

    def per_image_shape(self, images, *rest) -> tuple:
        """(batch, *rest) for a batch, (1, *rest) for one image: the shape of per-image draws."""
        return (None if len(images.shape) == 4 else 1, *rest)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def window(images, axes, starts, sizes):
    """A static crop: `sizes` elements from `starts` along the two spatial `axes`."""
    index = [slice(None)] * len(images.shape)
    for axis, start, size in zip(axes, starts, sizes):
        index[axis] = slice(start, start + size)
    return images[tuple(index)]


def check_choice(layer: str, argument: str, value, choices) -> None:
    if value not in choices:
        raise NotImplementedError(f"Layer {layer}: unknown `{argument}` {value!r}; expected one of {tuple(choices)}")


__all__ = []  # internal: the layers are exported by their own modules
