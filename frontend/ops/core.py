"""kerax.ops.core: control flow, scatter and slices, segments, dtypes (Keras 3's core ops).

Control flow and a traced model: the IR holds no Python functions (an op's attributes are
literals), so a loop or branch whose *decision* is a symbolic tensor cannot be recorded, and
raises an error naming the op. What can be decided while tracing is run in Python at trace
time, recording the ops of the branch taken or of every iteration:

- `cond` / `switch` with a concrete predicate / index take that branch;
- `fori_loop` with Python int bounds, and `scan` / `map` over a known leading length, unroll.

On arrays (eager code, or raw JAX inside a layer) they are `jax.lax`'s own.

>>> kerax.ops.fori_loop(0, 3, lambda i, x: x + i, 0)
6
"""
from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from . import numpy as knp
from .numpy_math import op

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "map", "associative_scan", "vectorized_map",
           "custom_gradient", "is_tensor", "dtype", "saturate_cast", "scatter", "scatter_update", "slice",
           "slice_update", "segment_sum", "segment_max", "segment_min", "segment_prod", "in_top_k", "cdist",
           "extract_sequences", "fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "view_as_complex",
           "view_as_real", "convert_to_tensor", "convert_to_numpy", "cast", "shape", "stop_gradient", "unstack"]

convert_to_tensor, convert_to_numpy, cast = knp.convert_to_tensor, knp.convert_to_numpy, knp.cast
shape, stop_gradient, unstack = knp.shape, knp.stop_gradient, knp.unstack
_MAX_UNROLL = 1024  # beyond this a trace-time unroll would swamp the graph; say so instead


def _symbolic(value) -> bool:
    from ..keras_tensor import KerasTensor
    from ..tracing import SymbolicTensor

    return builtins.any(isinstance(leaf, (SymbolicTensor, KerasTensor)) for leaf in jax.tree.leaves(value))


def _refuse(name: str, what: str, fix: str):
    raise ValueError(f"kerax.ops.{name}: {what} is a symbolic tensor of a model being built or traced, and the "
                     f"kerax IR cannot hold a loop or branch decided by data; {fix}")


def _concrete_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_, int, np.integer)) or (
        isinstance(value, (np.ndarray, jax.Array)) and not isinstance(value, jax.core.Tracer))


def cond(pred, true_fn, false_fn):
    """`true_fn()` if pred else `false_fn()`.

    >>> kerax.ops.cond(True, lambda: 1, lambda: 2)
    1
    """
    if _symbolic(pred):
        _refuse("cond", "the predicate", "use kerax.ops.where to select between values computed on both sides")
    if _concrete_bool(pred):
        return true_fn() if bool(pred) else false_fn()
    return jax.lax.cond(pred, true_fun=true_fn, false_fun=false_fn)


