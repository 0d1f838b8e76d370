"""kerax.ops.image: color conversions, resizing, geometric transforms, filters, patches and
padding/cropping of (batch,) height, width, channels images (or channels first).

Each function records one IR op (ir/ops/image.py) or composes existing ones.

>>> kerax.ops.image.resize(np.ones((2, 4, 4, 3), "float32"), (8, 8)).shape
(2, 8, 8, 3)
"""
from __future__ import annotations

import math

import numpy as np

from .. import config
from . import numpy as knp
from .numpy_math import op

__all__ = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "resize", "affine_transform", "map_coordinates",
           "gaussian_blur", "sobel_edges", "scale_and_translate", "extract_patches", "extract_patches_3d", "ssim",
           "pad_images", "crop_images"]

_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _images(name, images, data_format=None, rgb=False, float_only=False):
    data_format = config.standardize_data_format(data_format)
    if len(images.shape) not in (3, 4):
        raise ValueError(f"kerax.ops.image.{name}: expected rank 3 (one image) or rank 4 (a batch of images), "
                         f"received images.shape={tuple(images.shape)}")
    channels = images.shape[-1] if data_format == "channels_last" else images.shape[-3]
    if rgb and channels not in (1, 3):
        raise ValueError(f"kerax.ops.image.{name}: expected 3 (RGB) or 1 channels, received "
                         f"images.shape={tuple(images.shape)}")
    if float_only and "float" not in str(images.dtype):
        raise ValueError(f"kerax.ops.image.{name}: expected float images, received dtype {images.dtype}")
    return data_format


def rgb_to_grayscale(images, data_format=None):
    data_format = _images("rgb_to_grayscale", images, data_format, rgb=True)
    return op("image_rgb_to_grayscale", images, data_format=data_format)


def rgb_to_hsv(images, data_format=None):
    data_format = _images("rgb_to_hsv", images, data_format, float_only=True)
    return op("image_rgb_to_hsv", images, data_format=data_format)


def hsv_to_rgb(images, data_format=None):
    data_format = _images("hsv_to_rgb", images, data_format, float_only=True)
    return op("image_hsv_to_rgb", images, data_format=data_format)


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Images resized to `size` = (height, width); with crop_to_aspect_ratio (or
    pad_to_aspect_ratio) the largest centred window of the target aspect ratio is cut out
    first (or the image is padded with fill_value to it)."""
    data_format = _images("resize", images, data_format)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"kerax.ops.image.resize: argument `interpolation` must be one of {_INTERPOLATIONS}, "
                         f"received {interpolation!r}")
    if fill_mode != "constant":
        raise ValueError(f"kerax.ops.image.resize: only fill_mode='constant' is supported, received {fill_mode!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("kerax.ops.image.resize: only one of `pad_to_aspect_ratio` and `crop_to_aspect_ratio` "
                         "can be True")
    if len(size) != 2:
        raise ValueError(f"kerax.ops.image.resize: argument `size` must be (height, width), received {size!r}")
    target_h, target_w = int(size[0]), int(size[1])
    height, width = _hw(images, data_format)
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
        crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
        top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
        images = _window(images, data_format, top, top + crop_h, left, left + crop_w)
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(float(width * target_h) / target_w))
        pad_w = max(width, int(float(height * target_w) / target_h))
        top, left = int(float(pad_h - height) / 2), int(float(pad_w - width) / 2)
        images = pad_images(images, top, left, top, left, data_format=data_format, fill_value=fill_value)
    method = {"area": "linear", "bilinear": "linear", "bicubic": "cubic"}.get(interpolation, interpolation)
    return op("image_resize", images, size=(target_h, target_w), interpolation=method,
              antialias=bool(antialias or interpolation == "area"), data_format=data_format)


def _hw(images, data_format):
    return tuple(images.shape[-3:-1]) if data_format == "channels_last" else tuple(images.shape[-2:])


def _window(images, data_format, top, bottom, left, right):
    spatial = (slice(top, bottom), slice(left, right))
    index = (Ellipsis, *spatial, slice(None)) if data_format == "channels_last" else (Ellipsis, *spatial)
    return images[index]


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Images sampled through projective transforms [a0, a1, a2, b0, b1, b2, c0, c1] mapping
    output points (x, y) to input points, one per image or one for all."""
    data_format = _images("affine_transform", images, data_format)
    orders = {"nearest": 0, "bilinear": 1}
    if interpolation not in orders:
        raise ValueError(f"kerax.ops.image.affine_transform: argument `interpolation` must be one of "
                         f"{tuple(orders)}, received {interpolation!r}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"kerax.ops.image.affine_transform: argument `fill_mode` must be one of {_FILL_MODES}, "
                         f"received {fill_mode!r}")
    transform = knp.convert_to_tensor(transform)
    if len(transform.shape) not in (1, 2):
        raise ValueError("kerax.ops.image.affine_transform: expected a transform of rank 1 (one) or 2 (a batch), "
                         f"received transform.shape={tuple(transform.shape)}")
    return op("image_affine_transform", images, transform, order=orders[interpolation], fill_mode=fill_mode,
              fill_value=float(fill_value), data_format=data_format)


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """inputs sampled at `coordinates` (one row of coordinates per input axis)."""
    coordinates = knp.convert_to_tensor(coordinates)
    if coordinates.shape[0] != len(inputs.shape):
        raise ValueError(f"kerax.ops.image.map_coordinates: the first axis of `coordinates` must be the rank of "
                         f"`inputs` ({len(inputs.shape)}), received coordinates.shape={tuple(coordinates.shape)}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"kerax.ops.image.map_coordinates: argument `fill_mode` must be one of {_FILL_MODES}, "
                         f"received {fill_mode!r}")
    if order not in (0, 1):
        raise ValueError(f"kerax.ops.image.map_coordinates: argument `order` must be 0 or 1, received {order!r}")
    return op("image_map_coordinates", inputs, coordinates, order=int(order), fill_mode=fill_mode,
              fill_value=float(fill_value))


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    data_format = _images("gaussian_blur", images, data_format)
    return op("image_gaussian_blur", images, kernel_size=tuple(int(k) for k in kernel_size),
              sigma=tuple(float(s) for s in sigma), data_format=data_format)


