"""Image ops of keras.ops.image on (batch,) height, width, channels images (or channels first).

Named `image_*` so that they stay apart from the preprocessing layers' own ops.
"""
import jax
import jax.numpy as jnp

from ..registry import COMPOSITE, register


def _channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


@register("image_rgb_to_grayscale", COMPOSITE, "luma of RGB images (ITU-R 601 weights)")
def _rgb_to_grayscale(images, *, data_format):
    axis = _channel_axis(data_format)
    if images.shape[axis] == 1:
        return images
    compute = jnp.result_type(images.dtype, float)
    weights = jnp.asarray([0.2989, 0.5870, 0.1140], compute)
    gray = jnp.tensordot(images.astype(compute), weights, axes=(axis, -1))
    return jnp.expand_dims(gray, axis).astype(images.dtype)


@register("image_rgb_to_hsv", COMPOSITE, "RGB images in [0, 1] to hue, saturation, value")
def _rgb_to_hsv(images, *, data_format):
    axis = _channel_axis(data_format)
    images = jnp.where(jnp.abs(images) < jnp.finfo(images.dtype).eps, 0.0, images)
    r, g, b = (jnp.squeeze(p, axis) for p in jnp.split(images, 3, axis))
    value = jnp.maximum(jnp.maximum(r, g), b)
    range_ = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, range_ / jnp.where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * jnp.where(range_ > 0, range_, 1.0))
    hue = jnp.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = jnp.where(value == r, norm * (g - b), hue)
    hue = jnp.where(range_ > 0, hue, 0.0) + (hue < 0.0).astype(hue.dtype)
    return jnp.stack((hue, saturation, value), axis=axis)


@register("image_hsv_to_rgb", COMPOSITE, "hue, saturation, value images to RGB")
def _hsv_to_rgb(images, *, data_format):
    axis = _channel_axis(data_format)
    hue, saturation, value = (jnp.squeeze(p, axis) for p in jnp.split(images, 3, axis))
    dh = jnp.mod(hue, 1.0) * 6.0
    dr = jnp.clip(jnp.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = jnp.clip(2.0 - jnp.abs(dh - 2.0), 0.0, 1.0)
    db = jnp.clip(2.0 - jnp.abs(dh - 4.0), 0.0, 1.0)
    rest = 1.0 - saturation
    return jnp.stack([value * (rest + saturation * d) for d in (dr, dg, db)], axis=axis)


@register("image_resize", COMPOSITE, "images resized to (height, width) with an interpolation kernel")
def _resize(images, *, size, interpolation, antialias, data_format):
    if data_format == "channels_last":
        shape = (*images.shape[:-3], *size, images.shape[-1])
    else:
        shape = (*images.shape[:-2], *size)
    return jax.image.resize(images, shape, method=interpolation, antialias=antialias)


@register("image_map_coordinates", COMPOSITE, "inputs sampled at coordinates (order 0: nearest, 1: linear)")
def _map_coordinates(inputs, coordinates, *, order, fill_mode, fill_value):
    return jax.scipy.ndimage.map_coordinates(inputs, coordinates, order, fill_mode, fill_value)


@register("image_affine_transform", COMPOSITE,
          "images sampled through projective transforms [a0, a1, a2, b0, b1, b2, c0, c1] (output -> input)")
def _affine_transform(images, transform, *, order, fill_mode, fill_value, data_format):
    squeeze = images.ndim == 3
    images = images[None] if squeeze else images
    transform = transform[None] if transform.ndim == 1 else transform
    if data_format == "channels_first":
        images = jnp.transpose(images, (0, 2, 3, 1))
    batch = images.shape[0]
    grid = jnp.stack(jnp.meshgrid(*[jnp.arange(n) for n in images.shape[1:]], indexing="ij"), axis=-1)
    grid = jnp.tile(grid, (batch, 1, 1, 1, 1))
    # Keras's (x, y) transform acting on (row, column, channel) coordinates: swap its x and y parts.
    a0, a2, b1, b2 = transform[:, 0], transform[:, 2], transform[:, 4], transform[:, 5]
    transform = transform.at[:, 0].set(b1).at[:, 2].set(b2).at[:, 4].set(a0).at[:, 5].set(a2)
    transform = jnp.reshape(jnp.pad(transform, [[0, 0], [0, 1]], constant_values=1), (batch, 3, 3))
    offset = jnp.pad(transform[:, 0:2, 2], [[0, 0], [0, 1]])
    transform = transform.at[:, 0:2, 2].set(0)
    coordinates = jnp.moveaxis(jnp.einsum("Bhwij, Bjk -> Bhwik", grid, transform), -1, 1)
    coordinates = coordinates + jnp.reshape(offset, (*offset.shape, 1, 1, 1))
    sample = lambda image, coords: jax.scipy.ndimage.map_coordinates(  # noqa: E731
        image, coords, order=order, mode=fill_mode, cval=fill_value)
    out = jax.vmap(sample)(images, coordinates)
    if data_format == "channels_first":
        out = jnp.transpose(out, (0, 3, 1, 2))
    return out[0] if squeeze else out


def _depthwise_nchw(images, kernel):
    """Each channel of NCHW images convolved ('same') with one (kh, kw) kernel."""
    channels = images.shape[1]
    kernel = jnp.tile(kernel[None, None].astype(images.dtype), (channels, 1, 1, 1))
    return jax.lax.conv_general_dilated(images, kernel, (1, 1), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                        feature_group_count=channels)


def _as_nchw(images, data_format):
    squeeze = images.ndim == 3
    images = images[None] if squeeze else images
    return (jnp.transpose(images, (0, 3, 1, 2)) if data_format == "channels_last" else images), squeeze


@register("image_gaussian_blur", COMPOSITE, "images blurred by a (kh, kw) Gaussian kernel of the given sigmas")
def _gaussian_blur(images, *, kernel_size, sigma, data_format):
    def kernel_1d(size, s):
        x = jnp.arange(size, dtype=images.dtype) - (size - 1) / 2
        k = jnp.exp(-0.5 * (x / s) ** 2)
        return k / jnp.sum(k)

    nchw, squeeze = _as_nchw(images, data_format)
    out = _depthwise_nchw(nchw, jnp.outer(kernel_1d(kernel_size[1], sigma[1]), kernel_1d(kernel_size[0], sigma[0])))
    out = jnp.transpose(out, (0, 2, 3, 1)) if data_format == "channels_last" else out
    return out[0] if squeeze else out


@register("image_sobel_edges", COMPOSITE, "Sobel gradients of batched images, stacked (dy, dx) on a new last axis")
def _sobel_edges(images, *, data_format):
    nchw, _ = _as_nchw(images, data_format)
    sobel_x = jnp.asarray([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    edges = [_depthwise_nchw(nchw, k) for k in (sobel_x.T, sobel_x)]
    if data_format == "channels_last":
        edges = [jnp.transpose(e, (0, 2, 3, 1)) for e in edges]
    return jnp.stack(edges, axis=-1)


@register("image_scale_and_translate", COMPOSITE, "jax.image.scale_and_translate over spatial_dims")
def _scale_and_translate(images, scale, translation, *, output_shape, spatial_dims, method, antialias):
    return jax.image.scale_and_translate(images, output_shape, spatial_dims, scale, translation, method, antialias)
