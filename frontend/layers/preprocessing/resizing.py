"""Deterministic image geometry: Resizing (with crop or pad to the target aspect ratio) and
CenterCrop. Both are IR ops inside a model: a static window and a `resize` op."""
from __future__ import annotations

import numpy as np

from ... import ops
from .image_layer import ImageLayer, check_choice, resize, window

__all__ = ["CenterCrop", "Resizing"]

_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def _positive_size(layer, height, width):
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"Layer {layer}: argument `{name}` must be a positive integer, received {value!r}")
    return int(height), int(width)


def aspect_crop(images, axes, target):
    """The centred window of `images` with the aspect ratio of `target` (Keras's
    `crop_to_aspect_ratio` and `smart_resize`)."""
    height, width = (images.shape[a] for a in axes)
    crop_height = max(min(height, int(float(width * target[0]) / target[1])), 1)
    crop_width = max(min(width, int(float(height * target[1]) / target[0])), 1)
    starts = (int(float(height - crop_height) / 2), int(float(width - crop_width) / 2))
    return window(images, axes, starts, (crop_height, crop_width))


def _aspect_pad(images, axes, target, fill_value):
    height, width = (images.shape[a] for a in axes)
    pad_height = max(height, int(float(width * target[0]) / target[1]))
    pad_width = max(width, int(float(height * target[1]) / target[0]))
    top, left = int(float(pad_height - height) / 2), int(float(pad_width - width) / 2)
    if not (top or left):
        return images
    widths = [(0, 0)] * len(images.shape)
    # As Keras: the same band on both sides, on the one axis that is short.
    if top:
        widths[axes[0]] = (top, top)
    else:
        widths[axes[1]] = (left, left)
    return ops.pad(images, widths, constant_values=fill_value)


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
        axes = self.spatial_axes(len(inputs.shape))
        target = (self.height, self.width)
        images = inputs
        if self.crop_to_aspect_ratio:
            images = aspect_crop(images, axes, target)
        elif self.pad_to_aspect_ratio:
            images = _aspect_pad(images, axes, target, self.fill_value)
        out = resize(images, target, self.interpolation, self.antialias, self.data_format)
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
        return resize(aspect_crop(images, axes, target), target, "bilinear", False, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
