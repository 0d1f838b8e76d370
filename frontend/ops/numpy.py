"""kerax.ops, NumPy-like part: arithmetic, comparisons, reductions, shapes, indexing.

Each function records an IR node in a trace, adds an op layer to a functional graph, or runs
at once on arrays (see tracing.apply_op).

>>> kerax.ops.mean(np.ones((2, 3)), axis=1)
Array([1., 1.], dtype=float32)
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import config
from ..tracing import apply_op, concrete


def _axis(axis):
    if axis is None:
        return None
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else int(axis)


# -- elementwise -----------------------------------------------------------------------------
def add(x1, x2): return apply_op("add", x1, x2)
def subtract(x1, x2): return apply_op("subtract", x1, x2)
def multiply(x1, x2): return apply_op("multiply", x1, x2)
def divide(x1, x2): return apply_op("divide", x1, x2)
def floor_divide(x1, x2): return apply_op("floor_divide", x1, x2)
def mod(x1, x2): return apply_op("mod", x1, x2)
def power(x1, x2): return apply_op("power", x1, x2)
def maximum(x1, x2): return apply_op("maximum", x1, x2)
def minimum(x1, x2): return apply_op("minimum", x1, x2)
def equal(x1, x2): return apply_op("equal", x1, x2)
def not_equal(x1, x2): return apply_op("not_equal", x1, x2)
def less(x1, x2): return apply_op("less", x1, x2)
def less_equal(x1, x2): return apply_op("less_equal", x1, x2)
def greater(x1, x2): return apply_op("greater", x1, x2)
def greater_equal(x1, x2): return apply_op("greater_equal", x1, x2)
def logical_and(x1, x2): return apply_op("logical_and", x1, x2)
def logical_or(x1, x2): return apply_op("logical_or", x1, x2)
def logical_not(x): return apply_op("logical_not", x)
def negative(x): return apply_op("neg", x)
def absolute(x): return apply_op("abs", x)
def sign(x): return apply_op("sign", x)
def exp(x): return apply_op("exp", x)
def expm1(x): return apply_op("expm1", x)
def log(x): return apply_op("log", x)
def log1p(x): return apply_op("log1p", x)
def sqrt(x): return apply_op("sqrt", x)
def rsqrt(x): return apply_op("rsqrt", x)
def square(x): return apply_op("square", x)
def reciprocal(x): return apply_op("reciprocal", x)
def sin(x): return apply_op("sin", x)
def cos(x): return apply_op("cos", x)
def tanh(x): return apply_op("tanh", x)
def erf(x): return apply_op("erf", x)
def floor(x): return apply_op("floor", x)
def ceil(x): return apply_op("ceil", x)
def round(x): return apply_op("round", x)  # noqa: A001  (Keras's name)
def isnan(x): return apply_op("isnan", x)
def where(condition, x1, x2): return apply_op("where", condition, x1, x2)
def clip(x, x_min, x_max): return apply_op("clip", x, low=float(x_min), high=float(x_max))
def stop_gradient(x): return apply_op("stop_gradient", x)


abs = absolute  # noqa: A001
true_divide = divide


def cast(x, dtype):
    from ...ir import canonical_dtype

    return apply_op("cast", x, dtype=canonical_dtype(dtype))


# -- contractions ------------------------------------------------------------------------------
def matmul(x1, x2): return apply_op("matmul", x1, x2)
def einsum(subscripts, *operands): return apply_op("einsum", *operands, subscripts=subscripts)


def dot(x1, x2):
    return matmul(x1, x2)


# -- reductions ----------------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False): return apply_op("sum", x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001
def mean(x, axis=None, keepdims=False): return apply_op("mean", x, axis=_axis(axis), keepdims=keepdims)
def max(x, axis=None, keepdims=False): return apply_op("max", x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001
def min(x, axis=None, keepdims=False): return apply_op("min", x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001
def prod(x, axis=None, keepdims=False): return apply_op("prod", x, axis=_axis(axis), keepdims=keepdims)
def any(x, axis=None, keepdims=False): return apply_op("any", x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001
def all(x, axis=None, keepdims=False): return apply_op("all", x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001
def var(x, axis=None, keepdims=False): return apply_op("var", x, axis=_axis(axis), keepdims=keepdims)
def std(x, axis=None, keepdims=False): return sqrt(var(x, axis, keepdims))
def logsumexp(x, axis=None, keepdims=False): return apply_op("logsumexp", x, axis=_axis(axis), keepdims=keepdims)
def argmax(x, axis=None, keepdims=False): return apply_op("argmax", x, axis=_axis(axis), keepdims=keepdims)
def argmin(x, axis=None, keepdims=False): return apply_op("argmin", x, axis=_axis(axis), keepdims=keepdims)
def cumsum(x, axis=None): return apply_op("cumsum", x, axis=_axis(axis))


amax, amin = max, min


# -- shapes ----------------------------------------------------------------------------------------
def reshape(x, newshape):
    return apply_op("reshape", x, shape=tuple(None if d is None else int(d) for d in newshape))


def transpose(x, axes=None):
    if axes is None:
        axes = tuple(reversed(range(len(x.shape))))
    return apply_op("transpose", x, perm=tuple(int(a) for a in axes))


def expand_dims(x, axis): return apply_op("expand_dims", x, axis=_axis(axis))
def squeeze(x, axis=None): return apply_op("squeeze", x, axis=_axis(axis))
def concatenate(xs, axis=0): return apply_op("concatenate", *xs, axis=int(axis))
def stack(x, axis=0): return apply_op("stack", *x, axis=int(axis))
def take(x, indices, axis=None): return apply_op("take", x, indices, axis=_axis(axis))
def take_along_axis(x, indices, axis=None): return apply_op("take_along_axis", x, indices, axis=_axis(axis))
def tile(x, repeats): return apply_op("tile", x, reps=tuple(int(r) for r in np.atleast_1d(repeats)))
def repeat(x, repeats, axis=None): return apply_op("repeat", x, repeats=int(repeats), axis=_axis(axis))
def flip(x, axis=None): return apply_op("flip", x, axis=_axis(axis))
def broadcast_to(x, shape): return apply_op("broadcast_to", x, shape=tuple(shape))


def split(x, indices_or_sections, axis=0):
    sections = (int(indices_or_sections) if isinstance(indices_or_sections, (int, np.integer))
                else tuple(int(i) for i in indices_or_sections))
    out = apply_op("split", x, sections=sections, axis=int(axis))
    return list(out) if isinstance(out, tuple) else [out]


def unstack(x, num=None, axis=0):
    count = num or x.shape[axis]
    return [squeeze(s, axis) for s in split(x, count, axis)]


def pad(x, pad_width, mode="constant", constant_values=None):
    width = tuple((int(a), int(b)) for a, b in pad_width)
    return apply_op("pad", x, pad_width=width, mode=mode, constant_value=0 if constant_values is None else constant_values)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer ids as one-hot vectors along a new axis `axis` (Keras's default: last).

    >>> kerax.ops.one_hot(np.array([0, 2]), 3, axis=0).shape
    (3, 2)
    """
    if sparse:
        raise ValueError("kerax.ops.one_hot: `sparse=True` is not supported (kerax has no sparse tensors)")
    x = convert_to_tensor(x)
    rank = len(x.shape) + 1
    if not -rank <= int(axis) < rank:
        raise ValueError(f"kerax.ops.one_hot: argument `axis` must be in [{-rank}, {rank}) for an input of rank "
                         f"{rank - 1}, received axis={axis}")
    return apply_op("one_hot", x, num_classes=int(num_classes), dtype=dtype or config.floatx(), axis=int(axis))


