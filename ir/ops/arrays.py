"""More data-moving ops: triangles and diagonals, rolls and rotations, sorting, searching,
stacking and splitting, products of whole arrays (outer, kron, tensordot)."""
import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from ..registry import CONTRACTION, SHAPE, register

# name: (lowering taking the op's attrs as keywords, one-line meaning)
MOVES = {
    "tril": (jnp.tril, "x with the elements above diagonal k zeroed"),
    "triu": (jnp.triu, "x with the elements below diagonal k zeroed"),
    "diag": (jnp.diag, "the k-th diagonal of a matrix, or a matrix with x on it"),
    "diagflat": (jnp.diagflat, "a matrix with flattened x on diagonal k"),
    "diagonal": (jnp.diagonal, "the diagonal (offset, axis1, axis2) of x"),
    "trace": (jnp.trace, "sum of the diagonal (offset, axis1, axis2) of x"),
    "roll": (jnp.roll, "x shifted along axis, wrapping around"),
    "rot90": (jnp.rot90, "x rotated by k quarter turns in the plane of axes"),
    "moveaxis": (jnp.moveaxis, "axes source moved to destination"),
    "swapaxes": (jnp.swapaxes, "axis1 and axis2 exchanged"),
    "ravel": (jnp.ravel, "x flattened"),
    "sort": (jnp.sort, "x sorted along axis"),
    "diff": (jnp.diff, "n-th discrete difference along axis"),
    "vander": (jnp.vander, "Vandermonde matrix of x with N columns"),
    "array_split": (lambda x, *, indices_or_sections, axis: tuple(jnp.array_split(x, indices_or_sections, axis)),
                    "x split into sections that may differ in size by one (several outputs)"),
    "unravel_index": (lambda x, *, shape: tuple(i.astype(x.dtype) for i in jnp.unravel_index(x, shape)),
                      "flat indices as one index array per axis of shape (several outputs)"),
    "view": (lambda x, *, dtype: x.view(dtype), "x's bytes read as dtype"),
    "trapezoid": (lambda y, *x, dx, axis: jnp.trapezoid(y, x[0] if x else None, dx=dx, axis=axis),
                  "integral of y along axis by the trapezoid rule"),
}

for _name, (_fn, _doc) in MOVES.items():
    register(_name, SHAPE, _doc)(_fn)


@register("argsort", SHAPE, "indices that sort x along axis")
def _argsort(x, *, axis):
    return jnp.argsort(x, axis=axis).astype("int32")


@register("argpartition", SHAPE, "indices that put the kth element of x in its sorted place along axis")
def _argpartition(x, *, kth, axis):
    return jnp.argpartition(x, kth, axis=axis).astype("int32")


@register("top_k", SHAPE, "the k largest elements along the last axis and their indices")
def _top_k(x, *, k, sorted):  # noqa: A002  (Keras's name)
    values, indices = jax.lax.top_k(x, k)
    return values, indices.astype("int32")


@register("searchsorted", SHAPE, "where values go into the sorted 1-D sequence to keep it sorted")
def _searchsorted(sorted_sequence, values, *, side):
    return jnp.searchsorted(sorted_sequence, values, side=side).astype("int32")


@register("isin", SHAPE, "each element of x1 is in x2")
def _isin(x1, x2, *, assume_unique, invert):
    return jnp.isin(x1, x2, assume_unique=assume_unique, invert=invert)


@register("meshgrid", SHAPE, "coordinate grids from 1-D inputs (several outputs)")
def _meshgrid(*xs, indexing):
    return tuple(jnp.meshgrid(*xs, indexing=indexing))


@register("hstack", SHAPE, "inputs joined along axis 1 (axis 0 for 1-D)")
def _hstack(*xs):
    return jnp.hstack(xs)


@register("vstack", SHAPE, "inputs joined along axis 0, 1-D inputs as rows")
def _vstack(*xs):
    return jnp.vstack(xs)


@register("dstack", SHAPE, "inputs joined along axis 2")
def _dstack(*xs):
    return jnp.dstack(xs)


@register("append", SHAPE, "x2 after x1 along axis (None: both flattened)")
def _append(x1, x2, *, axis):
    return jnp.append(x1, x2, axis=axis)


