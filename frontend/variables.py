"""Variables: the Keras-visible weights and state of layers, optimizers and metrics.

While a training run holds the state on device, a variable reads and writes through its
holder (`runtime.DeviceState`), so the arrays are copied back only when user code looks.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..ir import canonical_dtype
from .operators import TensorOperators
from .tracing import current_trace

# What a variable is, as the IR sees it (see ir.graph.INPUT_KINDS).
KINDS = ("param", "state", "rng")


class Variable(TensorOperators):
    """A named, mutable tensor.

    >>> v = Variable(np.zeros((2,)), name="bias", path="dense/bias")
    >>> v.assign(np.ones((2,)))
    >>> v.numpy()
    array([1., 1.], dtype=float32)
    """

    def __init__(self, value, *, name: str, path: str | None = None, trainable: bool = True, kind: str = "param",
                 dtype=None, initializer_name: str = "", constraint=None, regularizer=None):
        if kind not in KINDS:
            raise ValueError(f"Variable kind: expected one of {KINDS}, received {kind!r}")
        dtype = canonical_dtype(dtype or getattr(value, "dtype", "float32"))
        self._value = to_device(value, dtype)
        self.name = name
        self.path = path or name
        self.kind = kind
        self._trainable = bool(trainable) and kind == "param"
        self.initializer_name = initializer_name
        self.constraint = constraint
        self.regularizer = regularizer
        self._holder = None

    # -- value --------------------------------------------------------------------------------
    @property
    def value(self):
        return self._holder.read(self) if self._holder is not None else self._value

    def _set(self, array) -> None:
        if self._holder is not None:
            self._holder.write(self, array)
        else:
            self._value = array

    def assign(self, value) -> None:
        from .tracing import SymbolicTensor

        trace = value.trace if isinstance(value, SymbolicTensor) else current_trace()
        if trace is not None:  # inside a trace an assignment is a graph update
            trace.assign(self, value)
            return
        array = to_device(value.value if isinstance(value, Variable) else value, self.dtype)
        if array.shape != self.shape:
            raise ValueError(f"Assigning to variable '{self.path}': expected shape {self.shape}, received {array.shape}")
        self._set(array)

    def assign_add(self, delta) -> None:
        self.assign(self + delta)

    def assign_sub(self, delta) -> None:
        self.assign(self - delta)

    def numpy(self) -> np.ndarray:
        return np.asarray(self.value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)

    def __jax_array__(self):
        return self.value

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    # -- static facts -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self._value.shape) if self._holder is None else tuple(self.value.shape)

    @property
    def dtype(self) -> str:
        return canonical_dtype(self._value.dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value) and self.kind == "param"

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):  # identity, as a dict key; elementwise equality is kerax.ops.equal
        return self is other


class holding:
    """Variables holding the given arrays while stateful user code runs on them (a Metric's
    update_state, an opaque layer call), then their own values again.

    >>> with holding([v], [jnp.ones(2)]):
    ...     v.numpy()
    array([1., 1.], dtype=float32)
    """

    def __init__(self, variables, values):
        self.variables, self.values = list(variables), list(values)

    def __enter__(self):
        self.saved = [(v._holder, v._value) for v in self.variables]
        for variable, value in zip(self.variables, self.values):
            variable._holder, variable._value = None, jnp.asarray(value, variable.dtype)
        return [v._value for v in self.variables]

    def __exit__(self, *exc):
        for variable, (holder, value) in zip(self.variables, self.saved):
            variable._holder, variable._value = holder, value


def variable_values(variables) -> list:
    return [v.value for v in variables]


def to_device(value, dtype):
    """An array of `dtype` on the device. Host values are converted on the host and transferred:
    a conversion on the device would compile a program of its own for every shape."""
    if isinstance(value, jax.core.Tracer):
        return jnp.asarray(value, dtype=dtype)
    if isinstance(value, jax.Array) and value.dtype == dtype:
        return value
    return jax.device_put(np.asarray(value, dtype=dtype))
