"""kerax.ops, NumPy-like part continued: arrays made from scratch, triangles and diagonals,
sorting and searching, stacking and splitting, products of whole arrays.

Shape-changing ops record IR nodes (ir/ops/arrays.py). Arrays made from numbers alone
(`eye`, `linspace`, …) are plain constants. The few ops whose output shape depends on the
values (`nonzero`, `unique`, `bincount`) run on arrays only and say so inside a trace.

>>> kerax.ops.tril(np.ones((3, 3)))[0]
Array([1., 0., 0.], dtype=float32)
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import config
from .numpy_math import _axis, op


def _ints(value):
    return tuple(int(v) for v in value) if isinstance(value, (list, tuple)) else int(value)


def concrete_only(name: str, *values):
    """Raise a clear error when `name`, an op whose output shape depends on values, meets a
    tensor of a traced model (whose values do not exist yet)."""
    from ..keras_tensor import KerasTensor
    from ..tracing import SymbolicTensor

    for leaf in jax.tree.leaves(values):
        if isinstance(leaf, (SymbolicTensor, KerasTensor)):
            raise ValueError(f"kerax.ops.{name}: the size of its result depends on the values of its input, so it "
                             f"runs on arrays only, not on the symbolic tensors of a model being built or traced "
                             f"(received {leaf!r}); call it on data outside the model")


# -- triangles, diagonals, rearrangements ------------------------------------------------------------
def tril(x, k=0): return op("tril", x, k=int(k))
def triu(x, k=0): return op("triu", x, k=int(k))
def diag(x, k=0): return op("diag", x, k=int(k))
def diagflat(x, k=0): return op("diagflat", x, k=int(k))
def diagonal(x, offset=0, axis1=0, axis2=1): return op("diagonal", x, offset=int(offset), axis1=int(axis1), axis2=int(axis2))
def trace(x, offset=0, axis1=0, axis2=1): return op("trace", x, offset=int(offset), axis1=int(axis1), axis2=int(axis2))
def roll(x, shift, axis=None): return op("roll", x, shift=_ints(shift), axis=_axis(axis))
def rot90(array, k=1, axes=(0, 1)): return op("rot90", array, k=int(k), axes=_ints(axes))
def moveaxis(x, source, destination): return op("moveaxis", x, source=_ints(source), destination=_ints(destination))
def swapaxes(x, axis1, axis2): return op("swapaxes", x, axis1=int(axis1), axis2=int(axis2))
def ravel(x): return op("ravel", x)
def sort(x, axis=-1): return op("sort", x, axis=_axis(axis))
def argsort(x, axis=-1): return op("argsort", x, axis=_axis(axis))
def argpartition(x, kth, axis=-1): return op("argpartition", x, kth=int(kth), axis=int(axis))
def diff(a, n=1, axis=-1): return op("diff", a, n=int(n), axis=int(axis))
def vander(x, N=None, increasing=False): return op("vander", x, N=None if N is None else int(N), increasing=bool(increasing))
def view(x, dtype=None): return x if dtype is None else op("view", x, dtype=np.dtype(dtype).name)
def fliplr(x): return op("flip", x, axis=1)
def flipud(x): return op("flip", x, axis=0)


def unravel_index(indices, shape):
    """Flat indices into an array of `shape` as a tuple of index arrays, one per axis."""
    out = op("unravel_index", indices, shape=_ints(tuple(shape)))
    return out if isinstance(out, tuple) else (out,)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    operands = (y,) if x is None else (y, x)
    return op("trapezoid", *operands, dx=float(dx), axis=int(axis))


# -- searching ---------------------------------------------------------------------------------
def searchsorted(sorted_sequence, values, side="left"):
    if side not in ("left", "right"):
        raise ValueError(f"kerax.ops.searchsorted: argument `side` must be 'left' or 'right', received {side!r}")
    return op("searchsorted", sorted_sequence, values, side=side)


def digitize(x, bins):
    """The index i of the bin with bins[i-1] <= x < bins[i] (increasing bins), as NumPy's."""
    return searchsorted(bins, x, side="right")


def isin(x1, x2, assume_unique=False, invert=False):
    return op("isin", x1, x2, assume_unique=bool(assume_unique), invert=bool(invert))


def top_k(x, k, sorted=True):  # noqa: A002  (Keras's name)
    """(values, indices) of the k largest elements along the last axis, largest first.

    >>> values, indices = kerax.ops.top_k(np.array([1.0, 3.0, 2.0]), 2)
    """
    return op("top_k", x, k=int(k), sorted=bool(sorted))


# -- joining and splitting ------------------------------------------------------------------------
def hstack(xs): return op("hstack", *xs)
def vstack(xs): return op("vstack", *xs)
def dstack(xs): return op("dstack", *xs)
def append(x1, x2, axis=None): return op("append", x1, x2, axis=_axis(axis))


def meshgrid(*x, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"kerax.ops.meshgrid: argument `indexing` must be 'xy' or 'ij', received {indexing!r}")
    out = op("meshgrid", *x, indexing=indexing)
    return list(out) if isinstance(out, tuple) else [out]


def array_split(x, indices_or_sections, axis=0):
    out = op("array_split", x, indices_or_sections=_ints(indices_or_sections), axis=int(axis))
    return list(out) if isinstance(out, tuple) else [out]


def _split(x, indices_or_sections, axis):
    from .numpy import split

    return split(x, indices_or_sections, axis)


