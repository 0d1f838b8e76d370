"""kerax.ops.linalg: decompositions, solves and norms on the last two axes (ir/ops/linalg.py).

>>> kerax.ops.linalg.det(np.eye(3, dtype="float32"))
Array(1., dtype=float32)
"""
from __future__ import annotations

from .numpy_math import op

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor", "matrix_rank",
           "norm", "pinv", "qr", "solve", "solve_triangular", "svd", "slogdet", "logdet"]


def _matrix(name, x):
    if len(x.shape) < 2:
        raise ValueError(f"kerax.ops.{name}: expected a tensor of rank >= 2 (matrices on the last two axes), "
                         f"received shape {tuple(x.shape)}")
    return x


def cholesky(x, upper=False): return op("cholesky", x, upper=bool(upper))
def cholesky_inverse(x, upper=False): return op("cholesky_inverse", x, upper=bool(upper))
def det(x): return op("det", x)
def eig(x): return op("eig", x)
def eigh(x): return op("eigh", x)
def inv(x): return op("inv", x)
def lu_factor(x): return op("lu_factor", x)
def solve(a, b): return op("solve", a, b)
def solve_triangular(a, b, lower=False): return op("solve_triangular", a, b, lower=bool(lower))
def slogdet(x): return op("slogdet", x)
def logdet(x): return op("logdet", x)


def lstsq(a, b, rcond=None):
    return op("lstsq", a, b, rcond=None if rcond is None else float(rcond))


def pinv(x, rcond=None):
    return op("pinv", _matrix("pinv", x), rcond=None if rcond is None else float(rcond))


def matrix_rank(x, tol=None):
    return op("matrix_rank", _matrix("matrix_rank", x), tol=None if tol is None else float(tol))


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"kerax.ops.qr: argument `mode` must be 'reduced' or 'complete', received mode={mode!r}")
    return op("qr", x, mode=mode)


def svd(x, full_matrices=True, compute_uv=True):
    return op("svd", x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (Keras's name)
    """Vector norm (an int axis) or matrix norm (two axes, or a 2-D x with axis=None)."""
    if isinstance(axis, list):
        axis = tuple(axis)
    return op("norm", x, ord=ord, axis=axis, keepdims=bool(keepdims))


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), the Jacobian of fun at primals times tangents), as jax.jvp; on arrays.

    >>> kerax.ops.linalg.jvp(lambda x: x * x, (np.float32(3.0),), (np.float32(1.0),))[1]
    Array(6., dtype=float32)
    """
    import jax

    from .numpy_arrays import concrete_only

    concrete_only("jvp", primals, tangents)
    return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
