"""Contractions (matmul, einsum, conv), pooling and the normalizing composites (softmax)."""
import math

import jax
import jax.numpy as jnp

from ..registry import COMPOSITE, CONTRACTION, register
from .tiled_pool import tiled_max_pool, tiles_exactly


def _matmul_flops(in_types, out_types, attrs, n):
    a = in_types[0]
    k = a.shape[-1] if a.shape[-1] is not None else n
    return 2 * out_types[0].num_elements(n) * k


@register("matmul", CONTRACTION, "matrix product over the last axis of x and the first of y", flops=_matmul_flops)
def _matmul(x, y):
    return jnp.matmul(x, y)


def _einsum_flops(in_types, out_types, attrs, n):
    # Every index letter is looped over once: 2 * product of all index sizes.
    sizes = {}
    for letters, t in zip(attrs["subscripts"].split("->")[0].split(","), in_types):
        letters = letters.replace("...", "")
        for letter, d in zip(letters, t.shape[t.rank - len(letters):]):
            sizes[letter] = n if d is None else d
    return 2 * math.prod(sizes.values())


@register("einsum", CONTRACTION, "Einstein summation given by subscripts", flops=_einsum_flops)
def _einsum(*xs, subscripts):
    return jnp.einsum(subscripts, *xs)


def conv_dimension_numbers(rank: int, data_format: str):
    spatial = "DHW"[3 - rank:]
    lhs = f"N{spatial}C" if data_format == "channels_last" else f"NC{spatial}"
    return (lhs, f"{spatial}IO", lhs)


def _conv_flops(in_types, out_types, attrs, n):
    kernel = in_types[1]
    per_output = 2 * math.prod(kernel.shape[:-1])
    return per_output * out_types[0].num_elements(n)


@register("conv", CONTRACTION, "N-d convolution, Keras kernel layout (spatial..., in/groups, out)", flops=_conv_flops)
def _conv(x, kernel, *, strides, padding, dilation, groups, data_format):
    rank = kernel.ndim - 2
    return jax.lax.conv_general_dilated(
        x, kernel, window_strides=strides, padding=padding.upper() if isinstance(padding, str) else padding,
        rhs_dilation=dilation, dimension_numbers=conv_dimension_numbers(rank, data_format),
        feature_group_count=groups)


def _window(x_ndim, pool_size, strides, data_format):
    if data_format == "channels_last":
        return (1, *pool_size, 1), (1, *strides, 1)
    return (1, 1, *pool_size), (1, 1, *strides)


@register("max_pool", COMPOSITE, "maximum over sliding windows")
def _max_pool(x, *, pool_size, strides, padding, data_format):
    if tiles_exactly(pool_size, strides, padding):
        return tiled_max_pool(x, pool_size, padding, data_format)
    window, step = _window(x.ndim, pool_size, strides, data_format)
    # A Python scalar init lets JAX see the max monoid, which it knows how to differentiate.
    init = -jnp.inf if jnp.issubdtype(x.dtype, jnp.floating) else int(jnp.iinfo(x.dtype).min)
    return jax.lax.reduce_window(x, init, jax.lax.max, window, step, padding.upper())


@register("avg_pool", COMPOSITE, "mean over sliding windows (padding excluded from the count)")
def _avg_pool(x, *, pool_size, strides, padding, data_format):
    window, step = _window(x.ndim, pool_size, strides, data_format)
    total = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, step, padding.upper())
    if padding == "valid":
        return total / math.prod(pool_size)
    count = jax.lax.reduce_window(jnp.ones_like(x), 0.0, jax.lax.add, window, step, "SAME")
    return total / count


@register("softmax", COMPOSITE, "exp(x) / sum(exp(x)) along axis")
def _softmax(x, *, axis):
    return jax.nn.softmax(x, axis=axis)


@register("log_softmax", COMPOSITE, "log of softmax along axis")
def _log_softmax(x, *, axis):
    return jax.nn.log_softmax(x, axis=axis)
