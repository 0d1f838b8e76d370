"""Keras identifiers -> objects, and objects -> the config dicts Keras writes for them.

One rule for regularizers and constraints: a name, a Keras config dict, a class, an object or a
plain callable (used as is).

>>> from kerax.frontend import lookup, regularizers
>>> lookup.resolve("l2", kind="regularizer", base=regularizers.Regularizer, by_name=regularizers._BY_NAME).l2
0.01
"""
from __future__ import annotations


def resolve(identifier, *, kind: str, base: type, by_name: dict):
    if identifier is None or isinstance(identifier, base):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, str):
        if identifier not in by_name:
            raise ValueError(f"Unknown {kind} {identifier!r}: expected one of {sorted(by_name)}")
        return by_name[identifier]()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        if name not in by_name:
            raise ValueError(f"Unknown {kind} class {name!r} in config {identifier}: expected one of {sorted(by_name)}")
        return by_name[name].from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret {kind}: expected a name, config, class or {base.__name__}, "
                     f"received {identifier!r}")


def serialize(obj):
    """Keras's config dict for an object with get_config (None for None); the module is the
    Keras one the object's class names (`keras_module`), so Keras reads the config back."""
    if obj is None:
        return None
    return {"module": getattr(obj, "keras_module", type(obj).__module__), "class_name": type(obj).__name__,
            "config": obj.get_config(), "registered_name": None}
