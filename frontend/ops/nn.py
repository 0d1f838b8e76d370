"""kerax.ops, neural-network part: activations, softmax, convolution, pooling, losses' kernels."""
from __future__ import annotations

from .. import config
from ..tracing import apply_op
from . import numpy as knp


def relu(x): return apply_op("relu", x)
def relu6(x): return apply_op("relu6", x)
def sigmoid(x): return apply_op("sigmoid", x)
def tanh(x): return apply_op("tanh", x)
def softplus(x): return apply_op("softplus", x)
def softsign(x): return apply_op("softsign", x)
def silu(x): return apply_op("silu", x)
def selu(x): return apply_op("selu", x)
def mish(x): return apply_op("mish", x)
def hard_sigmoid(x): return apply_op("hard_sigmoid", x)
def hard_silu(x): return apply_op("hard_silu", x)
def gelu(x, approximate=True): return apply_op("gelu", x, approximate=bool(approximate))
def elu(x, alpha=1.0): return apply_op("elu", x, alpha=float(alpha))
def leaky_relu(x, negative_slope=0.2): return apply_op("leaky_relu", x, negative_slope=float(negative_slope))
def softmax(x, axis=-1): return apply_op("softmax", x, axis=int(axis))
def log_softmax(x, axis=-1): return apply_op("log_softmax", x, axis=int(axis))


swish = silu
hard_swish = hard_silu


def _tuple(value, rank, name):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"`{name}`: expected an int or {rank} ints, received {value}")
    return value


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=None):
    """N-d convolution; kernel in Keras layout (spatial..., in_channels / groups, out_channels).
    `groups` defaults, as in Keras, to input channels / kernel input channels."""
    rank = len(kernel.shape) - 2
    data_format = config.standardize_data_format(data_format)
    if groups is None:
        channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
        groups = 1 if channels is None else channels // kernel.shape[-2]
    return apply_op("conv", inputs, kernel, strides=_tuple(strides, rank, "strides"), padding=padding.lower(),
                    dilation=_tuple(dilation_rate, rank, "dilation_rate"), groups=int(groups),
                    data_format=config.standardize_data_format(data_format))


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    rank = len(inputs.shape) - 2
    pool_size = _tuple(pool_size, rank, "pool_size")
    return apply_op("max_pool", inputs, pool_size=pool_size, strides=_tuple(strides or pool_size, rank, "strides"),
                    padding=padding.lower(), data_format=config.standardize_data_format(data_format))


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    rank = len(inputs.shape) - 2
    pool_size = _tuple(pool_size, rank, "pool_size")
    return apply_op("avg_pool", inputs, pool_size=pool_size, strides=_tuple(strides or pool_size, rank, "strides"),
                    padding=padding.lower(), data_format=config.standardize_data_format(data_format))


def moments(x, axes, keepdims=False):
    mean = knp.mean(x, axis=axes, keepdims=True)
    variance = knp.var(x, axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = knp.squeeze(mean, axes), knp.squeeze(variance, axes)
    return mean, variance


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    return knp.one_hot(x, num_classes, axis, dtype, sparse)


# The rest of keras.ops.nn: the functions defined beside this module (they use the ones above).
from .attention import dot_product_attention  # noqa: E402,F401
from .conv import conv_transpose, depthwise_conv, separable_conv  # noqa: E402,F401
from .nn_more import *  # noqa: E402,F401,F403
