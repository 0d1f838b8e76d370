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
    """A wrapped layer as Keras nests it in a wrapper's config (module, class_name, config)."""
    from ...saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize_layer(entry: dict, owner: str):
    """A layer from its config, written by kerax or by Keras 3 (kerax.saving finds the class)."""
    from ...layers.layer import Layer
    from ...saving.serialization import deserialize_keras_object

    layer = deserialize_keras_object(entry, where=owner)
    if not isinstance(layer, Layer):
        raise ValueError(f"{owner}.from_config: expected the config of a layer, received {entry!r}")
    return layer
