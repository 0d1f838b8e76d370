"""More reductions: NaN-ignoring ones, order statistics, running products, counts.

`axis` is None (all axes), an int or a tuple of ints; `q` (quantiles) is a literal.
"""
import jax.numpy as jnp

from ..registry import REDUCE, register
from .reduce import reduction

# name: (lowering taking axis and keepdims, one-line meaning)
REDUCTIONS = {
    "nansum": (jnp.nansum, "sum over axis, NaN taken as 0"),
    "nanprod": (jnp.nanprod, "product over axis, NaN taken as 1"),
    "nanmean": (jnp.nanmean, "mean over axis of the non-NaN elements"),
    "nanmax": (jnp.nanmax, "maximum over axis, NaN ignored"),
    "nanmin": (jnp.nanmin, "minimum over axis, NaN ignored"),
    "nanvar": (jnp.nanvar, "variance over axis, NaN ignored"),
    "nanstd": (jnp.nanstd, "standard deviation over axis, NaN ignored"),
    "median": (jnp.median, "median over axis"),
    "nanmedian": (jnp.nanmedian, "median over axis, NaN ignored"),
    "ptp": (jnp.ptp, "maximum - minimum over axis"),
}


# Index reductions give int32, as JAX computes in 32 bits.
INDEX_REDUCTIONS = {
    "nanargmax": (lambda x, axis, keepdims: jnp.nanargmax(x, axis=axis, keepdims=keepdims).astype("int32"),
                  "index of the largest non-NaN element along axis"),
    "nanargmin": (lambda x, axis, keepdims: jnp.nanargmin(x, axis=axis, keepdims=keepdims).astype("int32"),
                  "index of the smallest non-NaN element along axis"),
}

for _name, (_fn, _doc) in {**REDUCTIONS, **INDEX_REDUCTIONS}.items():
    register(_name, REDUCE, _doc)(reduction(_fn))


@register("quantile", REDUCE, "the q-th quantiles over axis (q in [0, 1]); nan=True ignores NaN")
def _quantile(x, *, q, axis, method, keepdims, nan):
    fn = jnp.nanquantile if nan else jnp.quantile
    return fn(x, jnp.asarray(q, x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else "float32"), axis=axis,
              method=method, keepdims=keepdims)


@register("count_nonzero", REDUCE, "number of non-zero elements over axis")
def _count_nonzero(x, *, axis):
    return jnp.count_nonzero(x, axis=axis).astype("int32")


@register("cumprod", REDUCE, "running product along axis (None: flattened)")
def _cumprod(x, *, axis, dtype):
    return jnp.cumprod(x, axis=axis, dtype=dtype)


@register("nancumsum", REDUCE, "running sum along axis, NaN taken as 0")
def _nancumsum(x, *, axis, dtype):
    return jnp.nancumsum(x, axis=axis, dtype=dtype)


@register("nancumprod", REDUCE, "running product along axis, NaN taken as 1")
def _nancumprod(x, *, axis, dtype):
    return jnp.nancumprod(x, axis=axis, dtype=dtype)


@register("average", REDUCE, "weighted mean over axis (weights broadcast along axis)")
def _average(x, *weights, axis):
    return jnp.average(x, axis=axis, weights=weights[0] if weights else None)


@register("histogram", REDUCE, "counts of x in `bins` equal bins over range (two outputs: counts, edges)")
def _histogram(x, *, bins, range):  # noqa: A002  (NumPy's name)
    counts, edges = jnp.histogram(x, bins=bins, range=range)
    return counts.astype("int32"), edges.astype(x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else "float32")
