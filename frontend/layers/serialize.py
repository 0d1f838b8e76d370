"""`keras.layers.serialize` / `deserialize`: a layer to and from its Keras 3 config."""
from __future__ import annotations


def serialize(layer) -> dict:
    """A layer's config as Keras 3 writes it (module, class_name, config, registered_name).

    >>> kerax.layers.serialize(kerax.layers.Dense(2))["class_name"]  # doctest: +SKIP
    'Dense'
    """
    from ..saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config: dict, custom_objects: dict | None = None):
    """A layer from its config; `custom_objects` names classes that are not registered.

    >>> kerax.layers.deserialize(kerax.layers.serialize(kerax.layers.Dense(2))).units  # doctest: +SKIP
    2
    """
    from ..saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)
