"""kerax.ops, convolution part: transposed, depthwise and separable convolutions (Keras 3's
`keras.ops.conv_transpose`, `depthwise_conv`, `separable_conv`), with Keras's kernel layouts
and Keras's padding arithmetic. `conv`, `max_pool` and `average_pool` live in nn.py.
`upsample` (UpSampling2D's interpolation) is kept out of `kerax.ops`: Keras has no such op.

>>> kerax.ops.depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2))).shape
(1, 3, 3, 6)
"""
from __future__ import annotations

from .. import config
from ..tracing import apply_op
from . import numpy as knp
from .nn import conv

__all__ = ["conv_transpose", "depthwise_conv", "separable_conv"]


def _spatial(value, rank: int, op: str, name: str) -> tuple:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    try:
        values = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        values = None
    if values is None or len(values) != rank:
        raise ValueError(f"kerax.ops.{op}: argument `{name}` must be an int or a tuple of {rank} ints "
                         f"(one per spatial axis), received {value!r}")
    return values


def _padding(padding, op: str) -> str:
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"kerax.ops.{op}: argument `padding` must be 'valid' or 'same', received {padding!r}")
    return padding.lower()


def _channels(x, data_format: str):
    return x.shape[-1] if data_format == "channels_last" else x.shape[1]


def _check_ranks(op: str, inputs, kernel) -> int:
    rank = len(kernel.shape) - 2
    if rank < 1 or len(inputs.shape) != rank + 2:
        raise ValueError(f"kerax.ops.{op}: a kernel of shape {tuple(kernel.shape)} needs inputs of rank "
                         f"{len(kernel.shape)} (batch, spatial..., channels), received inputs of shape "
                         f"{tuple(inputs.shape)}")
    return rank


def conv_transpose_padding(kernel_size: int, stride: int, dilation: int, padding: str,
                           output_padding: int | None) -> tuple:
    """(before, after) padding of one spatial axis that makes lax.conv_transpose give Keras's
    output length: `(n - 1) * stride + max(k, stride)` for "valid", `n * stride` for "same",
    and `output_padding` added at the end when given.

    >>> conv_transpose_padding(3, 2, 1, "same", None)
    (2, 1)
    """
    k = (kernel_size - 1) * dilation + 1  # the dilated kernel's extent
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + extra
    total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, k - 1)
    return before, total - before


def conv_transpose_length(length, kernel_size, stride, dilation, pad) -> int | None:
    """Output length of a transposed convolution with explicit `pad` = (before, after)."""
    if length is None:
        return None
    return (length - 1) * stride + 1 + pad[0] + pad[1] - (kernel_size - 1) * dilation


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of `conv`); kernel (spatial..., out_channels, in_channels).

    >>> kerax.ops.conv_transpose(np.ones((1, 4, 4, 3)), np.ones((3, 3, 8, 3)), strides=2, padding="same").shape
    (1, 8, 8, 8)
    """
    rank = _check_ranks("conv_transpose", inputs, kernel)
    data_format = config.standardize_data_format(data_format)
    in_channels = _channels(inputs, data_format)
    if in_channels is not None and in_channels != kernel.shape[-1]:
        raise ValueError(f"kerax.ops.conv_transpose: the inputs have {in_channels} channels but the kernel of shape "
                         f"{tuple(kernel.shape)} expects {kernel.shape[-1]} (its last axis)")
    strides = _spatial(strides, rank, "conv_transpose", "strides")
    dilation = _spatial(dilation_rate, rank, "conv_transpose", "dilation_rate")
    extras = ((None,) * rank if output_padding is None
              else _spatial(output_padding, rank, "conv_transpose", "output_padding"))
    padding = _padding(padding, "conv_transpose")
    pads = tuple(conv_transpose_padding(k, s, d, padding, e)
                 for k, s, d, e in zip(kernel.shape[:-2], strides, dilation, extras))
    return apply_op("conv_transpose", inputs, kernel, strides=strides, padding=pads, dilation=dilation,
                    data_format=data_format)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Each input channel convolved with its own `depth_multiplier` filters;
    kernel (spatial..., in_channels, depth_multiplier), output channels in_channels * depth_multiplier.

    >>> kerax.ops.depthwise_conv(np.ones((1, 5, 3)), np.ones((3, 3, 1))).shape
    (1, 3, 3)
    """
    rank = _check_ranks("depthwise_conv", inputs, kernel)
    data_format = config.standardize_data_format(data_format)
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    if _channels(inputs, data_format) != channels:
        raise ValueError(f"kerax.ops.depthwise_conv: the inputs have {_channels(inputs, data_format)} channels but "
                         f"the kernel of shape {tuple(kernel.shape)} expects {channels} (its axis -2)")
    # As Keras does: a grouped conv with one group per channel, each holding `multiplier` filters.
    grouped = knp.reshape(kernel, (*kernel.shape[:-2], 1, channels * multiplier))
    return conv(inputs, grouped, strides=_spatial(strides, rank, "depthwise_conv", "strides"),
                padding=_padding(padding, "depthwise_conv"), data_format=data_format,
                dilation_rate=_spatial(dilation_rate, rank, "depthwise_conv", "dilation_rate"), groups=channels)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """A depthwise convolution followed by a 1x1 convolution mixing its channels;
    pointwise_kernel (1..., in_channels * depth_multiplier, filters).

    >>> kerax.ops.separable_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2)), np.ones((1, 1, 6, 4))).shape
    (1, 3, 3, 4)
    """
    rank = _check_ranks("separable_conv", inputs, depthwise_kernel)
    expected = (1,) * rank + (depthwise_kernel.shape[-2] * depthwise_kernel.shape[-1],)
    if tuple(pointwise_kernel.shape[:-1]) != expected:
        raise ValueError(f"kerax.ops.separable_conv: argument `pointwise_kernel` must have shape "
                         f"{(*expected, 'filters')} for a depthwise kernel of shape {tuple(depthwise_kernel.shape)}, "
                         f"received {tuple(pointwise_kernel.shape)}")
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(depthwise, pointwise_kernel, strides=1, padding="valid", data_format=data_format)


def upsample(inputs, factors, method="bilinear", data_format=None):
    """The spatial axes scaled by integer `factors` with an interpolation kernel, as
    `jax.image.resize(..., antialias=False)` does (what Keras's UpSampling2D uses).

    >>> upsample(np.ones((1, 2, 2, 3)), (2, 3)).shape
    (1, 4, 6, 3)
    """
    factors = _spatial(factors, len(inputs.shape) - 2, "upsample", "factors")
    return apply_op("upsample", inputs, factors=factors, method=method,
                    data_format=config.standardize_data_format(data_format))
