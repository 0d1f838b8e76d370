"""Ops of the preprocessing layers: image resizing and affine warps, crops at run-time offsets,
and bucketing by boundaries."""
import functools

import jax
import jax.numpy as jnp

from ..registry import COMPOSITE, ELEMENTWISE, SHAPE, register


def _spatial_axes(ndim, data_format):
    return (ndim - 3, ndim - 2) if data_format == "channels_last" else (ndim - 2, ndim - 1)


@register("resize", COMPOSITE, "images resized to size (height, width) with an interpolation kernel")
def _resize(x, *, size, method, antialias, data_format):
    shape = list(x.shape)
    for axis, d in zip(_spatial_axes(x.ndim, data_format), size):
        shape[axis] = d
    return jax.image.resize(x, tuple(shape), method=method, antialias=antialias)


@register("crop_at", SHAPE, "a (height, width) window of images starting at run-time offsets (top, left)")
def _crop_at(x, top, left, *, size, data_format):
    starts = [jnp.zeros((), "int32")] * x.ndim
    sizes = list(x.shape)
    for axis, start, d in zip(_spatial_axes(x.ndim, data_format), (top, left), size):
        starts[axis], sizes[axis] = start.astype("int32"), d
    return jax.lax.dynamic_slice(x, starts, sizes)


@register("digitize", ELEMENTWISE, "index of the bucket of each element among sorted boundaries")
def _digitize(x, *, boundaries):
    return jnp.digitize(x, jnp.asarray(boundaries, x.dtype)).astype("int32")


_ORDER = {"nearest": 0, "bilinear": 1}


@register("affine_transform", COMPOSITE,
          "images warped by per-image projective transforms [a0 a1 a2 b0 b1 b2 c0 c1] (output -> input map)")
def _affine_transform(images, transform, *, interpolation, fill_mode, fill_value, data_format):
    # Keras's JAX backend algorithm (keras/src/backend/jax/image.py), kept step for step so the
    # sampled coordinates, and hence the pixels, match it.
    squeeze = images.ndim == 3
    if squeeze:
        images = images[None]
    if transform.ndim == 1:
        transform = transform[None]
    if data_format == "channels_first":
        images = jnp.transpose(images, (0, 2, 3, 1))
    batch = images.shape[0]
    grid = jnp.meshgrid(*[jnp.arange(size) for size in images.shape[1:]], indexing="ij")
    indices = jnp.concatenate([g[..., None] for g in grid], axis=-1)
    indices = jnp.broadcast_to(indices, (batch, *indices.shape))
    a0, a2, b1, b2 = transform[:, 0], transform[:, 2], transform[:, 4], transform[:, 5]
    transform = transform.at[:, 0].set(b1).at[:, 2].set(b2).at[:, 4].set(a0).at[:, 5].set(a2)
    transform = jnp.pad(transform, [[0, 0], [0, 1]], constant_values=1).reshape(batch, 3, 3)
    offset = jnp.pad(transform[:, 0:2, 2], [[0, 0], [0, 1]])
    transform = transform.at[:, 0:2, 2].set(0)
    coordinates = jnp.einsum("Bhwij, Bjk -> Bhwik", indices, transform)
    coordinates = jnp.moveaxis(coordinates, -1, 1) + offset.reshape(*offset.shape, 1, 1, 1)
    sample = functools.partial(jax.scipy.ndimage.map_coordinates, order=_ORDER[interpolation], mode=fill_mode,
                               cval=fill_value)
    out = jax.vmap(sample)(images, coordinates)
    if data_format == "channels_first":
        out = jnp.transpose(out, (0, 3, 1, 2))
    return out[0] if squeeze else out
