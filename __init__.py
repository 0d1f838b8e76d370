"""kerax: the Keras 3 API, compiled. `import kerax as keras` runs ordinary Keras 3 code.

>>> import kerax as keras
>>> model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(10)])
"""
import sys as _sys

from . import ir  # noqa: F401  (registers the op catalogue before anything traces)
from .frontend import (activations, backend, callbacks, config, constraints, datasets, distribution,
                       dtype_policies, initializers, layers, losses, metrics, mixed_precision, ops, optimizers,
                       preprocessing, random, regularizers, saving, tree, utils)
from .frontend import models
from .frontend.layers import Input, InputSpec, Layer
from .frontend.models import Model, Sequential
from .frontend.dtype_policies import DTypePolicy, FloatDTypePolicy
from .frontend.variables import Variable

__version__ = "0.1.0"

_PUBLIC = ("activations", "backend", "callbacks", "config", "constraints", "datasets", "distribution",
           "dtype_policies", "initializers", "layers", "losses", "metrics", "mixed_precision", "models", "ops",
           "optimizers", "preprocessing", "random", "regularizers", "saving", "tree", "utils")
# The public submodules live in frontend/; register them under their Keras names so that
# `from kerax.layers import Dense` works.
for _name in _PUBLIC:
    _sys.modules[f"{__name__}.{_name}"] = globals()[_name]
for _name in ("core", "image", "linalg", "nn", "numpy"):  # `import kerax.ops.numpy` as in Keras
    _sys.modules[f"{__name__}.ops.{_name}"] = getattr(ops, _name)
for _name in ("image", "sequence"):  # `from keras.preprocessing.image import load_img`
    _sys.modules[f"{__name__}.preprocessing.{_name}"] = getattr(preprocessing, _name)
# `import keras.datasets.mnist` is how Keras code reaches a data set: register those too.
for _name in datasets.__all__:
    _sys.modules[f"{__name__}.datasets.{_name}"] = getattr(datasets, _name)
