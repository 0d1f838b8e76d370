"""kerax.ops, NumPy-like part continued: more elementwise math, NaN-aware and order statistics.

Like numpy.py, each function records one IR node (ir/ops/math.py, ir/ops/statistics.py) in a
trace, adds an op layer to a functional graph, or runs at once on arrays.

>>> kerax.ops.nanmean(np.array([1.0, np.nan, 3.0]))
Array(2., dtype=float32)
"""
from __future__ import annotations

import numpy as np

from ..tracing import apply_op


def _axis(axis):
    if axis is None:
        return None
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else int(axis)


def op(name: str, *operands, **attrs):
    """apply_op, with Python lists and tuples of numbers taken as arrays (Keras accepts them)."""
    return apply_op(name, *(np.asarray(o) if isinstance(o, (list, tuple)) else o for o in operands), **attrs)


# -- elementwise ------------------------------------------------------------------------------
def arccos(x): return op("arccos", x)
def arccosh(x): return op("arccosh", x)
def arcsin(x): return op("arcsin", x)
def arcsinh(x): return op("arcsinh", x)
def arctan(x): return op("arctan", x)
def arctanh(x): return op("arctanh", x)
def tan(x): return op("tan", x)
def sinh(x): return op("sinh", x)
def cosh(x): return op("cosh", x)
def cbrt(x): return op("cbrt", x)
def deg2rad(x): return op("deg2rad", x)
def rad2deg(x): return op("rad2deg", x)
def exp2(x): return op("exp2", x)
def log2(x): return op("log2", x)
def log10(x): return op("log10", x)
def fabs(x): return op("fabs", x)
def trunc(x): return op("trunc", x)
def isfinite(x): return op("isfinite", x)
def isinf(x): return op("isinf", x)
def isneginf(x): return op("isneginf", x)
def isposinf(x): return op("isposinf", x)
def isreal(x): return op("isreal", x)
def signbit(x): return op("signbit", x)
def sinc(x): return op("sinc", x)
def i0(x): return op("i0", x)
def conj(x): return op("conj", x)
def real(x): return op("real", x)
def imag(x): return op("imag", x)
def angle(x): return op("angle", x)
def erfc(x): return op("erfc", x)
def erfinv(x): return op("erfinv", x)
def bitwise_invert(x): return op("bitwise_invert", x)
def copy(x): return op("copy", x)
def arctan2(x1, x2): return op("arctan2", x1, x2)
def fmod(x1, x2): return op("fmod", x1, x2)
def fmax(x1, x2): return op("fmax", x1, x2)
def fmin(x1, x2): return op("fmin", x1, x2)
def gcd(x1, x2): return op("gcd", x1, x2)
def lcm(x1, x2): return op("lcm", x1, x2)
def heaviside(x1, x2): return op("heaviside", x1, x2)
def hypot(x1, x2): return op("hypot", x1, x2)
def ldexp(x1, x2): return op("ldexp", x1, x2)
def logaddexp(x1, x2): return op("logaddexp", x1, x2)
def logaddexp2(x1, x2): return op("logaddexp2", x1, x2)
def logical_xor(x1, x2): return op("logical_xor", x1, x2)
def nextafter(x1, x2): return op("nextafter", x1, x2)
def bitwise_and(x, y): return op("bitwise_and", x, y)
def bitwise_or(x, y): return op("bitwise_or", x, y)
def bitwise_xor(x, y): return op("bitwise_xor", x, y)
def left_shift(x, y): return op("left_shift", x, y)
def right_shift(x, y): return op("right_shift", x, y)
def divide_no_nan(x1, x2): return op("divide_no_nan", x1, x2)


conjugate = conj
bitwise_not = bitwise_invert
bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN -> `nan`, +inf -> `posinf`, -inf -> `neginf` (None: the dtype's largest / smallest)."""
    return op("nan_to_num", x, nan=float(nan), posinf=None if posinf is None else float(posinf),
              neginf=None if neginf is None else float(neginf))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return op("isclose", x1, x2, rtol=float(rtol), atol=float(atol), equal_nan=bool(equal_nan))


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    from .numpy import all

    return all(isclose(x1, x2, rtol, atol, equal_nan))


# -- reductions ---------------------------------------------------------------------------------
def nansum(x, axis=None, keepdims=False): return op("nansum", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanprod(x, axis=None, keepdims=False): return op("nanprod", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanmean(x, axis=None, keepdims=False): return op("nanmean", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanmax(x, axis=None, keepdims=False): return op("nanmax", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanmin(x, axis=None, keepdims=False): return op("nanmin", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanvar(x, axis=None, keepdims=False): return op("nanvar", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanstd(x, axis=None, keepdims=False): return op("nanstd", x, axis=_axis(axis), keepdims=bool(keepdims))
def median(x, axis=None, keepdims=False): return op("median", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanmedian(x, axis=None, keepdims=False): return op("nanmedian", x, axis=_axis(axis), keepdims=bool(keepdims))
def ptp(x, axis=None, keepdims=False): return op("ptp", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanargmax(x, axis=None, keepdims=False): return op("nanargmax", x, axis=_axis(axis), keepdims=bool(keepdims))
def nanargmin(x, axis=None, keepdims=False): return op("nanargmin", x, axis=_axis(axis), keepdims=bool(keepdims))
def count_nonzero(x, axis=None): return op("count_nonzero", x, axis=_axis(axis))
def cumprod(x, axis=None, dtype=None): return op("cumprod", x, axis=_axis(axis), dtype=dtype)
def nancumsum(x, axis=None, dtype=None): return op("nancumsum", x, axis=_axis(axis), dtype=dtype)
def nancumprod(x, axis=None, dtype=None): return op("nancumprod", x, axis=_axis(axis), dtype=dtype)


def _q(q):
    return tuple(float(v) for v in np.ravel(q)) if np.ndim(q) else float(q)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1], a number or a list) over `axis`.

    >>> kerax.ops.quantile(np.arange(5.0), 0.5)
    Array(2., dtype=float32)
    """
    return op("quantile", x, q=_q(q), axis=_axis(axis), method=method, keepdims=bool(keepdims), nan=False)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return op("quantile", x, q=_q(q), axis=_axis(axis), method=method, keepdims=bool(keepdims), nan=True)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return quantile(x, np.asarray(q) / 100.0, axis, method, keepdims)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return nanquantile(x, np.asarray(q) / 100.0, axis, method, keepdims)


def average(x, axis=None, weights=None):
    """Mean over `axis`, weighted by `weights` (x's shape, or 1-D along `axis`)."""
    operands = (x,) if weights is None else (x, weights)
    return op("average", *operands, axis=_axis(axis))


def histogram(x, bins=10, range=None):  # noqa: A002  (NumPy's name)
    """(counts, bin edges) of `bins` equal bins over `range` (default: x's min and max)."""
    if range is not None:
        range = (float(range[0]), float(range[1]))  # noqa: A001
    return op("histogram", x, bins=int(bins), range=range)


__all__ = [n for n, v in list(globals().items())
           if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_") and n != "op"]
