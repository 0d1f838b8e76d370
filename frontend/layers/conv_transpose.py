"""Transposed convolution layers (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose): the
gradient of a convolution, used to upsample. Kernel layout (spatial..., filters, in_channels),
as Keras's; output sizes follow Keras's padding and `output_padding` arithmetic.
"""
from __future__ import annotations

from .. import constraints, initializers, regularizers
from ..ops.conv import conv_transpose, conv_transpose_length, conv_transpose_padding
from . import conv_args
from .conv_base import ConvolutionBase, serialize

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
           "Convolution2DTranspose", "Convolution3DTranspose"]


class BaseConvTranspose(ConvolutionBase):
    """An N-d transposed convolution with `filters` outputs."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        layer = type(self).__name__
        self.filters = conv_args.positive_int(layer, "filters", filters)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = conv_args.int_tuple(layer, output_padding, self.rank, "output_padding",
                                                      allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"{layer}: every value of argument `output_padding` must be smaller than the "
                                 f"matching stride, received output_padding={self.output_padding} and "
                                 f"strides={self.strides}")
        self.check_strides_and_dilation()
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self.input_channels(input_shape)
        self.kernel = self.add_weight(shape=(*self.kernel_size, self.filters, channels),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.add_bias(self.filters)

    def call(self, inputs):
        outputs = conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                 output_padding=self.output_padding, data_format=self.data_format,
                                 dilation_rate=self.dilation_rate)
        return self.finish(outputs)

    def compute_output_shape(self, input_shape):
        extras = self.output_padding or (None,) * self.rank
        axes = conv_args.spatial_axes(self.rank, self.data_format)
        spatial = []
        for axis, k, s, d, extra in zip(axes, self.kernel_size, self.strides, self.dilation_rate, extras):
            pad = conv_transpose_padding(k, s, d, self.padding, extra)
            spatial.append(conv_transpose_length(input_shape[axis], k, s, d, pad))
        return conv_args.with_spatial(input_shape, self.data_format, spatial, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "output_padding": self.output_padding,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": serialize(self.kernel_regularizer),
                "kernel_constraint": serialize(self.kernel_constraint)}


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution.

    >>> Conv1DTranspose(4, 3, strides=2, padding="same")(np.ones((2, 5, 8))).shape
    (2, 10, 4)
    """

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution.

    >>> Conv2DTranspose(8, 3, strides=2)(np.ones((2, 4, 4, 3))).shape
    (2, 9, 9, 8)
    """

    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution.

    >>> Conv3DTranspose(2, 2, strides=2)(np.ones((1, 2, 3, 4, 1))).shape
    (1, 4, 6, 8, 2)
    """

    rank = 3


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
