"""What every convolution layer shares: the window arguments (kernel_size, strides, padding,
dilation_rate, data_format), the bias, the activation and the output-shape arithmetic.

Subclasses set `rank` and create their kernels in `build`; Keras's weight order (kernels first,
then the bias) is kept by creating the bias last, with `add_bias`.
"""
from __future__ import annotations

from .. import activations, constraints, initializers, lookup, ops, regularizers
from . import conv_args
from .input_spec import InputSpec
from .layer import Layer


serialize = lookup.serialize  # regularizers and constraints in layer configs


class ConvolutionBase(Layer):
    """Base of the convolution layers: validates the window arguments, adds bias and activation.

    >>> class Conv1x1(ConvolutionBase):
    ...     rank = 2
    ...     def build(self, input_shape):
    ...         self.kernel = self.add_weight(shape=(1, 1, input_shape[-1], 4), name="kernel")
    ...         self.add_bias(4)
    ...     def call(self, x):
    ...         return self.finish(kerax.ops.conv(x, self.kernel))
    >>> Conv1x1(kernel_size=1)(np.ones((1, 3, 3, 2))).shape
    (1, 3, 3, 4)
    """

    rank = 2
    allow_causal = False  # Conv1D's "causal" padding

    def __init__(self, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, bias_initializer="zeros", bias_regularizer=None, activity_regularizer=None,
                 bias_constraint=None, **kwargs):
        from .. import config

        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        layer = type(self).__name__
        self.kernel_size = conv_args.int_tuple(layer, kernel_size, self.rank, "kernel_size")
        self.strides = conv_args.int_tuple(layer, strides, self.rank, "strides")
        self.dilation_rate = conv_args.int_tuple(layer, dilation_rate, self.rank, "dilation_rate")
        allowed = ("valid", "same", "causal") if self.allow_causal else ("valid", "same")
        self.padding = conv_args.padding_mode(layer, padding, allowed)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def check_strides_and_dilation(self) -> None:
        """Keras refuses strides > 1 together with dilation_rate > 1 in conv and conv-transpose."""
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{type(self).__name__}: arguments `strides` > 1 and `dilation_rate` > 1 cannot be "
                             f"combined, received strides={self.strides} and dilation_rate={self.dilation_rate}")

    def input_channels(self, input_shape) -> int:
        """The channel count of `input_shape`, which must be known to size the kernel; fixes the input spec."""
        axis = conv_args.channel_axis(self.data_format)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected ndim="
                             f"{self.rank + 2}, found ndim={len(input_shape)}. "
                             f"Full shape received: {tuple(input_shape)}")
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"Layer '{self.name}': the channel axis ({axis}, data_format={self.data_format!r}) of "
                             f"its input must be known, received shape {tuple(input_shape)}")
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        return channels

    def spatial_output_shape(self, input_shape, channels) -> tuple:
        axes = conv_args.spatial_axes(self.rank, self.data_format)
        spatial = [conv_args.conv_output_length(input_shape[a], k, s, self.padding, d)
                   for a, k, s, d in zip(axes, self.kernel_size, self.strides, self.dilation_rate)]
        out = conv_args.with_spatial(input_shape, self.data_format, spatial, channels)
        conv_args.check_positive_output(self.name, input_shape, out, f"kernel_size={self.kernel_size}, strides="
                                        f"{self.strides}, dilation_rate={self.dilation_rate}, padding={self.padding!r}")
        return out

    def add_bias(self, size: int) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(size,), initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def finish(self, outputs):
        """Bias (along the channel axis) and activation."""
        if self.use_bias:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (bias.shape[0],) + (1,) * self.rank)
            outputs = ops.add(outputs, bias)
        return self.activation(outputs)

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": serialize(self.bias_regularizer),
                "activity_regularizer": serialize(self.activity_regularizer),
                "bias_constraint": serialize(self.bias_constraint)}


def no_lora(layer: str, lora_rank) -> None:
    if lora_rank:
        raise NotImplementedError(f"{layer}: argument `lora_rank` (LoRA fine-tuning) is not supported by kerax "
                                  f"convolutions, received lora_rank={lora_rank!r}; leave it None")
