"""Tracing: running layer code on symbolic tensors records IR nodes.

Every kerax op goes through `apply_op`. It records a node when an operand is symbolic (or a
variable is read inside a trace), adds a layer to the functional graph when an operand is a
KerasTensor, and otherwise runs the op's JAX rule at once on concrete arrays.
"""
from __future__ import annotations

import functools
import os
import sys
import threading

import jax
import jax.numpy as jnp
import numpy as np

from ..ir import GraphBuilder, Provenance, TensorType, canonical_dtype, registry
from ..ir.collector import collector_paused
from . import config
from .operators import TensorOperators

_state = threading.local()
_KERAX_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL = tuple(os.path.join(_KERAX_ROOT, d) + os.sep for d in ("frontend", "ir", "passes", "lowering", "runtime"))


def _stack() -> list:
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


def current_trace():
    stack = _stack()
    return stack[-1] if stack else None


class outside_trace:
    """Run code on arrays while a trace is open (an opaque node's body): no trace is current."""

    def __enter__(self):
        _stack().append(None)

    def __exit__(self, *exc):
        _stack().pop()


class SymbolicTensor(TensorOperators):
    """A tensor inside a trace: an IR value plus the trace it belongs to."""

    __slots__ = ("trace", "value", "keras_mask")

    def __init__(self, trace, value):
        self.trace = trace
        self.value = value
        self.keras_mask = None

    @property
    def shape(self) -> tuple:
        return self.value.type.shape

    @property
    def dtype(self) -> str:
        return self.value.type.dtype

    @property
    def ndim(self) -> int:
        return self.value.type.rank

    def __repr__(self):
        return f"<SymbolicTensor {self.value.type}>"

    def __bool__(self):
        raise TypeError("A symbolic tensor has no truth value while tracing: use kerax.ops.where or "
                        "kerax.ops.cond instead of Python `if` on tensor values.")

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError("len() of a symbolic tensor with an unknown first dimension")

    def __iter__(self):
        raise TypeError("Iterating over a symbolic tensor is not supported: index it or use kerax.ops.unstack")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("A SymbolicTensor has no value while tracing: NumPy/JAX code on it runs as an opaque node")


_ABSENT = object()  # a key that was not in the map before a write


class Trace:
    """One tracing session: the graph being built and the variables it reads and writes."""

    def __init__(self, name: str, training: bool = False):
        self.builder = GraphBuilder(name)
        self.training = training
        self.reads = {}      # Variable -> its graph input value
        self.current = {}    # Variable -> its latest value (after assigns)
        self.assigned = {}   # Variable -> new value, in order of first assignment
        self.losses = []
        self.layers = []     # stack of layer names, for provenance
        self.training_stack = []  # explicit `training=` of enclosing layer calls (None: inherit)
        self.autocast = []   # per enclosing layer call: the dtype its variables are read in, or None
        self.names = {}      # Variable -> its (unique) graph input name
        self.taken = set()   # the values of `names`, for a constant-time uniqueness check
        self.sources = []    # user source lines of the functional-API calls being replayed
        self.salt = 0
        # (mapping, key, previous value or _ABSENT) for every write to reads/current/assigned/
        # names/taken, so that a checkpoint is a length and not a copy of those maps: copying
        # them at every layer call made tracing quadratic in the number of layers.
        self._undo = []

    def __enter__(self):
        self._paused = collector_paused()  # while the trace runs (ir/collector.py says why)
        self._paused.__enter__()
        _stack().append(self)
        return self

    def __exit__(self, *exc):
        _stack().pop()
        self._paused.__exit__(*exc)

    def input(self, shape, dtype, name) -> SymbolicTensor:
        value = self.builder.add_input(TensorType(tuple(shape), canonical_dtype(dtype)), "input", name)
        return SymbolicTensor(self, value)

    def read(self, variable):
        if variable in self.current:
            return self.current[variable]
        name, n = variable.path, 1
        while name in self.taken:  # two variables with one path (user-named layers): keep both
            n += 1
            name = f"{variable.path}#{n}"
        self._set(self.names, variable, name)
        self._undo.append((self.taken, name, _ABSENT))
        self.taken.add(name)
        value = self.builder.add_input(
            TensorType(tuple(variable.shape), variable.dtype), variable.kind, name,
            trainable=variable.trainable and variable.kind == "param", initializer=variable.initializer_name)
        self._set(self.reads, variable, value)
        self._set(self.current, variable, value)
        return value

    def _set(self, mapping: dict, key, value) -> None:
        self._undo.append((mapping, key, mapping.get(key, _ABSENT)))
        mapping[key] = value

    def assign(self, variable, new) -> None:
        value = self.to_value(new, variable.dtype)
        if value.type.shape != tuple(variable.shape) or value.type.dtype != variable.dtype:
            raise ValueError(f"Assigning to variable '{variable.path}': expected {variable.dtype}{list(variable.shape)}, "
                             f"received {value.type}")
        self.read(variable)
        self._set(self.current, variable, value)
        self._set(self.assigned, variable, value)

    def add_loss(self, loss) -> None:
        value = self.to_value(loss)
        if value.type.shape != ():
            value = self.emit("sum", [value], {"axis": None, "keepdims": False})[0].value
        self.losses.append(value)

    def checkpoint(self) -> tuple:
        """What `rollback` needs to forget everything recorded after this point."""
        b = self.builder
        return len(b.inputs), len(b.nodes), len(b.callables), len(self._undo), len(self.losses), self.salt

    def rollback(self, mark: tuple) -> None:
        b = self.builder
        n_inputs, n_nodes, n_callables, n_undo, n_losses, self.salt = mark
        del b.inputs[n_inputs:], b.nodes[n_nodes:], b.callables[n_callables:], self.losses[n_losses:]
        while len(self._undo) > n_undo:
            mapping, key, previous = self._undo.pop()
            if isinstance(mapping, set):
                mapping.discard(key)
            elif previous is _ABSENT:
                del mapping[key]
            else:
                mapping[key] = previous

    def next_salt(self) -> int:
        self.salt += 1
        return self.salt

    def provenance(self) -> Provenance:
        source = self.sources[-1] if self.sources else user_source_line()
        return Provenance("/".join(self.layers), source)

    def emit(self, op: str, operands, attrs: dict) -> list:
        values = [self.to_value(o) for o in operands]
        outs = self.builder.emit(op, values, attrs, self.provenance())
        return [SymbolicTensor(self, v) for v in outs]

    def to_value(self, x, dtype=None):
        if isinstance(x, SymbolicTensor):
            if x.trace is not self:
                raise ValueError("A tensor from another trace was used here: symbolic tensors cannot "
                                 "cross from one model trace into another")
            return x.value
        if isinstance(x, _late_imports().Variable):
            value = self.read(x)
            return self._autocast(x, value) if self.autocast and self.autocast[-1] else value
        array = np.asarray(x, dtype=dtype)
        array = array.astype(narrow(array.dtype), copy=False)
        if array.ndim:  # arrays go to the constant pool: an inline 256x256 prints 1.35 million characters
            return self.builder.add_constant(array)
        return self.builder.emit("constant", [], {"value": array.item(), "dtype": array.dtype.name},
                                 self.provenance())[0]

    def _autocast(self, variable, value):
        """A float variable read inside a mixed-precision layer: a `cast` to its compute dtype."""
        dtype = self.autocast[-1]
        if variable.dtype == dtype or not jnp.issubdtype(variable.dtype, jnp.floating):
            return value
        return self.builder.emit("cast", [value], {"dtype": dtype}, self.provenance())[0]

    def finish(self, outputs, output_names):
        updates = [(self.names[variable], value) for variable, value in self.assigned.items()]
        return self.builder.finish([self.to_value(o) for o in outputs], output_names, updates, self.losses)


