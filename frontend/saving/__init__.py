"""kerax.saving: Keras 3's files, both ways (`.keras`, `.weights.h5`, legacy `.h5`), custom
object registration and config (de)serialization.

>>> model.save("model.keras")  # doctest: +SKIP
>>> same = kerax.saving.load_model("model.keras")  # doctest: +SKIP
"""
from .api import load_model, load_weights, model_from_json, save_model, save_weights
from .errors import SavingError
from .registry import (CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
                       get_registered_object, register_keras_serializable)
from .serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["CustomObjectScope", "SavingError", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model", "load_weights",
           "model_from_json", "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object"]
