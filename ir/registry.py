"""The op registry: the one place that knows an op.

Each op has a JAX lowering rule; its shape/dtype rule is, unless given, the abstract evaluation
of that lowering rule over symbolic sizes, so the two can never disagree. Its cost (FLOPs,
bytes) comes from the op's group unless the op gives its own.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

from .types import TensorType, canonical_dtype

# Op groups: what the cost model and the passes need to know about an op.
ELEMENTWISE = "elementwise"  # one output element per input element, ~1 FLOP each
REDUCE = "reduce"            # reads every input element once
SHAPE = "shape"              # moves or reinterprets data, no arithmetic
CONTRACTION = "contraction"  # dot / conv: FLOPs given by the op
RANDOM = "random"            # draws from a key: never merged or folded
COMPOSITE = "composite"      # a larger computation (softmax, attention, recurrence)
SOURCE = "source"            # makes a value from attrs alone (constants)
OPAQUE = "opaque"            # user code kerax could not trace: passes leave it alone

# The ops XLA lowers to its convolution instruction (loop strategy rules read this).
CONVOLUTIONS = frozenset({"conv", "conv_transpose"})
# The ops that lower to a loop over time (`lax.scan`, an XLA while loop) (loop strategy rules read this).
RECURRENCES = frozenset({"simple_rnn", "gru", "lstm"})


@dataclass(frozen=True)
class OpDef:
    name: str
    lower: Callable          # (*jax arrays, **attrs) -> array or tuple of arrays
    group: str
    doc: str
    infer: Callable | None = None  # (*TensorType, **attrs) -> list[TensorType]
    flops: Callable | None = None  # (in_types, out_types, attrs, symbol_size) -> int

    @property
    def pure(self) -> bool:
        return self.group not in (RANDOM, OPAQUE)


_REGISTRY: dict[str, OpDef] = {}


def register(name: str, group: str, doc: str, infer=None, flops=None):
    """Decorator: register `fn` as the lowering rule of op `name`."""

    def wrap(fn):
        if name in _REGISTRY:
            raise ValueError(f"Op {name!r} is registered twice")
        _REGISTRY[name] = OpDef(name, fn, group, doc, infer, flops)
        return fn

    return wrap


def get(name: str) -> OpDef:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"Unknown op {name!r}: expected one of the registered ops "
                       f"({len(_REGISTRY)} known, e.g. {sorted(_REGISTRY)[:8]})") from None


def all_ops() -> dict:
    return dict(_REGISTRY)


def infer_types(name: str, in_types: tuple, attrs: tuple) -> list:
    """Output types of `name` applied to `in_types`: cached, since tracing asks often."""
    return list(_infer_cached(name, tuple(in_types), tuple(attrs)))


@functools.lru_cache(maxsize=8192)
def _infer_cached(name, in_types, attrs):
    op = get(name)
    kwargs = dict(attrs)
    if op.infer is not None:
        return tuple(op.infer(*in_types, **kwargs))
    return tuple(_abstract_eval(op, in_types, kwargs))


def _abstract_eval(op: OpDef, in_types, attrs) -> list:
    return abstract_eval(lambda *xs: op.lower(*xs, **attrs), in_types)


def abstract_eval(fn, in_types) -> list:
    """Result types of `fn` (JAX arrays in, an array or a tuple of arrays out) on `in_types`."""
    import jax
    from jax import export

    # Every unknown size at axis i shares the symbol d{i} (axis 0 is the batch): values that
    # meet in one op and both come from a `?` at the same axis are taken to agree, as Keras does.
    rank = max((t.rank for t in in_types), default=0)
    scope = export.SymbolicScope()
    symbols = export.symbolic_shape(",".join(f"d{i}" for i in range(max(rank, 1))), scope=scope)
    specs = [
        jax.ShapeDtypeStruct(tuple(symbols[i] if d is None else d for i, d in enumerate(t.shape)),
                             _jax_dtype(t.dtype))
        for t in in_types
    ]
    out = jax.eval_shape(fn, *specs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [
        TensorType(tuple(d if isinstance(d, int) else None for d in o.shape), canonical_dtype(o.dtype))
        for o in outs
    ]


def _jax_dtype(name: str):
    import jax.numpy as jnp

    return jnp.dtype(name)


def cost(name: str, in_types, out_types, attrs, symbol_size: int = 1) -> tuple[int, int]:
    """(FLOPs, bytes moved) of one op application, symbolic sizes taken as `symbol_size`."""
    op = get(name)
    moved = sum(t.num_elements(symbol_size) * t.itemsize for t in (*in_types, *out_types))
    if op.flops is not None:
        return int(op.flops(in_types, out_types, dict(attrs), symbol_size)), moved
    if op.group == ELEMENTWISE:
        return sum(t.num_elements(symbol_size) for t in out_types), moved
    if op.group in (REDUCE, COMPOSITE):
        return sum(t.num_elements(symbol_size) for t in in_types), moved
    return 0, moved
