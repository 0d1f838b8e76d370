"""Layers that move data without arithmetic on it (except UpSampling2D's interpolation):
ZeroPadding1D/2D/3D, Cropping1D/2D/3D, UpSampling1D/2D/3D, RepeatVector, Permute.
(Flatten and Reshape are in core.py.)
"""
from __future__ import annotations

from .. import config, ops
from ..ops.conv import upsample
from . import conv_args
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
           "UpSampling1D", "UpSampling2D", "UpSampling3D", "RepeatVector", "Permute"]


def _spatial_widths(rank, data_format, spatial):
    """Per-axis (before, after) widths of a (rank + 2)-d input: zeros on batch and channels."""
    widths = [(0, 0)] * (rank + 2)
    for axis, pair in zip(conv_args.spatial_axes(rank, data_format), spatial):
        widths[axis] = pair
    return tuple(widths)


class _ZeroPadding(Layer):
    rank = 2

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = conv_args.pairs(type(self).__name__, padding, self.rank, "padding")
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return ops.pad(inputs, _spatial_widths(self.rank, self.data_format, self.padding))

    def compute_output_shape(self, input_shape):
        widths = _spatial_widths(self.rank, self.data_format, self.padding)
        return tuple(None if d is None else d + a + b for d, (a, b) in zip(input_shape, widths))

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Zeros added before and after the steps: `padding` is an int or (before, after).

    >>> ZeroPadding1D((1, 2))(np.ones((2, 5, 3))).shape
    (2, 8, 3)
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        # One axis: Keras reads a pair as (before, after), not as one symmetric width per axis.
        super().__init__((conv_args.int_tuple("ZeroPadding1D", padding, 2, "padding", allow_zero=True),),
                         data_format, **kwargs)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding[0]}


class ZeroPadding2D(_ZeroPadding):
    """Zeros around images: an int, (symmetric_height, symmetric_width), or ((top, bottom), (left, right)).

    >>> ZeroPadding2D(((1, 0), (2, 3)))(np.ones((2, 4, 4, 3))).shape
    (2, 5, 9, 3)
    """

    rank = 2


class ZeroPadding3D(_ZeroPadding):
    """Zeros around volumes: an int, 3 symmetric widths, or 3 (before, after) pairs.

    >>> ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 3))).shape
    (1, 4, 4, 4, 3)
    """

    rank = 3


class _Cropping(Layer):
    rank = 2

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = conv_args.pairs(type(self).__name__, cropping, self.rank, "cropping")
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # raises when nothing would be left
        index = [slice(None)] * (self.rank + 2)
        for axis, (a, b) in zip(conv_args.spatial_axes(self.rank, self.data_format), self.cropping):
            index[axis] = slice(a, -b if b else None)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        widths = _spatial_widths(self.rank, self.data_format, self.cropping)
        out = tuple(None if d is None else d - a - b for d, (a, b) in zip(input_shape, widths))
        if any(d is not None and d <= 0 for d in out):
            raise ValueError(f"Layer '{self.name}': argument `cropping` {self.cropping} must leave something of "
                             f"each spatial axis, received an input of shape {tuple(input_shape)}")
        return out

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Steps cut from the start and end: `cropping` is an int or (start, end). Channels-last only, as in Keras.

    >>> Cropping1D((1, 2))(np.ones((2, 8, 3))).shape
    (2, 5, 3)
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__((conv_args.int_tuple("Cropping1D", cropping, 2, "cropping", allow_zero=True),),
                         "channels_last", **kwargs)

    def get_config(self):
        config_ = {**super().get_config(), "cropping": self.cropping[0]}
        config_.pop("data_format")
        return config_


class Cropping2D(_Cropping):
    """Rows and columns cut from the edges: an int, 2 symmetric widths, or ((top, bottom), (left, right)).

    >>> Cropping2D(((1, 0), (2, 2)))(np.ones((2, 6, 6, 3))).shape
    (2, 5, 2, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Edges cut from volumes: an int, 3 symmetric widths, or 3 (before, after) pairs.

    >>> Cropping3D()(np.ones((1, 4, 4, 4, 2))).shape
    (1, 2, 2, 2, 2)
    """

    rank = 3


class UpSampling1D(Layer):
    """Each step repeated `size` times.

    >>> UpSampling1D(3)(np.ones((2, 4, 5))).shape
    (2, 12, 5)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = conv_args.positive_int("UpSampling1D", "size", size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None if input_shape[1] is None else input_shape[1] * self.size, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class _UpSampling(Layer):
    rank = 2
    interpolations = ("nearest",)

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.size = conv_args.int_tuple(layer, size, self.rank, "size")
        self.data_format = config.standardize_data_format(data_format)
        if not isinstance(interpolation, str) or interpolation.lower() not in self.interpolations:
            raise ValueError(f"{layer}: argument `interpolation` must be one of {self.interpolations}, "
                             f"received {interpolation!r}")
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        if self.interpolation != "nearest":
            return upsample(inputs, self.size, self.interpolation, self.data_format)
        for axis, factor in zip(conv_args.spatial_axes(self.rank, self.data_format), self.size):
            inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, factor in zip(conv_args.spatial_axes(self.rank, self.data_format), self.size):
            out[axis] = None if out[axis] is None else out[axis] * factor
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling2D(_UpSampling):
    """Images enlarged by integer factors: rows and columns repeated ("nearest") or interpolated
    ("bilinear", "bicubic", "lanczos3", "lanczos5", as jax.image.resize without antialiasing).

    >>> UpSampling2D((2, 3), interpolation="bilinear")(np.ones((2, 4, 4, 3))).shape
    (2, 8, 12, 3)
    """

    rank = 2
    interpolations = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Volumes enlarged by repeating each position along the three spatial axes.

    >>> UpSampling3D(2)(np.ones((1, 2, 2, 2, 3))).shape
    (1, 4, 4, 4, 3)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)


class RepeatVector(Layer):
    """A (batch, features) input repeated `n` times: (batch, n, features).

    >>> RepeatVector(3)(np.ones((2, 5))).shape
    (2, 3, 5)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = conv_args.positive_int("RepeatVector", "n", n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Non-batch axes reordered: `dims` is a permutation of 1..rank-1 (the batch axis stays first).

    >>> Permute((2, 1))(np.ones((2, 5, 3))).shape
    (2, 3, 5)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            self.dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            self.dims = None
        if self.dims is None or sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: argument `dims` must be a permutation of 1..n (the batch axis 0 is not "
                             f"permuted), received {dims!r}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
