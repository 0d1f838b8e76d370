"""Linear algebra on the last two axes (batched over the leading ones), as keras.ops.linalg."""
import jax
import jax.numpy as jnp
import jax.scipy as jsp

from ..registry import COMPOSITE, register

# name: (lowering taking the op's attrs as keywords, one-line meaning)
LINALG = {
    "cholesky": (lambda x, *, upper: jnp.linalg.cholesky(x, upper=upper), "Cholesky factor"),
    "det": (jnp.linalg.det, "determinant"),
    "inv": (jnp.linalg.inv, "matrix inverse"),
    "eig": (lambda x: tuple(jnp.linalg.eig(x)), "eigenvalues and eigenvectors (complex; CPU only)"),
    "eigh": (lambda x: tuple(jnp.linalg.eigh(x)), "eigenvalues and eigenvectors of a symmetric matrix"),
    "solve": (jnp.linalg.solve, "x with a @ x = b"),
    "solve_triangular": (lambda a, b, *, lower: jsp.linalg.solve_triangular(a, b, lower=lower),
                         "x with a @ x = b for triangular a"),
    "lstsq": (lambda a, b, *, rcond: jnp.linalg.lstsq(a, b, rcond=rcond)[0], "least-squares solution of a @ x = b"),
    "pinv": (lambda x, *, rcond: jnp.linalg.pinv(x, rtol=rcond), "Moore-Penrose pseudo-inverse"),
    "matrix_rank": (lambda x, *, tol: jnp.linalg.matrix_rank(x, tol=tol).astype("int32"), "rank by singular values"),
    "qr": (lambda x, *, mode: tuple(jnp.linalg.qr(x, mode=mode)), "QR decomposition (q, r)"),
    "slogdet": (lambda x: tuple(jnp.linalg.slogdet(x)), "sign and log of |determinant|"),
    "logdet": (lambda x: jnp.linalg.slogdet(x)[1], "log of the determinant of a positive-definite matrix"),
}

for _name, (_fn, _doc) in LINALG.items():
    register(_name, COMPOSITE, _doc)(_fn)


@register("cholesky_inverse", COMPOSITE, "inverse of a matrix given its Cholesky factor")
def _cholesky_inverse(x, *, upper):
    inv_chol = jsp.linalg.solve_triangular(x, jnp.eye(x.shape[-1], dtype=x.dtype), lower=not upper)
    if upper:
        return jnp.matmul(inv_chol, jnp.transpose(inv_chol))
    return jnp.matmul(jnp.transpose(inv_chol), inv_chol)


@register("lu_factor", COMPOSITE, "LU factorization with partial pivoting (lu, pivots)")
def _lu_factor(x):
    fn = jsp.linalg.lu_factor
    for _ in range(x.ndim - 2):
        fn = jax.vmap(fn)
    return tuple(fn(x))


@register("svd", COMPOSITE, "singular value decomposition (u, s, vh), or s alone")
def _svd(x, *, full_matrices, compute_uv):
    out = jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


@register("norm", COMPOSITE, "vector or matrix norm over axis")
def _norm(x, *, ord, axis, keepdims):  # noqa: A002  (NumPy's name)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype("float32")
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
