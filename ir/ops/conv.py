"""Convolution-family ops beyond `conv` (ir/ops/nn.py): the transposed convolution, and
upsampling by integer factors with an interpolation kernel.

Depthwise and separable convolutions need no op of their own: they are `conv` with a reshaped
kernel and `groups` equal to the channel count, which XLA already compiles as such.
"""
import math

import jax

from ..registry import COMPOSITE, CONTRACTION, register
from .nn import conv_dimension_numbers


def _conv_transpose_flops(in_types, out_types, attrs, n):
    # Every input element is scattered through the whole kernel into `filters` outputs.
    x, kernel = in_types
    return 2 * math.prod(kernel.shape[:-1]) * x.num_elements(n)


@register("conv_transpose", CONTRACTION,
          "N-d transposed convolution, Keras kernel layout (spatial..., out, in); padding: (lo, hi) per spatial axis",
          flops=_conv_transpose_flops)
def _conv_transpose(x, kernel, *, strides, padding, dilation, data_format):
    rank = kernel.ndim - 2
    # Keras's kernel (spatial..., filters, in_channels) is read as "...IO" with transpose_kernel:
    # lax flips the spatial axes and swaps I and O, making this the gradient of `conv` with it.
    return jax.lax.conv_transpose(
        x, kernel, strides, padding, rhs_dilation=dilation,
        dimension_numbers=conv_dimension_numbers(rank, data_format), transpose_kernel=True)


def _spatial_axes(ndim, data_format):
    return tuple(range(1, ndim - 1)) if data_format == "channels_last" else tuple(range(2, ndim))


@register("upsample", COMPOSITE,
          "spatial axes scaled by integer factors with an interpolation kernel (half-pixel centres, no antialias)")
def _upsample(x, *, factors, method, data_format):
    shape = list(x.shape)
    for axis, factor in zip(_spatial_axes(x.ndim, data_format), factors):
        shape[axis] = x.shape[axis] * factor
    # jax.image.resize leaves the axes whose size does not change (batch, channels) untouched.
    return jax.image.resize(x, tuple(shape), method=method, antialias=False)