def switch(index, branches, *operands):
    """`branches[index](*operands)`, the index clamped to the branches, as jax.lax.switch."""
    if _symbolic(index):
        _refuse("switch", "the branch index", "compute every branch and pick with kerax.ops.where or take")
    if _concrete_bool(index):
        return branches[int(np.clip(int(index), 0, len(branches) - 1))](*operands)
    return jax.lax.switch(index, branches, *operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: A002  (Keras's names)
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`, at most
    `maximum_iterations` times; loop_vars is one tensor or a tuple/list of them.

    >>> kerax.ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0)
    Array(12, dtype=int32, weak_type=True)
    """
    if _symbolic(loop_vars):
        _refuse("while_loop", "a loop variable", "use kerax.ops.fori_loop with Python int bounds (unrolled into the "
                "graph) or run the loop on arrays")
    is_tuple = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)
    pack = (lambda out: tuple(out)) if is_tuple else (lambda out: (out,))
    if maximum_iterations is not None:
        def _cond(args): return jnp.logical_and(cond(*args[:-1]), args[-1] < maximum_iterations)
        def _body(args): return pack(body(*args[:-1])) + (args[-1] + 1,)
        out = jax.lax.while_loop(_cond, _body, loop_vars + (0,))[:-1]
    else:
        out = jax.lax.while_loop(lambda args: cond(*args), lambda args: pack(body(*args)), loop_vars)
    return out if is_tuple else out[0]


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for i in [lower, upper). While a model is traced, Python int
    bounds unroll into the graph (at most 1024 iterations).

    >>> kerax.ops.fori_loop(0, 4, lambda i, x: x + i, 0)
    Array(6, dtype=int32, weak_type=True)
    """
    if _symbolic((lower, upper)):
        _refuse("fori_loop", "a bound", "give Python int bounds")
    if _tracing(init_val):
        if not (isinstance(lower, (int, np.integer)) and isinstance(upper, (int, np.integer))):
            _refuse("fori_loop", "the loop", "give Python int bounds, which unroll into the graph")
        if upper - lower > _MAX_UNROLL:
            raise ValueError(f"kerax.ops.fori_loop: {upper - lower} iterations on symbolic tensors would be unrolled "
                             f"into the graph; at most {_MAX_UNROLL} are, received lower={lower}, upper={upper}")
        val = init_val
        for i in range(int(lower), int(upper)):
            val = body_fun(i, val)
        return val
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


def _tracing(value) -> bool:
    """Symbolic operands, or a model trace in progress (the loop body may use its tensors)."""
    from ..tracing import current_trace

    return _symbolic(value) or current_trace() is not None


def _leading_length(name, xs, length):
    sizes = {x.shape[0] for x in jax.tree.leaves(xs)}
    if length is not None:
        sizes.add(int(length))
    if len(sizes) != 1 or None in sizes:
        _refuse(name, "the sequence to loop over has an unknown or inconsistent length "
                f"({sorted(builtins.map(str, sizes))}), so it", "give tensors whose leading axis has a known size")
    size = sizes.pop()
    if size > _MAX_UNROLL:
        raise ValueError(f"kerax.ops.{name}: {size} steps over symbolic tensors would be unrolled into the graph; "
                         f"at most {_MAX_UNROLL} are")
    return size


def _stack_steps(steps):
    if not steps:
        return None
    return jax.tree.map(lambda *xs: knp.stack(list(xs), axis=0), *steps)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """`carry, y = f(carry, x)` over the leading axis of xs; returns (carry, stacked ys), as
    jax.lax.scan. On symbolic tensors of known length it unrolls into the graph."""
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"kerax.ops.scan: `unroll` must be a positive integer or a boolean, received {unroll!r}")
    if not _tracing((init, xs)):
        return jax.lax.scan(f, init=init, xs=xs, length=length, reverse=reverse, unroll=unroll)
    size = _leading_length("scan", xs, length) if xs is not None else int(length)
    carry, ys = init, []
    for i in (reversed(range(size)) if reverse else range(size)):
        x = None if xs is None else jax.tree.map(lambda t: t[i], xs)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, _stack_steps(ys)


def map(f, xs):  # noqa: A001  (Keras's name)
    """`f` applied to each slice of xs along its leading axis, results stacked."""
    if not _tracing(xs):
        return jax.lax.map(f, xs)
    size = _leading_length("map", xs, None)
    return _stack_steps([f(jax.tree.map(lambda t: t[i], xs)) for i in range(size)])


def associative_scan(f, elems, reverse=False, axis=0):
    """Running `f`-reduction (f associative) along `axis`, as jax.lax.associative_scan; on arrays."""
    if _symbolic(elems):
        _refuse("associative_scan", "an element", "use kerax.ops.cumsum / cumprod, or run it on arrays")
    return jax.lax.associative_scan(f, elems, reverse, axis)


def vectorized_map(function, elements):
    """`function` mapped over the leading axis of elements (jax.vmap); on arrays."""
    if _symbolic(elements):
        _refuse("vectorized_map", "an element", "write the function on batched tensors")
    return jax.vmap(function)(elements)


def custom_gradient(f):
    """Decorator: `f` returns (value, grad_fn) and grad_fn gives the gradient, as jax.custom_gradient.
    The result runs on arrays (inside a raw-JAX layer or a custom training step)."""
    wrapped = jax.custom_gradient(f)

    def call(*args, **kwargs):
        from ..variables import Variable

        if _symbolic((args, kwargs)):
            _refuse("custom_gradient", "an argument", "the IR keeps no Python gradient functions")
        args, kwargs = jax.tree.map(lambda v: v.value if isinstance(v, Variable) else v, (args, kwargs),
                                    is_leaf=lambda v: isinstance(v, Variable))
        return wrapped(*args, **kwargs)

    return call


# -- tensors and dtypes -----------------------------------------------------------------------
def is_tensor(x) -> bool:
    """True for the backend's own arrays (JAX arrays), as Keras's is_tensor on JAX."""
    return isinstance(x, jax.Array)


def dtype(x) -> str:
    """x's dtype as Keras's standard string ('float32', 'int32', …)."""
    from ...ir import canonical_dtype

    return canonical_dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)


def saturate_cast(x, dtype):  # noqa: F811  (Keras's argument name)
    """x cast to dtype, values clipped to what dtype holds first (no overflow wrap-around)."""
    from ...ir import canonical_dtype

    return op("saturate_cast", x, dtype=canonical_dtype(dtype))


# -- scatter, slices, segments ------------------------------------------------------------------
def scatter(indices, values, shape):  # noqa: F811
    """Zeros of `shape` with `values` added at `indices` (last index axis: coordinates)."""
    return op("scatter", indices, values, shape=tuple(int(d) for d in shape))


def scatter_update(inputs, indices, updates, reduction=None):
    """inputs with the elements at `indices` set to (or reduced by 'add', 'max', 'min', 'mul' with) updates."""
    if reduction not in (None, "add", "max", "min", "mul"):
        raise ValueError("kerax.ops.scatter_update: argument `reduction` must be None, 'add', 'max', 'min' or "
                         f"'mul', received {reduction!r}")
    return op("scatter_update", inputs, indices, updates, reduction=reduction)


def slice(inputs, start_indices, shape):  # noqa: A001,F811  (Keras's names)
    """The block of `inputs` of `shape` at `start_indices` (-1 in shape: to the end)."""
    starts = [start_indices[i] for i in range(len(inputs.shape))]
    if builtins.any(s == -1 for s in shape):
        if not builtins.all(isinstance(s, (int, np.integer)) for s in starts):
            raise ValueError("kerax.ops.slice: -1 in `shape` needs Python int `start_indices`")
        shape = tuple(inputs.shape[i] - starts[i] if s == -1 else s for i, s in enumerate(shape))
    return op("slice", inputs, *[_index(s) for s in starts], shape=tuple(int(d) for d in shape))


def slice_update(inputs, start_indices, updates):
    """inputs with the block at `start_indices` replaced by `updates`."""
    return op("slice_update", inputs, updates, *[_index(start_indices[i]) for i in range(len(inputs.shape))])


def _index(value):
    return np.int32(value) if isinstance(value, (int, np.integer)) else value


def _segment(reduction, data, segment_ids, num_segments, sorted):  # noqa: A002
    if num_segments is None:
        if _symbolic(segment_ids):
            raise ValueError(f"kerax.ops.segment_{reduction}: inside a model, give `num_segments` (the number of "
                             "segments decides the result's shape)")
        num_segments = int(jnp.max(jnp.asarray(segment_ids))) + 1
    return op("segment_reduce", data, segment_ids, reduction=reduction, num_segments=int(num_segments),
              sorted=bool(sorted))


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    return _segment("sum", data, segment_ids, num_segments, sorted)


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    return _segment("max", data, segment_ids, num_segments, sorted)


def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    return _segment("min", data, segment_ids, num_segments, sorted)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    return _segment("prod", data, segment_ids, num_segments, sorted)


def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the k largest of its row."""
    return op("in_top_k", targets, predictions, k=int(k))


def cdist(x, y):
    """Euclidean distances between the rows of x and of y (batched over leading axes)."""
    if len(x.shape) < 2 or len(y.shape) < 2:
        raise ValueError(f"kerax.ops.cdist: inputs must have rank >= 2, received shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}")
    diff = knp.expand_dims(x, -2) - knp.expand_dims(y, -3)
    return knp.sqrt(knp.sum(diff * diff, axis=-1))


# -- signals ----------------------------------------------------------------------------------
def _pair(name, x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"kerax.ops.{name}: `x` must be a tuple (real, imag) of two float tensors, received {x!r}")
    real, imag = x
    if tuple(real.shape) != tuple(imag.shape):
        raise ValueError(f"kerax.ops.{name}: the real and imaginary parts must have one shape, received "
                         f"{tuple(real.shape)} and {tuple(imag.shape)}")
    return real, imag


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` every `sequence_stride` along the last axis."""
    return op("extract_sequences", x, sequence_length=int(sequence_length), sequence_stride=int(sequence_stride))


def fft(x): return op("fft", *_pair("fft", x))
def fft2(x): return op("fft2", *_pair("fft2", x))
def ifft2(x): return op("ifft2", *_pair("ifft2", x))
def rfft(x, fft_length=None): return op("rfft", x, fft_length=None if fft_length is None else int(fft_length))


def irfft(x, fft_length=None):
    return op("irfft", *_pair("irfft", x), fft_length=None if fft_length is None else int(fft_length))


def _window(window, sequence_length):
    if window is None or isinstance(window, str):
        if isinstance(window, str) and window not in ("hann", "hamming"):
            raise ValueError(f"kerax.ops.stft: a string `window` must be 'hann' or 'hamming', received {window!r}")
        return window
    values = tuple(float(v) for v in np.ravel(np.asarray(window)))
    if len(values) != sequence_length:
        raise ValueError(f"kerax.ops.stft: `window` must have sequence_length={sequence_length} values, "
                         f"received {len(values)}")
    return values


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform: (real, imag), each (..., frames, fft_length // 2 + 1)."""
    if fft_length < sequence_length:
        raise ValueError(f"kerax.ops.stft: `fft_length` must be >= `sequence_length`, received "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    return op("stft", x, sequence_length=int(sequence_length), sequence_stride=int(sequence_stride),
              fft_length=int(fft_length), window=_window(window, sequence_length), center=bool(center))


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse of stft: the signal from (real, imag)."""
    return op("istft", *_pair("istft", x), sequence_length=int(sequence_length),
              sequence_stride=int(sequence_stride), fft_length=int(fft_length),
              length=None if length is None else int(length), window=_window(window, sequence_length),
              center=bool(center))


def view_as_complex(x):
    """A (..., 2) float tensor as complex numbers (real, imag on the last axis)."""
    if x.shape[-1] != 2:
        raise ValueError(f"kerax.ops.view_as_complex: the last axis must have size 2, received {tuple(x.shape)}")
    return op("complex", x[..., 0], x[..., 1])


def view_as_real(x):
    """Complex numbers as a (..., 2) float tensor (real, imag)."""
    return knp.stack([op("real", x), op("imag", x)], axis=-1)