def sobel_edges(images, data_format=None):
    """Sobel gradients of a batch of images, (dy, dx) stacked on a new last axis."""
    if len(images.shape) != 4:
        raise ValueError(f"kerax.ops.image.sobel_edges: expected a batch of images (rank 4), received "
                         f"images.shape={tuple(images.shape)}")
    return op("image_sobel_edges", images, data_format=config.standardize_data_format(data_format))


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    methods = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3", "lanczos5")
    if method not in methods:
        raise ValueError(f"kerax.ops.image.scale_and_translate: argument `method` must be one of {methods}, "
                         f"received {method!r}")
    return op("image_scale_and_translate", images, knp.convert_to_tensor(scale),
              knp.convert_to_tensor(translation), output_shape=tuple(int(d) for d in output_shape),
              spatial_dims=tuple(int(d) for d in spatial_dims), method=method, antialias=bool(antialias))


def _patches(name, images, size, rank, strides, dilation_rate, padding, data_format):
    """Patches as channels: a convolution with an identity kernel, as Keras computes them."""
    from .nn import conv

    sizes = (size,) * rank if isinstance(size, int) else tuple(int(v) for v in size)
    if len(sizes) != rank:
        raise TypeError(f"kerax.ops.image.{name}: argument `size` must be an int or {rank} ints, received {size!r}")
    data_format = config.standardize_data_format(data_format)
    if len(images.shape) not in (rank + 1, rank + 2):
        raise ValueError(f"kerax.ops.image.{name}: expected rank {rank + 1} (one) or {rank + 2} (a batch), received "
                         f"shape {tuple(images.shape)}")
    channels = images.shape[-1] if data_format == "channels_last" else images.shape[-rank - 1]
    out_dim = math.prod(sizes) * channels
    kernel = np.eye(out_dim, dtype=str(images.dtype)).reshape(*sizes, channels, out_dim)
    batched = len(images.shape) == rank + 2
    images = images if batched else knp.expand_dims(images, 0)
    patches = conv(images, kernel, strides=strides or sizes, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate)
    return patches if batched else knp.squeeze(patches, 0)


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of `size` (ph, pw) as channels: (..., rows, cols, ph * pw * channels); a size of
    three values extracts 3-D patches of volumes."""
    if not isinstance(size, int) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    return _patches("extract_patches", images, size, 2, strides, dilation_rate, padding, data_format)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """3-D patches of (batch,) depth, height, width, channels volumes, as channels."""
    return _patches("extract_patches_3d", volumes, size, 3, strides, dilation_rate, padding, data_format)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """Structural similarity of two images (or batches), averaged over space and channels."""
    from .nn import conv

    data_format = config.standardize_data_format(data_format)
    for name, image in (("image1", image1), ("image2", image2)):
        if len(image.shape) not in (3, 4):
            raise ValueError(f"kerax.ops.image.ssim: `{name}` must have rank 3 (one image) or 4 (a batch), "
                             f"received shape {tuple(image.shape)}")
    original = str(image1.dtype)
    compute = original if "float" in original else config.floatx()
    x1, x2 = knp.cast(image1, compute), knp.cast(image2, compute)
    unbatched = len(x1.shape) == 3
    if unbatched:
        x1, x2 = knp.expand_dims(x1, 0), knp.expand_dims(x2, 0)
    if data_format == "channels_first":
        x1, x2 = knp.moveaxis(x1, 1, -1), knp.moveaxis(x2, 1, -1)
    _, height, width, channels = x1.shape
    g = np.exp(-((np.arange(filter_size) - (filter_size - 1) / 2.0) ** 2) / (2.0 * filter_sigma ** 2))
    g = (g / g.sum()).astype(compute)
    kernel = np.outer(g, g).reshape(filter_size, filter_size, 1, 1)

    def blur(x):  # each channel on its own: channels moved into the batch
        return conv(x, kernel, padding="valid", data_format="channels_last")

    x1 = knp.reshape(knp.transpose(x1, (0, 3, 1, 2)), (-1, height, width, 1))
    x2 = knp.reshape(knp.transpose(x2, (0, 3, 1, 2)), (-1, height, width, 1))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(x1), blur(x2)
    sigma1 = blur(x1 * x1) - mu1 * mu1
    sigma2 = blur(x2 * x2) - mu2 * mu2
    sigma12 = blur(x1 * x2) - mu1 * mu2
    ssim_map = (2.0 * mu1 * mu2 + c1) * (2.0 * sigma12 + c2) / ((mu1 * mu1 + mu2 * mu2 + c1) * (sigma1 + sigma2 + c2))
    per_image = knp.mean(knp.reshape(knp.mean(ssim_map, axis=(1, 2, 3)), (-1, channels)), axis=-1)
    return knp.cast(knp.squeeze(per_image, 0) if unbatched else per_image, original)


def _sides(name, before, after, target, length, what):
    given = sum(v is not None for v in (before, after, target))
    if given != 2:
        raise ValueError(f"kerax.ops.image.{name}: give exactly two of top/bottom (left/right) {what} and the "
                         f"target size, received {before!r}, {after!r}, {target!r}")
    if before is None:
        before = target - after - length if what == "padding" else length - after - target
    if after is None:
        after = target - before - length if what == "padding" else length - before - target
    if before < 0 or after < 0:
        raise ValueError(f"kerax.ops.image.{name}: the {what} must be >= 0, received {before} and {after}")
    return int(before), int(after)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None, fill_value=0.0):
    """Images padded with zeros to (target_height, target_width) or by the given paddings."""
    data_format = _images("pad_images", images, data_format)
    height, width = _hw(images, data_format)
    top, bottom = _sides("pad_images", top_padding, bottom_padding, target_height, height, "padding")
    left, right = _sides("pad_images", left_padding, right_padding, target_width, width, "padding")
    spatial = [(top, bottom), (left, right)]
    width_ = spatial + [(0, 0)] if data_format == "channels_last" else [(0, 0)] + spatial
    if len(images.shape) == 4:
        width_ = [(0, 0)] + width_
    return knp.pad(images, width_, constant_values=fill_value)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Images cropped to (target_height, target_width) or by the given croppings."""
    data_format = _images("crop_images", images, data_format)
    height, width = _hw(images, data_format)
    top, bottom = _sides("crop_images", top_cropping, bottom_cropping, target_height, height, "cropping")
    left, right = _sides("crop_images", left_cropping, right_cropping, target_width, width, "cropping")
    return _window(images, data_format, top, height - bottom, left, width - right)
