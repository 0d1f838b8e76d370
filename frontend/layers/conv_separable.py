"""Depthwise and separable convolution layers: DepthwiseConv1D/2D convolve each input channel
with its own `depth_multiplier` filters; SeparableConv1D/2D follow that with a 1x1 convolution.

Weights, in Keras's names and order: depthwise `kernel` (spatial..., channels, depth_multiplier)
then `bias`; separable `depthwise_kernel`, `pointwise_kernel` (1..., channels * depth_multiplier,
filters), then `bias`.
"""
from __future__ import annotations

from .. import constraints, initializers, regularizers
from ..ops.conv import depthwise_conv, separable_conv
from . import conv_args
from .conv_base import ConvolutionBase, serialize

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
           "SeparableConvolution1D", "SeparableConvolution2D"]


class BaseDepthwiseConv(ConvolutionBase):
    """An N-d depthwise convolution: in_channels * depth_multiplier outputs."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        self.depth_multiplier = conv_args.positive_int(type(self).__name__, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        channels = self.input_channels(input_shape)
        self.compute_output_shape(input_shape)  # raises for inputs smaller than the window
        self.kernel = self.add_weight(shape=(*self.kernel_size, channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer, name="kernel",
                                      regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.add_bias(channels * self.depth_multiplier)

    def call(self, inputs):
        outputs = depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                 data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self.finish(outputs)

    def compute_output_shape(self, input_shape):
        channels = input_shape[conv_args.channel_axis(self.data_format)]
        return self.spatial_output_shape(input_shape, None if channels is None else channels * self.depth_multiplier)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": serialize(self.depthwise_regularizer),
                "depthwise_constraint": serialize(self.depthwise_constraint)}


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution.

    >>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 10, 4))).shape
    (2, 8, 8)
    """

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution.

    >>> DepthwiseConv2D(3, padding="same")(np.ones((2, 8, 8, 4))).shape
    (2, 8, 8, 4)
    """

    rank = 2


class BaseSeparableConv(ConvolutionBase):
    """An N-d depthwise convolution followed by a pointwise (1x1) one with `filters` outputs."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        layer = type(self).__name__
        self.filters = conv_args.positive_int(layer, "filters", filters)
        self.depth_multiplier = conv_args.positive_int(layer, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self.input_channels(input_shape)
        self.compute_output_shape(input_shape)  # raises for inputs smaller than the window
        self.depthwise_kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier), initializer=self.depthwise_initializer,
            name="depthwise_kernel", regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, name="pointwise_kernel", regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.add_bias(self.filters)

    def call(self, inputs):
        outputs = separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
                                 padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self.finish(outputs)

    def compute_output_shape(self, input_shape):
        return self.spatial_output_shape(input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": serialize(self.depthwise_regularizer),
                "pointwise_regularizer": serialize(self.pointwise_regularizer),
                "depthwise_constraint": serialize(self.depthwise_constraint),
                "pointwise_constraint": serialize(self.pointwise_constraint)}


class SeparableConv1D(BaseSeparableConv):
    """1D separable convolution.

    >>> SeparableConv1D(6, 3, depth_multiplier=2)(np.ones((2, 10, 4))).shape
    (2, 8, 6)
    """

    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution.

    >>> SeparableConv2D(16, 3, padding="same")(np.ones((2, 8, 8, 4))).shape
    (2, 8, 8, 16)
    """

    rank = 2


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