@register("cross", CONTRACTION, "cross product of 3-vectors (or 2-vectors) along the given axes")
def _cross(x1, x2, *, axisa, axisb, axisc, axis):
    return jnp.cross(x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


@register("tensordot", CONTRACTION, "sum of products over the given axes of x1 and x2")
def _tensordot(x1, x2, *, axes):
    return jnp.tensordot(x1, x2, axes=axes)


# name: (lowering, one-line meaning)
PRODUCTS = {
    "outer": (jnp.outer, "outer product of flattened x1 and x2"),
    "inner": (jnp.inner, "sum of products over the last axes of x1 and x2"),
    "vdot": (jnp.vdot, "dot product of flattened x1 and x2 (conjugating x1)"),
    "kron": (jnp.kron, "Kronecker product"),
    "corrcoef": (jnp.corrcoef, "Pearson correlation coefficients of the rows of x"),
}

for _name, (_fn, _doc) in PRODUCTS.items():
    register(_name, CONTRACTION, _doc)(_fn)


@register("correlate", CONTRACTION, "cross-correlation of two 1-D sequences")
def _correlate(x1, x2, *, mode):
    return jnp.correlate(x1, x2, mode=mode)


@register("slice", SHAPE, "a block of x starting at start_indices, of the given shape")
def _slice(x, *starts, shape):
    return jax.lax.dynamic_slice(x, [s for s in starts], shape)


@register("slice_update", SHAPE, "x with the block at start_indices replaced by updates")
def _slice_update(x, updates, *starts):
    return jax.lax.dynamic_update_slice(x, updates.astype(x.dtype), [s for s in starts])


@register("scatter", SHAPE, "zeros of shape with values added at indices (last index axis: coordinates)")
def _scatter(indices, values, *, shape):
    zeros = jnp.zeros(shape, values.dtype)
    key = tuple(jnp.moveaxis(indices, -1, 0))
    return zeros.at[key].add(values)


@register("scatter_update", SHAPE, "x with the elements at indices replaced by (or reduced with) updates")
def _scatter_update(x, indices, updates, *, reduction):
    at = x.at[tuple(jnp.transpose(indices))]
    return {None: at.set, "add": at.add, "max": at.max, "min": at.min, "mul": at.multiply}[reduction](updates)


@register("segment_reduce", SHAPE, "data reduced (sum, max, min, prod) over segments given by segment_ids")
def _segment_reduce(data, segment_ids, *, reduction, num_segments, sorted):  # noqa: A002
    fn = {"sum": jax.ops.segment_sum, "max": jax.ops.segment_max, "min": jax.ops.segment_min,
          "prod": jax.ops.segment_prod}[reduction]
    return fn(data, segment_ids, num_segments=num_segments, indices_are_sorted=sorted)


@register("in_top_k", SHAPE, "targets are among the k largest predictions of their row (NaN ranks last)")
def _in_top_k(targets, predictions, *, k):
    at_label = jnp.take_along_axis(predictions, jnp.expand_dims(targets, -1), axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    return 1 + jnp.sum(predictions > at_label, axis=-1) <= k


@register("saturate_cast", SHAPE, "x clipped to what dtype can hold, then cast")
def _saturate_cast(x, *, dtype):
    in_dtype = np.dtype(x.dtype)
    in_min, in_max = _limits(in_dtype)
    out_min, out_max = _limits(np.dtype(dtype))
    # The output's limits may not be representable in the input type: nudge them inside, as Keras does.
    low = np.maximum(in_min, out_min).astype(in_dtype)
    if low < out_min:
        low = np.nextafter(low, 0, dtype=in_dtype)
    high = np.minimum(in_max, out_max).astype(in_dtype)
    if high > out_max:
        high = np.nextafter(high, 0, dtype=in_dtype)
    return jnp.clip(x, low, high).astype(dtype)


def _limits(dtype):
    if dtype == np.bool_:
        return 0, 1
    info = ml_dtypes.iinfo(dtype) if np.issubdtype(dtype, np.integer) else ml_dtypes.finfo(dtype)
    return info.min, info.max
