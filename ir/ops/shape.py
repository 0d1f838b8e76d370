"""Ops that move or reinterpret data: reshape, transpose, slicing, joining, gathering."""
import jax
import jax.numpy as jnp
import numpy as np

from ..registry import SHAPE, SOURCE, register


def _resolve(shape, like):
    """A target shape where None means "the input's size at this position"."""
    return tuple(like[i] if d is None else d for i, d in enumerate(shape))


@register("reshape", SHAPE, "x viewed with a new shape (None: keep that input dim, -1: infer)")
def _reshape(x, *, shape):
    return jnp.reshape(x, _resolve(shape, x.shape))


@register("broadcast_to", SHAPE, "x repeated to shape (None: keep the input dim, right-aligned)")
def _broadcast_to(x, *, shape):
    offset = len(shape) - x.ndim
    full = tuple(x.shape[i - offset] if d is None else d for i, d in enumerate(shape))
    return jnp.broadcast_to(x, full)


@register("transpose", SHAPE, "axes permuted by perm")
def _transpose(x, *, perm):
    return jnp.transpose(x, perm)


@register("expand_dims", SHAPE, "a size-1 axis inserted at axis")
def _expand_dims(x, *, axis):
    return jnp.expand_dims(x, axis)


@register("squeeze", SHAPE, "size-1 axes removed (axis=None: all of them)")
def _squeeze(x, *, axis):
    return jnp.squeeze(x, axis)


@register("concatenate", SHAPE, "inputs joined along axis")
def _concatenate(*xs, axis):
    return jnp.concatenate(xs, axis=axis)


@register("stack", SHAPE, "inputs stacked along a new axis")
def _stack(*xs, axis):
    return jnp.stack(xs, axis=axis)


@register("split", SHAPE, "x split into sections along axis (several outputs)")
def _split(x, *, sections, axis):
    return tuple(jnp.split(x, sections, axis=axis))


def decode_index(index):
    """The attr form of an index (see `encode_index` in the frontend) back to a Python index."""
    out = []
    for item in index:
        if isinstance(item, tuple) and item and item[0] == "slice":
            out.append(slice(*item[1:]))
        elif item == "...":
            out.append(Ellipsis)
        else:
            out.append(item)
    return tuple(out)


@register("getitem", SHAPE, "x[index] with ints, slices, None and ...")
def _getitem(x, *, index):
    return x[decode_index(index)]


@register("take", SHAPE, "rows of x picked by integer indices along axis")
def _take(x, indices, *, axis):
    return jnp.take(x, indices, axis=axis)


@register("take_along_axis", SHAPE, "elements of x picked by indices of the same rank")
def _take_along_axis(x, indices, *, axis):
    return jnp.take_along_axis(x, indices, axis=axis)


@register("pad", SHAPE, "x padded by ((before, after), ...) with a constant or by reflection")
def _pad(x, *, pad_width, mode, constant_value):
    if mode == "constant":
        return jnp.pad(x, pad_width, mode="constant", constant_values=constant_value)
    return jnp.pad(x, pad_width, mode=mode)


@register("tile", SHAPE, "x repeated reps times along each axis")
def _tile(x, *, reps):
    return jnp.tile(x, reps)


@register("repeat", SHAPE, "each element of x repeated along axis")
def _repeat(x, *, repeats, axis):
    return jnp.repeat(x, repeats, axis=axis)


@register("flip", SHAPE, "x reversed along axis")
def _flip(x, *, axis):
    return jnp.flip(x, axis)


@register("one_hot", SHAPE, "integer x as one-hot vectors along a new axis (out-of-range ids: all zeros)")
def _one_hot(x, *, num_classes, dtype, axis=-1):
    return jax.nn.one_hot(x, num_classes, dtype=dtype, axis=axis)


@register("constant", SOURCE, "a literal tensor: value is a number or nested tuples")
def _constant(*, value, dtype):
    return jnp.asarray(np.asarray(value, dtype=dtype))


@register("full_like", SOURCE, "a tensor of x's shape filled with value")
def _full_like(x, *, value, dtype):
    return jnp.full(x.shape, value, dtype=dtype)


@register("dimension_size", SHAPE, "the size of axis `axis` of x, as a scalar (known at run time for `?` sizes)")
def _dimension_size(x, *, axis, dtype):
    return jnp.asarray(x.shape[axis], dtype)


@register("stop_gradient", SHAPE, "x, with no gradient flowing back")
def _stop_gradient(x):
    import jax

    return jax.lax.stop_gradient(x)
