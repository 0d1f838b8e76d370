"""Dtype policies (mixed precision), as Keras 3's `keras.dtype_policies` / `keras.mixed_precision`.

A policy names the dtype a layer computes in and the dtype its variables are stored in:
"mixed_float16" and "mixed_bfloat16" compute in 16 bits and keep float32 variables, which a
traced layer reads through `cast` ops (so the casts are in the IR, where `irdump` shows them).

>>> policy = DTypePolicy("mixed_bfloat16")
>>> policy.compute_dtype, policy.variable_dtype
('bfloat16', 'float32')
"""
from __future__ import annotations

from ..ir import canonical_dtype
from . import config

_MIXED = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}
_global = {"policy": None}  # the documented global setting, beside kerax.config's


class DTypePolicy:
    """A layer's compute and variable dtypes; `None` means the global policy.

    >>> DTypePolicy("float16").variable_dtype
    'float16'
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: 'name' must be a string, such as 'mixed_float16'; received name={name!r} "
                            f"(of type {type(name).__name__})")
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)

    @staticmethod
    def _parse_name(name: str):
        if name in _MIXED:
            return _MIXED[name]
        try:
            dtype = canonical_dtype(name)
        except (TypeError, ValueError):
            raise ValueError(f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies include "
                             "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
                             "'float32'") from None
        return dtype, dtype

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and self._name == other._name

    def __hash__(self):
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """Keras's older name for `DTypePolicy`."""


Policy = DTypePolicy  # keras.mixed_precision.Policy


def dtype_policy() -> DTypePolicy:
    """The global policy: the one set by `set_dtype_policy`, else `floatx()`.

    >>> dtype_policy().name
    'float32'
    """
    return _global["policy"] or DTypePolicy(config.floatx())


def set_dtype_policy(policy) -> None:
    """Set the global policy (a name or a DTypePolicy) of the layers created afterwards.

    >>> set_dtype_policy("mixed_bfloat16"); dtype_policy().compute_dtype
    'bfloat16'
    >>> set_dtype_policy("float32")
    """
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(f"set_dtype_policy: invalid `policy` argument; expected the name of a policy (such as "
                         f"'mixed_float16') or a `DTypePolicy` instance, received policy={policy!r} "
                         f"(of type {type(policy).__name__})")
    _global["policy"] = policy


def reset_dtype_policy() -> None:
    """Back to the default policy (floatx); `clear_session` calls it, as Keras's does."""
    _global["policy"] = None


global_policy = dtype_policy            # keras.mixed_precision.global_policy
set_global_policy = set_dtype_policy    # keras.mixed_precision.set_global_policy


def get(identifier) -> DTypePolicy:
    """A policy from None (the global one), a name, a config dict or a policy.

    >>> get("mixed_float16").compute_dtype
    'float16'
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) or hasattr(identifier, "name") or hasattr(identifier, "kind"):
        return DTypePolicy(identifier if isinstance(identifier, str) else canonical_dtype(identifier))
    raise ValueError(f"Cannot interpret `dtype` argument: expected a dtype name, a policy name such as "
                     f"'mixed_float16', or a DTypePolicy; received {identifier!r}")


def serialize(policy: DTypePolicy) -> dict:
    """A policy as Keras 3 writes it into a layer config."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(), "registered_name": None}


def deserialize(config_: dict, custom_objects=None) -> DTypePolicy:
    """The inverse of `serialize`."""
    if config_.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        raise ValueError(f"dtype_policies.deserialize: expected a DTypePolicy config, received {config_!r}")
    return DTypePolicy.from_config(config_.get("config", {}))
