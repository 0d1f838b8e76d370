"""Activation functions by name, as Keras's `keras.activations`.

>>> kerax.activations.get("relu")(np.array([-1.0, 2.0]))
Array([0., 2.], dtype=float32)
"""
from __future__ import annotations

from .ops import nn
from .ops import numpy as knp


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """`max(x, 0)`, optionally capped at `max_value`, zero up to `threshold`, and with
    `negative_slope * (x - threshold)` below it (Keras 3's arithmetic, case by case).

    >>> relu(np.array([-10.0, 5.0, 10.0]), negative_slope=0.5, max_value=6.0)
    Array([-5.,  5.,  6.], dtype=float32)
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return nn.leaky_relu(x, negative_slope=negative_slope)
    negative_part = None
    if negative_slope != 0.0:
        negative_part = nn.relu(knp.add(knp.negative(x), threshold) if threshold != 0 else knp.negative(x))
    clip_max = max_value is not None
    if threshold != 0:
        x = knp.where(knp.greater(x, float(threshold)), x, 0.0)
    elif max_value == 6:
        x, clip_max = nn.relu6(x), False
    else:
        x = nn.relu(x)
    if clip_max:
        x = knp.clip(x, 0.0, float(max_value))
    if negative_part is not None:
        x = knp.subtract(x, knp.multiply(float(negative_slope), negative_part))
    return x


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
    return knp.exp(x)


# Keras's smaller activations, written with kerax ops as jax.nn defines them.
def log_sigmoid(x):
    return knp.negative(nn.softplus(knp.negative(x)))


def hard_tanh(x):
    return knp.clip(x, -1.0, 1.0)


def tanh_shrink(x):
    return knp.subtract(x, nn.tanh(x))


def celu(x, alpha=1.0):
    return knp.where(knp.greater(x, 0.0), x, knp.multiply(float(alpha), knp.expm1(knp.divide(x, float(alpha)))))


def squareplus(x, b=4):
    return knp.divide(knp.add(x, knp.sqrt(knp.add(knp.square(x), float(b)))), 2.0)


def soft_shrink(x, threshold=0.5):
    t = float(threshold)
    return knp.where(knp.greater(x, t), knp.subtract(x, t), knp.where(knp.less(x, -t), knp.add(x, t), 0.0))


def hard_shrink(x, threshold=0.5):
    return knp.where(knp.greater(knp.absolute(x), float(threshold)), x, 0.0)


def sparse_plus(x):
    """0 below -1, x above 1, `(x + 1)**2 / 4` between (a smooth ReLU with compact support).

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0]))
    Array([0.  , 0.25, 2.  ], dtype=float32)
    """
    middle = knp.multiply(0.25, knp.square(knp.add(x, 1.0)))
    return knp.where(knp.less_equal(x, -1.0), 0.0, knp.where(knp.greater_equal(x, 1.0), x, middle))


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, `(x + 1) / 2` between.

    >>> sparse_sigmoid(np.array([-2.0, 0.0, 2.0]))
    Array([0. , 0.5, 1. ], dtype=float32)
    """
    middle = knp.multiply(0.5, knp.add(x, 1.0))
    return knp.where(knp.less_equal(x, -1.0), 0.0, knp.where(knp.greater_equal(x, 1.0), 1.0, middle))


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`.

    >>> threshold(np.array([0.1, 0.9]), 0.5, -1.0)
    Array([-1. ,  0.9], dtype=float32)
    """
    return knp.where(knp.greater(x, float(threshold)), x, float(default_value))


def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` for the two halves `a`, `b` of `axis`.

    >>> glu(np.array([[1.0, 0.0]]))
    Array([[0.5]], dtype=float32)
    """
    a, b = knp.split(x, 2, axis=axis)
    return knp.multiply(a, nn.sigmoid(b))


def sparsemax(x, axis=-1):
    """The Euclidean projection of `x` onto the probability simplex along `axis` (Martins &
    Astudillo 2016): like softmax, but exactly zero for low scores.

    >>> sparsemax(np.array([[2.0, 0.0, -1.0]]))
    Array([[1., 0., 0.]], dtype=float32)
    """
    # Without a sort: z_j is in the support when 1 + c_j z_j > s_j, where c_j counts the scores
    # >= z_j and s_j sums them (ties fall on the same side, so this is the sorted rule).
    a = axis % len(x.shape)
    zi, zj = knp.expand_dims(x, a + 1), knp.expand_dims(x, a)
    above = knp.greater_equal(zi, zj)  # [..., i, j, ...]: z_i >= z_j
    count = knp.sum(knp.where(above, 1.0, 0.0), axis=a)
    total = knp.sum(knp.where(above, zi, 0.0), axis=a)
    support = knp.greater(knp.add(1.0, knp.multiply(count, x)), total)
    k = knp.max(knp.where(support, count, 0.0), axis=axis, keepdims=True)
    tau = knp.divide(knp.subtract(knp.sum(knp.where(support, x, 0.0), axis=axis, keepdims=True), 1.0), k)
    return knp.maximum(knp.subtract(x, tau), 0.0)


_ALL = {
    "linear": linear, "relu": relu, "relu6": relu6, "sigmoid": sigmoid, "tanh": tanh, "softplus": softplus,
    "softsign": softsign, "silu": silu, "swish": silu, "selu": selu, "mish": mish, "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu, "hard_swish": hard_silu, "gelu": gelu, "elu": elu, "leaky_relu": leaky_relu,
    "softmax": softmax, "log_softmax": log_softmax, "exponential": exponential, "log_sigmoid": log_sigmoid,
    "hard_tanh": hard_tanh, "tanh_shrink": tanh_shrink, "celu": celu, "squareplus": squareplus,
    "soft_shrink": soft_shrink, "hard_shrink": hard_shrink, "sparse_plus": sparse_plus,
    "sparse_sigmoid": sparse_sigmoid, "sparsemax": sparsemax, "glu": glu, "threshold": threshold,
}


def get(identifier):
    """An activation from a name, a Keras config, a callable, or None (linear).

    >>> get("gelu") is gelu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier in _ALL:
            return _ALL[identifier]
        from .saving.registry import get_registered_object  # a custom activation, registered or in scope

        found = get_registered_object(identifier)
        if not callable(found):
            raise ValueError(f"Unknown activation {identifier!r}: expected one of {sorted(_ALL)}, or a function "
                             "registered with register_keras_serializable or given in custom_objects")
        return found
    if isinstance(identifier, dict):
        # Keras serializes a built-in activation as {"class_name": "function", "config": "relu", ...}.
        inner = identifier.get("config")
        return get(inner if isinstance(inner, str) else (inner or {}).get("name", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation: expected a name or a callable, received {identifier!r}")


def serialize(activation):
    """The Keras name of a built-in activation; a registered function's Keras config (which
    names it "package>name"); the function's name otherwise."""
    for name, fn in _ALL.items():
        if fn is activation:
            return name
    from .saving.registry import get_registered_name

    registered = get_registered_name(activation)
    if registered != getattr(activation, "__name__", None):  # "package>name": registered with register_keras_serializable
        return {"module": "builtins", "class_name": "function", "config": registered, "registered_name": "function"}
    return getattr(activation, "__name__", "custom")


def deserialize(config, custom_objects=None):
    """An activation from its Keras config (or name), as `keras.activations.deserialize`.

    >>> deserialize("relu") is relu
    True
    """
    if isinstance(config, str) and custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)
