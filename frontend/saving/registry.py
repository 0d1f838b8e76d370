"""Custom objects: the global registry filled by `register_keras_serializable`, and the
scopes opened by `custom_object_scope`, consulted (innermost first) when a config names a
class kerax does not know."""
from __future__ import annotations

import contextlib

_REGISTERED: dict[str, object] = {}      # "package>Name" -> class or function
_REGISTERED_NAMES: dict[int, str] = {}   # id(object) -> "package>Name"
_SCOPES: list[dict] = []


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Register a class or function under "package>name" so that configs naming it load.

    >>> @kerax.saving.register_keras_serializable(package="demo")
    ... class Scale(kerax.layers.Layer):
    ...     pass
    >>> kerax.saving.get_registered_name(Scale)
    'demo>Scale'
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: argument `package` must be a string without '>', received "
                         f"{package!r}")

    def decorator(obj):
        key = f"{package}>{name or getattr(obj, '__name__', None)}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: class {obj.__name__} cannot be registered: it has no "
                             "get_config() method")
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[id(obj)] = key
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name `obj` was registered under, else its own `__name__`."""
    return _REGISTERED_NAMES.get(id(obj), getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None):
    """The object a config names: from the open scopes, `custom_objects`, the registry, then
    `module_objects`; None when none of them has it."""
    for scope in reversed(_SCOPES):
        if name in scope:
            return scope[name]
    for table in (custom_objects or {}, _REGISTERED, module_objects or {}):
        if name in table:
            return table[name]
    return None


def get_custom_objects() -> dict:
    """The live global registry, as Keras's `get_custom_objects` (edits register objects)."""
    return _REGISTERED


class CustomObjectScope:
    """Within the scope, configs may name these objects.

    >>> with kerax.saving.CustomObjectScope({"Scale": Scale}):  # doctest: +SKIP
    ...     model = kerax.models.load_model("scaled.keras")
    """

    def __init__(self, *custom_objects):
        self.custom_objects = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError(f"CustomObjectScope: expected dicts of name -> object, received {objects!r}")
            self.custom_objects.update(objects)

    def __enter__(self):
        _SCOPES.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.pop()


custom_object_scope = CustomObjectScope


@contextlib.contextmanager
def scope_of(custom_objects: dict | None):
    """`custom_objects=` of a loader, as a scope for the whole load."""
    with CustomObjectScope(custom_objects or {}):
        yield
