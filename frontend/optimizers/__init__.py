"""Optimizers with Keras 3's names, arguments, defaults, update rules and variable order.

>>> opt = kerax.optimizers.get("adam")
>>> opt.get_config()["learning_rate"]
0.0010000000474974513
"""
from __future__ import annotations

import difflib

from . import schedules
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .base import Optimizer
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale_optimizer import LossScaleOptimizer
from .multi_optimizer import MultiOptimizer, OptimizerMap
from .muon import Muon
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adafactor", "Adamax", "Ftrl",
           "Lamb", "Lion", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap", "Muon", "Nadam", "schedules", "get",
           "serialize", "deserialize"]

# Lower-case names, as Keras's ALL_OBJECTS_DICT: lookups are case-insensitive.
_BY_NAME = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adafactor, Adamax,
                                                   Ftrl, Lamb, Lion, LossScaleOptimizer, MultiOptimizer, Muon, Nadam)}


def _lookup(name: str):
    cls = _BY_NAME.get(name.lower())
    if cls is None:
        hint = difflib.get_close_matches(name.lower(), _BY_NAME, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"Unknown optimizer {name!r}: expected one of {sorted(_BY_NAME)}{suggestion}")
    return cls


def serialize(optimizer: Optimizer) -> dict:
    """An optimizer as Keras 3 writes it into a config.

    >>> serialize(SGD())["class_name"]
    'SGD'
    """
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": optimizer.get_config(),
            "registered_name": None}


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """The inverse of `serialize` (class names are case-insensitive, as in Keras).

    >>> deserialize({"class_name": "adam", "config": {"learning_rate": 0.01}}).get_config()["learning_rate"]
    0.009999999776482582
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"optimizers.deserialize: expected a dict with 'class_name' and 'config', received {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _lookup(name)
    return cls.from_config(dict(config.get("config", {})), custom_objects)


def get(identifier) -> Optimizer:
    """An optimizer from an instance, a name ("adam", "Adam") or a config dict.

    >>> type(get("RMSprop")).__name__
    'RMSprop'
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer: expected an Optimizer, a name in {sorted(_BY_NAME)} or a "
                     f"config dict, received {identifier!r}")
