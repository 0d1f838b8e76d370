"""Configs of the recurrent layers: the objects a config holds, as Keras config dicts and back."""
from __future__ import annotations

from ... import initializers

__all__ = []


def serialize_object(obj):
    """A regularizer or constraint as a Keras config dict (None stays None; a plain function, which
    has no config, stays itself).

    >>> serialize_object(kerax.regularizers.L2(0.1))["class_name"]
    'L2'
    """
    if obj is None or not hasattr(obj, "get_config"):
        return obj
    return {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": obj.get_config()}


def serialize_initializer(obj):
    """An initializer as a Keras config dict; a plain function stays itself."""
    return initializers.serialize(obj) if isinstance(obj, initializers.Initializer) else obj


def serialize_layer(layer) -> dict:
    """A wrapped layer as {"class_name", "config"}, as Keras nests it in a wrapper's config."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(entry: dict, owner: str):
    """A layer from {"class_name", "config"}, the class looked up among kerax.layers."""
    from ... import layers

    cls = getattr(layers, entry["class_name"], None)
    if not isinstance(cls, type):
        raise ValueError(f"{owner}.from_config: unknown layer class {entry['class_name']!r}; expected a class of "
                         "kerax.layers")
    return cls.from_config(entry["config"])
