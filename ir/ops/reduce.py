"""Reductions over axes (axis=None: all axes)."""
import jax
import jax.numpy as jnp

from ..registry import REDUCE, register

# name: (lowering, one-line meaning)
REDUCTIONS = {
    "sum": (jnp.sum, "sum over axis"),
    "mean": (jnp.mean, "mean over axis"),
    "max": (jnp.max, "maximum over axis"),
    "min": (jnp.min, "minimum over axis"),
    "prod": (jnp.prod, "product over axis"),
    "any": (jnp.any, "logical or over axis"),
    "all": (jnp.all, "logical and over axis"),
    "var": (jnp.var, "population variance over axis"),
    "logsumexp": (jax.scipy.special.logsumexp, "log(sum(exp(x))) over axis, stably"),
}


def reduction(fn):
    """The lowering of a reduction op: fn(x, axis=, keepdims=) with the op's attrs."""
    return lambda x, *, axis, keepdims: fn(x, axis=axis, keepdims=keepdims)


for _name, (_fn, _doc) in REDUCTIONS.items():
    register(_name, REDUCE, _doc)(reduction(_fn))


@register("argmax", REDUCE, "index of the largest element along axis")
def _argmax(x, *, axis, keepdims):
    return jnp.argmax(x, axis=axis, keepdims=keepdims).astype("int32")


@register("argmin", REDUCE, "index of the smallest element along axis")
def _argmin(x, *, axis, keepdims):
    return jnp.argmin(x, axis=axis, keepdims=keepdims).astype("int32")


@register("cumsum", REDUCE, "running sum along axis")
def _cumsum(x, *, axis):
    return jnp.cumsum(x, axis=axis)
