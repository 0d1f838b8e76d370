"""Elementwise ops: one output element per input element (broadcasting binary ops)."""
import jax
import jax.numpy as jnp

from ..registry import ELEMENTWISE, register

# name: (lowering, one-line meaning)
UNARY = {
    "neg": (jnp.negative, "-x"),
    "abs": (jnp.abs, "|x|"),
    "sign": (jnp.sign, "sign of x"),
    "exp": (jnp.exp, "e**x"),
    "expm1": (jnp.expm1, "e**x - 1"),
    "log": (jnp.log, "natural logarithm"),
    "log1p": (jnp.log1p, "log(1 + x)"),
    "sqrt": (jnp.sqrt, "square root"),
    "rsqrt": (jax.lax.rsqrt, "1 / sqrt(x)"),
    "square": (jnp.square, "x * x"),
    "reciprocal": (jnp.reciprocal, "1 / x"),
    "sin": (jnp.sin, "sine"),
    "cos": (jnp.cos, "cosine"),
    "tanh": (jnp.tanh, "hyperbolic tangent"),
    "erf": (jax.scipy.special.erf, "error function"),
    "floor": (jnp.floor, "round down"),
    "ceil": (jnp.ceil, "round up"),
    "round": (jnp.round, "round half to even"),
    "logical_not": (jnp.logical_not, "boolean not"),
    "isnan": (jnp.isnan, "x is NaN"),
    "sigmoid": (jax.nn.sigmoid, "1 / (1 + e**-x)"),
    "relu": (jax.nn.relu, "max(x, 0)"),
    "relu6": (jax.nn.relu6, "min(max(x, 0), 6)"),
    "silu": (jax.nn.silu, "x * sigmoid(x)"),
    "softplus": (jax.nn.softplus, "log(1 + e**x)"),
    "softsign": (jax.nn.soft_sign, "x / (1 + |x|)"),
    "selu": (jax.nn.selu, "scaled exponential linear unit"),
    "mish": (lambda x: x * jnp.tanh(jax.nn.softplus(x)), "x * tanh(softplus(x))"),
    "hard_sigmoid": (lambda x: jnp.clip(x / 6.0 + 0.5, 0.0, 1.0), "Keras 3 hard sigmoid: relu6(x + 3) / 6"),
    "hard_silu": (lambda x: x * jnp.clip(x / 6.0 + 0.5, 0.0, 1.0), "x * hard_sigmoid(x)"),
}

BINARY = {
    "add": (jnp.add, "x + y"),
    "subtract": (jnp.subtract, "x - y"),
    "multiply": (jnp.multiply, "x * y"),
    "divide": (jnp.true_divide, "x / y"),
    "floor_divide": (jnp.floor_divide, "x // y"),
    "mod": (jnp.mod, "x % y"),
    "power": (jnp.power, "x ** y"),
    "maximum": (jnp.maximum, "larger of x, y"),
    "minimum": (jnp.minimum, "smaller of x, y"),
    "equal": (jnp.equal, "x == y"),
    "not_equal": (jnp.not_equal, "x != y"),
    "less": (jnp.less, "x < y"),
    "less_equal": (jnp.less_equal, "x <= y"),
    "greater": (jnp.greater, "x > y"),
    "greater_equal": (jnp.greater_equal, "x >= y"),
    "logical_and": (jnp.logical_and, "boolean and"),
    "logical_or": (jnp.logical_or, "boolean or"),
}

for _name, (_fn, _doc) in {**UNARY, **BINARY}.items():
    register(_name, ELEMENTWISE, _doc)(_fn)


@register("where", ELEMENTWISE, "condition ? x : y")
def _where(condition, x, y):
    return jnp.where(condition, x, y)


@register("clip", ELEMENTWISE, "x limited to [low, high]")
def _clip(x, *, low, high):
    return jnp.clip(x, low, high)


@register("cast", ELEMENTWISE, "x converted to dtype")
def _cast(x, *, dtype):
    return x.astype(dtype)


@register("gelu", ELEMENTWISE, "Gaussian error linear unit (tanh form when approximate)")
def _gelu(x, *, approximate):
    return jax.nn.gelu(x, approximate=approximate)


@register("elu", ELEMENTWISE, "x if x > 0 else alpha * (e**x - 1)")
def _elu(x, *, alpha):
    return jax.nn.elu(x, alpha)


@register("leaky_relu", ELEMENTWISE, "x if x > 0 else negative_slope * x")
def _leaky_relu(x, *, negative_slope):
    return jax.nn.leaky_relu(x, negative_slope)