def zeros_like(x, dtype=None): return apply_op("full_like", x, value=0, dtype=dtype or x.dtype)
def ones_like(x, dtype=None): return apply_op("full_like", x, value=1, dtype=dtype or x.dtype)
def full_like(x, fill_value, dtype=None): return apply_op("full_like", x, value=fill_value, dtype=dtype or x.dtype)


def encode_index(index) -> tuple:
    """A Python index as an attr literal (decoded by ir.ops.shape.decode_index)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, slice):
            out.append(("slice", item.start, item.stop, item.step))
        elif item is Ellipsis:
            out.append("...")
        elif item is None or isinstance(item, (int, np.integer)):
            out.append(None if item is None else int(item))
        else:
            raise TypeError(f"Indexing a tensor: expected ints, slices, None or ..., received {type(item).__name__}; "
                            "use kerax.ops.take for tensor indices")
    return tuple(out)


def getitem(x, index):
    return apply_op("getitem", x, index=encode_index(index))


# -- concrete helpers ------------------------------------------------------------------------------------
def convert_to_tensor(x, dtype=None):
    from ..tracing import SymbolicTensor

    if isinstance(x, SymbolicTensor) or hasattr(x, "_keras_history"):
        return x if dtype is None else cast(x, dtype)
    array = concrete(x)
    return array if dtype is None else array.astype(dtype)


def convert_to_numpy(x):
    return np.asarray(concrete(x))


def shape(x):
    return tuple(x.shape)


def dimension_size(x, axis=0, dtype=None):
    """The size of one axis as a scalar tensor, also when it is unknown while tracing (the batch)."""
    return apply_op("dimension_size", x, axis=int(axis), dtype=dtype or config.floatx())


def zeros(shape, dtype=None): return jnp.zeros(shape, dtype or config.floatx())
def ones(shape, dtype=None): return jnp.ones(shape, dtype or config.floatx())
def arange(start, stop=None, step=1, dtype=None): return jnp.arange(start, stop, step, dtype=dtype)


# The rest of keras.ops.numpy lives beside this module, one theme per file.
from .numpy_arrays import *  # noqa: E402,F401,F403
from .numpy_math import *  # noqa: E402,F401,F403
from .linalg import slogdet  # noqa: E402,F401