def narrow(dtype) -> str:
    """64-bit host numbers become the 32-bit types JAX computes in."""
    return {"float64": config.floatx(), "int64": "int32", "uint64": "uint32"}.get(np.dtype(dtype).name, np.dtype(dtype).name)


def user_source_line() -> str:
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_INTERNAL) and os.sep + "jax" + os.sep not in filename and not filename.startswith("<"):
            return f"{os.path.basename(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return ""


@functools.cache
def _late_imports():
    """The frontend types this module meets, imported on first use: their modules import this
    one. (An import statement in a function costs a microsecond or two at each call, and
    tracing calls `apply_op` for every op.)"""
    from types import SimpleNamespace

    from .keras_tensor import KerasTensor, functional_op
    from .variables import Variable

    return SimpleNamespace(KerasTensor=KerasTensor, functional_op=functional_op, Variable=Variable)


def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)


def _scalar_dtype(x, operands):
    """Python numbers take the dtype of the tensors they meet, as JAX's weak types do."""
    kinds = [o.dtype for o in operands if isinstance(o, SymbolicTensor) or hasattr(o, "path")]
    if isinstance(x, bool):
        return "bool"
    for dtype in kinds:
        if isinstance(x, float) and not np.issubdtype(np.dtype(dtype), np.floating) and dtype != "bfloat16":
            continue
        return dtype
    return config.floatx() if isinstance(x, float) else "int32"


def apply_op(op: str, *operands, **attrs):
    """Apply IR op `op`: record it in a trace, add it to a functional graph, or run it now.

    >>> apply_op("add", np.ones(2), 1.0)  # doctest: +SKIP
    Array([2., 2.], dtype=float32)
    """
    late = _late_imports()
    Variable = late.Variable
    if any(isinstance(o, late.KerasTensor) for o in operands):
        return late.functional_op(op, operands, attrs)
    trace = next((o.trace for o in operands if isinstance(o, SymbolicTensor)), None)
    if trace is None and any(isinstance(o, Variable) for o in operands):
        trace = current_trace()
    if trace is not None:
        converted = [
            SymbolicTensor(trace, trace.to_value(o, _scalar_dtype(o, operands))) if isinstance(o, (int, float, bool)) else o
            for o in operands
        ]
        outs = trace.emit(op, converted, attrs)
        return outs[0] if len(outs) == 1 else tuple(outs)
    rule = registry.get(op).lower
    arrays = [o.value if isinstance(o, Variable) else o for o in operands]
    arrays = [jnp.asarray(a, narrow(a.dtype)) if isinstance(a, np.ndarray) else a for a in arrays]
    return rule(*arrays, **attrs)


def concrete(x):
    """A JAX array for anything concrete: arrays, numbers, variables."""
    if isinstance(x, _late_imports().Variable):
        return x.value
    if isinstance(x, np.ndarray):
        return jnp.asarray(x, narrow(x.dtype))
    return x if isinstance(x, jax.Array) else jnp.asarray(x)
