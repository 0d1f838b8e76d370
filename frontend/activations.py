"""Activation functions by name, as Keras's `keras.activations`.

>>> kerax.activations.get("relu")(np.array([-1.0, 2.0]))
Array([0., 2.], dtype=float32)
"""
from __future__ import annotations

from .ops import nn


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    from . import ops

    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    positive = ops.where(ops.greater_equal(x, threshold), x, 0.0) if threshold else nn.relu(x)
    if max_value is not None:
        positive = ops.minimum(positive, float(max_value))
    if negative_slope:
        positive = positive + negative_slope * ops.minimum(x - threshold, 0.0)
    return positive


def relu6(x): return nn.relu6(x)
def sigmoid(x): return nn.sigmoid(x)
def tanh(x): return nn.tanh(x)
def softplus(x): return nn.softplus(x)
def softsign(x): return nn.softsign(x)
def silu(x): return nn.silu(x)
def selu(x): return nn.selu(x)
def mish(x): return nn.mish(x)
def hard_sigmoid(x): return nn.hard_sigmoid(x)
def hard_silu(x): return nn.hard_silu(x)
def gelu(x, approximate=False): return nn.gelu(x, approximate)
def elu(x, alpha=1.0): return nn.elu(x, alpha)
def leaky_relu(x, negative_slope=0.2): return nn.leaky_relu(x, negative_slope)
def softmax(x, axis=-1): return nn.softmax(x, axis)
def log_softmax(x, axis=-1): return nn.log_softmax(x, axis)


swish = silu
hard_swish = hard_silu


def exponential(x):
    from . import ops

    return ops.exp(x)


_ALL = {
    "linear": linear, "relu": relu, "relu6": relu6, "sigmoid": sigmoid, "tanh": tanh, "softplus": softplus,
    "softsign": softsign, "silu": silu, "swish": silu, "selu": selu, "mish": mish, "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu, "hard_swish": hard_silu, "gelu": gelu, "elu": elu, "leaky_relu": leaky_relu,
    "softmax": softmax, "log_softmax": log_softmax, "exponential": exponential,
}


def get(identifier):
    """An activation from a name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _ALL:
            raise ValueError(f"Unknown activation {identifier!r}: expected one of {sorted(_ALL)}")
        return _ALL[identifier]
    if isinstance(identifier, dict):
        return get(identifier.get("config", {}).get("name", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation: expected a name or a callable, received {identifier!r}")


def serialize(activation) -> str:
    for name, fn in _ALL.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", "custom")
