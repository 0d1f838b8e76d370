"""Convolution layers: Conv1D/2D/3D here; the transposed, depthwise and separable ones in
conv_transpose.py and conv_separable.py, all re-exported from this module.

Kernels use Keras's layout (spatial..., in_channels / groups, filters) and Keras's names and
order (kernel, then bias), so `set_weights(keras_layer.get_weights())` moves a Keras model.
"""
from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from . import conv_args
from .conv_base import ConvolutionBase, no_lora, serialize
from .conv_separable import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                             SeparableConvolution1D, SeparableConvolution2D)
from .conv_transpose import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, Convolution1DTranspose,
                             Convolution2DTranspose, Convolution3DTranspose)

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
           "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
           "Convolution2DTranspose", "Convolution3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D",
           "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D"]


class BaseConv(ConvolutionBase):
    """An N-d convolution (cross-correlation) with `filters` outputs, optionally grouped."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        layer = type(self).__name__
        no_lora(layer, lora_rank)
        self.filters = conv_args.positive_int(layer, "filters", filters)
        self.groups = conv_args.positive_int(layer, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(f"{layer}: argument `filters` must be divisible by `groups`, received "
                             f"filters={self.filters} and groups={self.groups}")
        self.check_strides_and_dilation()
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self.input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(f"Layer '{self.name}': the number of input channels must be divisible by `groups`, "
                             f"received groups={self.groups} and an input of shape {tuple(input_shape)} "
                             f"({channels} channels)")
        self.compute_output_shape(input_shape)  # raises for inputs smaller than the window
        self.kernel = self.add_weight(shape=(*self.kernel_size, channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.add_bias(self.filters)

    def call(self, inputs):
        padding = self.padding
        if padding == "causal":
            # Only the past: pad the whole dilated window on the left, then a valid convolution.
            width = [(0, 0)] * 3
            steps = 1 if self.data_format == "channels_last" else 2
            width[steps] = (self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)
            inputs, padding = ops.pad(inputs, width), "valid"
        outputs = ops.conv(inputs, self.kernel, strides=self.strides, padding=padding, data_format=self.data_format,
                           dilation_rate=self.dilation_rate, groups=self.groups)
        return self.finish(outputs)

    def compute_output_shape(self, input_shape):
        return self.spatial_output_shape(input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": serialize(self.kernel_regularizer),
                "kernel_constraint": serialize(self.kernel_constraint)}


class Conv1D(BaseConv):
    """1D convolution over steps; `padding="causal"` makes output[t] depend on input[:t + 1] only.

    >>> Conv1D(4, 3, padding="causal")(np.ones((2, 10, 8))).shape
    (2, 10, 4)
    """

    rank = 1
    allow_causal = True


class Conv2D(BaseConv):
    """2D convolution over images.

    >>> Conv2D(16, 3, strides=2, padding="same")(np.ones((2, 32, 32, 3))).shape
    (2, 16, 16, 16)
    """

    rank = 2


class Conv3D(BaseConv):
    """3D convolution over volumes.

    >>> Conv3D(4, (2, 3, 3))(np.ones((1, 4, 8, 8, 2))).shape
    (1, 3, 6, 6, 4)
    """

    rank = 3


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
