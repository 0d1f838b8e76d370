"""Pooling layers: Max/AveragePooling1D/2D/3D over sliding windows, and GlobalMax/Average-
Pooling1D/2D/3D over all spatial positions.

As in Keras 3, GlobalAveragePooling1D averages only the unmasked steps when its input carries a
mask, and consumes the mask; every other pooling layer ignores masks (GlobalMaxPooling1D takes
the maximum over every step, masked or not) and drops them.
"""
from __future__ import annotations

from .. import config, ops
from . import conv_args
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPool1D", "GlobalMaxPool2D",
           "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


class BasePooling(Layer):
    """Max or mean over windows of `pool_size`, moved by `strides` (default: `pool_size`).
    Each subclass spells out Keras's signature: max pooling defaults to windows of 2, average
    pooling requires `pool_size`."""

    rank = 2
    pool_mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.pool_size = conv_args.int_tuple(layer, pool_size, self.rank, "pool_size")
        self.strides = conv_args.int_tuple(layer, self.pool_size if strides is None else strides, self.rank, "strides")
        self.padding = conv_args.padding_mode(layer, padding)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # raises for inputs smaller than the window
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        axes = conv_args.spatial_axes(self.rank, self.data_format)
        spatial = [conv_args.conv_output_length(input_shape[a], p, s, self.padding)
                   for a, p, s in zip(axes, self.pool_size, self.strides)]
        channels = input_shape[conv_args.channel_axis(self.data_format)]
        out = conv_args.with_spatial(input_shape, self.data_format, spatial, channels)
        conv_args.check_positive_output(self.name, input_shape, out, f"pool_size={self.pool_size}, "
                                        f"strides={self.strides}, padding={self.padding!r}")
        return out

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Maximum over windows of steps.

    >>> MaxPooling1D(2)(np.ones((2, 8, 3))).shape
    (2, 4, 3)
    """

    rank, pool_mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class MaxPooling2D(BasePooling):
    """Maximum over 2D windows.

    >>> MaxPooling2D((2, 2), strides=1, padding="same")(np.ones((2, 5, 5, 3))).shape
    (2, 5, 5, 3)
    """

    rank, pool_mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class MaxPooling3D(BasePooling):
    """Maximum over 3D windows.

    >>> MaxPooling3D()(np.ones((1, 4, 4, 4, 2))).shape
    (1, 2, 2, 2, 2)
    """

    rank, pool_mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling1D(BasePooling):
    """Mean over windows of steps ("same" padding: the padded positions are not counted).

    >>> AveragePooling1D(3, strides=1)(np.ones((2, 8, 3))).shape
    (2, 6, 3)
    """

    rank, pool_mode = 1, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling2D(BasePooling):
    """Mean over 2D windows.

    >>> AveragePooling2D(2)(np.ones((2, 6, 6, 3))).shape
    (2, 3, 3, 3)
    """

    rank, pool_mode = 2, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling3D(BasePooling):
    """Mean over 3D windows.

    >>> AveragePooling3D(2, padding="same")(np.ones((1, 3, 3, 3, 2))).shape
    (1, 2, 2, 2, 2)
    """

    rank, pool_mode = 3, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class BaseGlobalPooling(Layer):
    """Max or mean over every spatial position; `keepdims` keeps them as size-1 axes."""

    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def axes(self) -> tuple:
        return conv_args.spatial_axes(self.rank, self.data_format)

    def compute_output_shape(self, input_shape):
        channels = input_shape[conv_args.channel_axis(self.data_format)]
        if not self.keepdims:
            return (input_shape[0], channels)
        return conv_args.with_spatial(input_shape, self.data_format, (1,) * self.rank, channels)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class _GlobalMax(BaseGlobalPooling):
    def call(self, inputs):
        return ops.max(inputs, axis=self.axes(), keepdims=self.keepdims)


class _GlobalAverage(BaseGlobalPooling):
    def call(self, inputs):
        return ops.mean(inputs, axis=self.axes(), keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalMax):
    """Maximum over all steps (a mask on the input is ignored, as in Keras).

    >>> GlobalMaxPooling1D()(np.ones((2, 7, 3))).shape
    (2, 3)
    """

    rank = 1


class GlobalMaxPooling2D(_GlobalMax):
    """Maximum over height and width.

    >>> GlobalMaxPooling2D(keepdims=True)(np.ones((2, 4, 4, 3))).shape
    (2, 1, 1, 3)
    """

    rank = 2


class GlobalMaxPooling3D(_GlobalMax):
    """Maximum over the three spatial axes.

    >>> GlobalMaxPooling3D()(np.ones((2, 2, 3, 4, 5))).shape
    (2, 5)
    """

    rank = 3


class GlobalAveragePooling1D(_GlobalAverage):
    """Mean over steps; with a mask, the mean of the unmasked steps only (the mask is consumed).

    >>> GlobalAveragePooling1D()(np.ones((2, 7, 3)), mask=np.arange(7) < np.array([[3], [7]])).shape
    (2, 3)
    """

    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps = self.axes()[0]
        # Keras's numerics: zero the masked steps, then divide by the count of unmasked ones.
        keep = ops.expand_dims(ops.cast(mask, "bool"), 2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.where(keep, inputs, ops.zeros_like(inputs)), axis=steps, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=steps, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(_GlobalAverage):
    """Mean over height and width.

    >>> GlobalAveragePooling2D(data_format="channels_first")(np.ones((2, 3, 4, 4))).shape
    (2, 3)
    """

    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    """Mean over the three spatial axes.

    >>> GlobalAveragePooling3D(keepdims=True)(np.ones((2, 2, 3, 4, 5))).shape
    (2, 1, 1, 1, 5)
    """

    rank = 3


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
