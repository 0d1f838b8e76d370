"""Deterministic image geometry: Resizing (with crop or pad to the target aspect ratio) and
CenterCrop. Inside a model they are IR ops: a static window and kerax.ops.image.resize."""
from __future__ import annotations

import numpy as np

from ... import ops
from .image_layer import ImageLayer, check_choice, window

__all__ = ["CenterCrop", "Resizing"]

_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def _positive_size(layer, height, width):
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"Layer {layer}: argument `{name}` must be a positive integer, received {value!r}")
    return int(height), int(width)


class Resizing(ImageLayer):
    """Resizes images to (height, width); integer images keep their dtype (rounded, saturated).

    >>> Resizing(2, 3)(np.ones((1, 4, 4, 1), "float32")).shape
    (1, 2, 3, 1)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _positive_size("Resizing", height, width)
        check_choice("Resizing", "interpolation", interpolation, _INTERPOLATIONS)
        if fill_mode != "constant":
            raise ValueError(f"Layer Resizing: argument `fill_mode` must be 'constant', received {fill_mode!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Layer Resizing: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = crop_to_aspect_ratio, pad_to_aspect_ratio
        self.fill_mode, self.fill_value, self.antialias = fill_mode, fill_value, bool(antialias)

    def call(self, inputs):
        self.check_rank(len(inputs.shape))
        out = ops.image.resize(inputs, (self.height, self.width), self.interpolation, self.antialias,
                               self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_mode, self.fill_value,
                               self.data_format)
        dtype = str(inputs.dtype)
        if str(out.dtype) == dtype:
            return out
        if "int" in dtype:  # as Keras: round, then saturate into the integer range
            info = np.iinfo(dtype)
            out = ops.clip(ops.round(out), float(info.min), float(info.max))
        return ops.cast(out, dtype)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(ImageLayer):
    """Crops the central (height, width) window; smaller images are cropped to the target aspect
    ratio and resized up instead, as Keras does.

    >>> CenterCrop(2, 2)(np.ones((1, 4, 4, 3), "float32")).shape
    (1, 2, 2, 3)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _positive_size("CenterCrop", height, width)

    def call(self, inputs):
        images = ops.cast(inputs, self.compute_dtype)
        axes = self.spatial_axes(len(images.shape))
        height, width = self.known_size(images)
        target = (self.height, self.width)
        if height >= self.height and width >= self.width:
            return window(images, axes, ((height - self.height) // 2, (width - self.width) // 2), target)
        # As Keras's smart_resize: the centred window of the target's aspect ratio, resized.
        return ops.image.resize(images, target, crop_to_aspect_ratio=True, data_format=self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
