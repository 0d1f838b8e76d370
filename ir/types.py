"""Tensor types of the IR: shape (None for symbolic sizes), dtype and an optional sharding."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

# Short dtype names used by the printer; the parser reads them back.
DTYPE_SHORT = {
    "float16": "f16", "bfloat16": "bf16", "float32": "f32", "float64": "f64",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "bool": "bool", "complex64": "c64",
}
DTYPE_LONG = {short: long for long, short in DTYPE_SHORT.items()}

Dim = "int | None"
# A sharding names, per dimension, the mesh axes it is split over (an empty tuple: replicated).
Sharding = "tuple[tuple[str, ...], ...]"


@functools.lru_cache(maxsize=None)
def _dtype_name(dtype) -> str:
    return np.dtype(dtype).name  # NumPy computes `name` in Python each time: a trace asks thousands of times


def canonical_dtype(dtype) -> str:
    """The IR's name of a dtype given as a string, numpy dtype or JAX dtype."""
    name = _dtype_name(dtype) if not isinstance(dtype, str) else dtype
    if name not in DTYPE_SHORT:
        name = np.dtype(name).name
    if name not in DTYPE_SHORT:
        raise TypeError(f"Unsupported dtype: expected one of {sorted(DTYPE_SHORT)}, received {dtype!r}")
    return name


@dataclass(frozen=True, slots=True)
class TensorType:
    """The static type of an IR value.

    >>> str(TensorType((None, 32), "float32"))
    'f32[?,32]'
    """

    shape: tuple
    dtype: str
    sharding: tuple | None = None

    def __post_init__(self):
        if self.sharding is not None and not any(self.sharding):
            object.__setattr__(self, "sharding", None)  # fully replicated: no annotation
        if self.sharding is not None and len(self.sharding) != len(self.shape):
            raise ValueError(
                f"A sharding names one entry per dimension: expected {len(self.shape)} entries "
                f"for shape {self.shape}, received {self.sharding}")

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def itemsize(self) -> int:
        return 2 if self.dtype == "bfloat16" else np.dtype(self.dtype).itemsize

    def num_elements(self, symbol_size: int = 1) -> int:
        """Element count, with every symbolic dimension taken as `symbol_size`."""
        n = 1
        for d in self.shape:
            n *= symbol_size if d is None else d
        return n

    def with_sharding(self, sharding) -> "TensorType":
        return self if sharding == self.sharding else TensorType(self.shape, self.dtype, sharding)

    def __str__(self) -> str:
        dims = []
        for i, d in enumerate(self.shape):
            text = "?" if d is None else str(d)
            if self.sharding is not None and self.sharding[i]:
                text += "@" + "+".join(self.sharding[i])
            dims.append(text)
        return f"{DTYPE_SHORT[self.dtype]}[{','.join(dims)}]"