def hsplit(x, indices_or_sections): return _split(x, indices_or_sections, 1 if len(x.shape) > 1 else 0)
def vsplit(x, indices_or_sections): return _split(x, indices_or_sections, 0)
def dsplit(x, indices_or_sections): return _split(x, indices_or_sections, 2)


def select(condlist, choicelist, default=0):
    """choicelist[i] where condlist[i] is the first true condition, else `default`."""
    from .numpy import where

    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError("kerax.ops.select: `condlist` and `choicelist` must be non-empty lists of one length, "
                         f"received {len(condlist)} conditions and {len(choicelist)} choices")
    out = default
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        out = where(condition, choice, out)
    return out


# -- products of whole arrays ---------------------------------------------------------------------
def outer(x1, x2): return op("outer", x1, x2)
def inner(x1, x2): return op("inner", x1, x2)
def vdot(x1, x2): return op("vdot", x1, x2)
def kron(x1, x2): return op("kron", x1, x2)
def corrcoef(x): return op("corrcoef", x)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return op("cross", x1, x2, axisa=int(axisa), axisb=int(axisb), axisc=int(axisc), axis=_axis(axis))


def tensordot(x1, x2, axes=2):
    axes = int(axes) if isinstance(axes, (int, np.integer)) else tuple(_ints(a) for a in axes)
    return op("tensordot", x1, x2, axes=axes)


def correlate(x1, x2, mode="valid"):
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"kerax.ops.correlate: argument `mode` must be 'valid', 'same' or 'full', received {mode!r}")
    return op("correlate", x1, x2, mode=mode)


# -- properties ------------------------------------------------------------------------------------
def ndim(x) -> int:
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def size(x) -> int:
    shape = x.shape if hasattr(x, "shape") else np.shape(x)
    if None in shape:
        raise ValueError(f"kerax.ops.size: the shape {tuple(shape)} has unknown sizes; use kerax.ops.shape")
    return int(np.prod(shape, dtype="int64"))


def get_item(x, key):
    """x[key]: ints, slices, None and ... index any tensor; an integer array picks elements
    of a concrete array (use kerax.ops.take inside models)."""
    from .numpy import encode_index, getitem
    from ..tracing import concrete

    items = key if isinstance(key, tuple) else (key,)
    if all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items):
        encode_index(key)
        return getitem(x, key)
    concrete_only("get_item", x, key)
    return concrete(x)[key]


# -- arrays from numbers ------------------------------------------------------------------------
def array(x, dtype=None):
    from .numpy import convert_to_tensor

    return convert_to_tensor(x, dtype)


def empty(shape, dtype=None): return jnp.empty(shape, dtype or config.floatx())
def empty_like(x, dtype=None): return jnp.empty(x.shape, dtype or x.dtype)
def full(shape, fill_value, dtype=None): return jnp.full(shape, fill_value, dtype or config.floatx())
def eye(N, M=None, k=0, dtype=None): return jnp.eye(N, M, k, dtype=dtype or config.floatx())
def identity(n, dtype=None): return jnp.identity(n, dtype or config.floatx())
def tri(N, M=None, k=0, dtype=None): return jnp.tri(N, M, k, dtype=dtype or config.floatx())
def bartlett(x): return jnp.bartlett(int(x)).astype(config.floatx())
def blackman(x): return jnp.blackman(int(x)).astype(config.floatx())
def hamming(x): return jnp.hamming(int(x)).astype(config.floatx())
def hanning(x): return jnp.hanning(int(x)).astype(config.floatx())
def kaiser(x, beta): return jnp.kaiser(int(x), beta).astype(config.floatx())


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return jnp.linspace(start, stop, num=num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return jnp.logspace(start, stop, num=num, endpoint=endpoint, base=base, dtype=dtype, axis=axis)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return jnp.geomspace(start, stop, num=num, endpoint=endpoint, dtype=dtype, axis=axis)


# -- value-dependent shapes: arrays only ---------------------------------------------------------------
def nonzero(x):
    concrete_only("nonzero", x)
    return tuple(i.astype("int32") for i in jnp.nonzero(jnp.asarray(x)))


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,  # noqa: A002
           size=None, fill_value=None):
    if size is None:
        concrete_only("unique", x)
    return jnp.unique(jnp.asarray(x), return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, size=size, sorted=sorted, fill_value=fill_value)


def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts (or summed weights) of each non-negative integer of x; a 2-D x counts per row."""
    if sparse:
        raise ValueError("kerax.ops.bincount: argument `sparse=True` is not supported (kerax has no sparse tensors)")
    concrete_only("bincount", x, weights)
    x = jnp.asarray(x)
    if x.ndim == 2:
        length = max(int(minlength), int(jnp.max(x)) + 1 if x.size else 0)
        rows = [jnp.bincount(r, None if weights is None else w, length=length)
                for r, w in zip(x, x if weights is None else jnp.asarray(weights))]
        return jnp.stack(rows)
    return jnp.bincount(x, weights=None if weights is None else jnp.asarray(weights), minlength=int(minlength))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` mapped over the leading axes of its array arguments (jax.numpy.vectorize); the
    result runs on arrays."""
    return jnp.vectorize(pyfunc, excluded=excluded or set(), signature=signature)


__all__ = [n for n, v in list(globals().items()) if callable(v) and getattr(v, "__module__", None) == __name__
           and not n.startswith("_") and n != "concrete_only"]
