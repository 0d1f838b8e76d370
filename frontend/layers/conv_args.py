"""Argument checks and shape arithmetic shared by the convolution, pooling and reshaping layers.

Every check names the layer class and the argument, says what was expected and what was
received, as Keras's own messages do, so a bad argument fails in `__init__`, not inside XLA.

>>> int_tuple("Conv2D", 3, 2, "kernel_size")
(3, 3)
"""
from __future__ import annotations

import numbers


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _as_tuple(value):
    """Any non-string iterable (tuple, list, numpy array) as a tuple, else None."""
    if isinstance(value, str):
        return None
    try:
        return tuple(value)
    except TypeError:
        return None


def int_tuple(layer: str, value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """`value` (an int or n ints) as a tuple of n ints, each > 0 (>= 0 with `allow_zero`)."""
    values = (value,) * n if _is_int(value) else _as_tuple(value)
    if values is None or len(values) != n or not all(_is_int(v) for v in values):
        raise ValueError(f"{layer}: argument `{name}` must be an int or a tuple of {n} ints, received {value!r}")
    values = tuple(int(v) for v in values)
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{layer}: every value of argument `{name}` must be {bound}, received {value!r}")
    return values


def positive_int(layer: str, name: str, value) -> int:
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{layer}: argument `{name}` must be a positive integer, received {value!r}")
    return int(value)


def padding_mode(layer: str, value, allowed=("valid", "same")) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(f"{layer}: argument `padding` must be one of {allowed}, received {value!r}")
    return value.lower()


def pairs(layer: str, value, n: int, name: str) -> tuple:
    """ZeroPadding/Cropping's argument: an int, n ints (symmetric) or n pairs (before, after)."""
    items = (value,) * n if _is_int(value) else _as_tuple(value)
    if items is None or len(items) != n:
        raise ValueError(f"{layer}: argument `{name}` must be an int, a tuple of {n} ints or a tuple of {n} pairs "
                         f"of ints, received {value!r}")
    return tuple(int_tuple(layer, v, 2, f"{name}[{i}]", allow_zero=True) for i, v in enumerate(items))


def spatial_axes(rank: int, data_format: str) -> tuple:
    """Axes of the spatial dimensions in a (rank + 2)-d input."""
    return tuple(range(1, rank + 1)) if data_format == "channels_last" else tuple(range(2, rank + 2))


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def conv_output_length(length, kernel: int, stride: int, padding: str, dilation: int = 1):
    """Output length of a convolution or pooling window along one axis (None stays None)."""
    if length is None:
        return None
    if padding == "valid":
        return (length - dilation * (kernel - 1) - 1) // stride + 1
    return (length - 1) // stride + 1  # "same" and "causal"


def with_spatial(input_shape, data_format: str, spatial, channels) -> tuple:
    """`input_shape` with its spatial sizes and channel count replaced."""
    batch = input_shape[0]
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def check_positive_output(layer_name: str, input_shape, output_shape, details: str) -> None:
    if any(d is not None and d <= 0 for d in output_shape):
        raise ValueError(f"Layer '{layer_name}': an input of shape {tuple(input_shape)} gives an output of shape "
                         f"{tuple(output_shape)}, with a size <= 0; expected inputs at least as large as the "
                         f"window ({details})")
