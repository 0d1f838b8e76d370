"""kerax.backend: Keras 3's `keras.backend` — the configured floatx / epsilon / data format,
dtype helpers, name uids and session clearing. The backend is always JAX.

>>> kerax.backend.standardize_dtype(float)
'float32'
>>> kerax.backend.result_type("int32", "float16")
'float16'
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import naming
from .config import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,  # noqa: F401
                     set_image_data_format)

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
           "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon", "set_floatx", "set_image_data_format",
           "standardize_dtype"]

# JAX computes in 32 bits: Python ints are int32 there, as Keras says on its JAX backend.
_PYTHON_TYPES = {int: "int32", float: "float32", bool: "bool", str: "string"}


def standardize_dtype(dtype) -> str:
    """A dtype given as a string, Python type, NumPy or JAX dtype -> Keras's name ('float32', …);
    None means floatx."""
    if dtype is None:
        return floatx()
    if dtype == "int":
        return "int32"
    if dtype in _PYTHON_TYPES:
        return _PYTHON_TYPES[dtype]
    if dtype == "string":
        return "string"
    name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
    if name in ("float", "uint", "complex", "object"):  # NumPy would read these as 64-bit types
        raise ValueError(f"Invalid dtype: {name}")
    try:
        return np.dtype(name).name if name != "bfloat16" else name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype!r}") from None


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes) -> str:
    """The dtype an op on these dtypes gives, by JAX's promotion with Python scalars weak
    (`int32` with a Python float is floatx); no arguments give floatx.

    >>> kerax.backend.result_type("int32", float)
    'float32'
    """
    if not dtypes:
        return floatx()
    weak = {float: floatx(), int: None, bool: None}
    strong = [standardize_dtype(d) for d in dtypes if d not in weak]
    if float in dtypes and not any(is_float_dtype(d) for d in strong):
        strong.append(floatx())
    if not strong:
        strong = ["int32"] if int in dtypes else ["bool"]
    return standardize_dtype(jnp.result_type(*[jnp.dtype(d) for d in strong]))


def is_keras_tensor(x) -> bool:
    """True for the symbolic tensors of the functional API (`kerax.Input(...)` and what flows from it)."""
    from .keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, … for each call with this prefix in the session (reset by clear_session)."""
    name = naming.unique_name(f"uid:{prefix}")
    return 1 if name == f"uid:{prefix}" else int(name.rsplit("_", 1)[1]) + 1


def clear_session(free_memory: bool = True) -> None:
    """Reset the session's name counters (`dense`, `dense_1`, … start again) and the global
    dtype policy, as Keras's does; with free_memory, also drop JAX's compilation caches."""
    from .dtype_policies import reset_dtype_policy

    naming.clear_session()
    reset_dtype_policy()
    if free_memory:
        import gc

        import jax

        jax.clear_caches()
        gc.collect()
