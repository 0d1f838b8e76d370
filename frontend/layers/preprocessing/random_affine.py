"""RandomRotation, RandomZoom and RandomTranslation: a projective matrix per image, built from
draws of Keras's key stream as Keras builds it, applied by kerax.ops.image.affine_transform."""
from __future__ import annotations

import math

import numpy as np

from ... import ops
from .image_layer import RandomImageLayer, check_choice
from .random_contrast import keras_factor

__all__ = ["RandomRotation", "RandomTranslation", "RandomZoom"]

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _range_factor(layer, name, factor, open_low):
    """Keras's height/width factor: a number f gives (-f, f), a pair is sorted; each in [-1, 1]
    (RandomZoom excludes -1, which would zoom to nothing)."""
    def check(v):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v > 1 or v < -1 or (open_low and v == -1):
            raise ValueError(f"Layer {layer}: argument `{name}` must be a number or a pair of numbers in "
                             f"{'(-1, 1]' if open_low else '[-1, 1]'}, received {factor!r}")

    if isinstance(factor, (tuple, list)) and len(factor) == 2:
        check(factor[0]), check(factor[1])
        low, high = sorted(factor)
        return float(low), float(high)
    check(factor)
    return -abs(float(factor)), abs(float(factor))


class _AffineLayer(RandomImageLayer):
    def __init__(self, fill_mode, interpolation, seed, fill_value, data_format, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        check_choice(type(self).__name__, "fill_mode", fill_mode, _FILL_MODES)
        check_choice(type(self).__name__, "interpolation", interpolation, _INTERPOLATIONS)
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def call(self, inputs, training=True):
        images = ops.cast(inputs, self.compute_dtype)
        if not training:
            return images
        matrix = self.transform(images, *self.known_size(images))
        return ops.image.affine_transform(images, matrix, self.interpolation, self.fill_mode, self.fill_value,
                                          self.data_format)

    def transform(self, images, height, width):
        """(batch, 8) projective matrices mapping output pixels to input pixels."""
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomRotation(_AffineLayer):
    """Rotates each image by an angle drawn in [factor[0], factor[1]] * 360 degrees, about its centre.

    >>> RandomRotation(0.1, seed=1)(np.ones((2, 8, 8, 3), "float32")).shape
    (2, 8, 8, 3)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = keras_factor("RandomRotation", factor)

    def transform(self, images, height, width):
        angle = self.uniform(images, self.per_image_shape(images), self.factor[0] * 360.0, self.factor[1] * 360.0)
        angle = angle * np.float32(math.pi / 180.0)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        cos, sin = ops.cos(angle), ops.sin(angle)
        zero = angle * 0.0
        # Keras's _compute_affine_matrix with unit scale and no shear or translation, same order.
        a0, a1, b0, b1 = cos, -sin, sin, cos
        a2 = (zero + cx) - a0 * cx - a1 * cy
        b2 = (zero + cy) - b0 * cx - b1 * cy
        return ops.stack([a0, a1, a2, b0, b1, b2, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_AffineLayer):
    """Zooms each image about its centre by 1 + a factor drawn per axis (negative: zoom in).

    >>> RandomZoom(0.2, seed=1)(np.ones((2, 8, 8, 3), "float32")).shape
    (2, 8, 8, 3)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _range_factor("RandomZoom", "height_factor", height_factor, True)
        if width_factor is not None:
            self.width_lower, self.width_upper = _range_factor("RandomZoom", "width_factor", width_factor, True)

    def transform(self, images, height, width):
        shape = self.per_image_shape(images, 1)
        zoom_h = self.uniform(images, shape, 1.0 + self.height_lower, 1.0 + self.height_upper)
        zoom_w = zoom_h
        if self.width_factor is not None:
            zoom_w = self.uniform(images, shape, 1.0 + self.width_lower, 1.0 + self.width_upper)
        zero = zoom_h * 0.0
        x_offset = ((width - 1.0) / 2.0) * (1.0 - zoom_w)
        y_offset = ((height - 1.0) / 2.0) * (1.0 - zoom_h)
        return ops.concatenate([zoom_w, zero, x_offset, zero, zoom_h, y_offset, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomTranslation(_AffineLayer):
    """Shifts each image by fractions of its height and width drawn from the factors.

    >>> RandomTranslation(0.1, 0.1, seed=1)(np.ones((2, 8, 8, 3), "float32")).shape
    (2, 8, 8, 3)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _range_factor("RandomTranslation", "height_factor", height_factor, False)
        self.width_lower, self.width_upper = _range_factor("RandomTranslation", "width_factor", width_factor, False)

    def transform(self, images, height, width):
        shape = self.per_image_shape(images, 1)
        dy = self.uniform(images, shape, self.height_lower, self.height_upper) * float(height)
        dx = self.uniform(images, shape, self.width_lower, self.width_upper) * float(width)
        one, zero = dy * 0.0 + 1.0, dy * 0.0
        return ops.concatenate([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}
