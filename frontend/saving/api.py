"""`save_model`, `load_model`, `model_from_json` and the weights-only entry
points, each choosing the format by the file name as Keras 3 does."""
from __future__ import annotations

import json
import os

from .errors import SavingError
from .serialization import deserialize_keras_object, serialize_keras_object


def save_model(model, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
    """Save a whole model: `.keras` (Keras 3's zip) or `.h5` (the legacy Keras 2 file).

    >>> model.save("model.keras")  # doctest: +SKIP
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    if kwargs:
        raise ValueError(f"save_model: unexpected arguments {sorted(kwargs)}")
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_model: {filepath} exists and overwrite=False")
    if filepath.endswith((".h5", ".hdf5")):
        from .legacy_h5 import save_legacy_h5

        save_legacy_h5(model, filepath, include_optimizer=include_optimizer)
        return
    if not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` extension for the native "
                         f"Keras format (recommended) or a `.h5` extension. Received: filepath={filepath}")
    from .keras_zip import save_keras

    save_keras(model, filepath)


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved by kerax or Keras 3 (`.keras`), or a legacy Keras 2 `.h5` file.

    >>> model = kerax.models.load_model("model.keras")  # doctest: +SKIP
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise SavingError("No such file", file=filepath, expected="an existing .keras or .h5 file", found="nothing")
    if filepath.endswith(".weights.h5"):
        raise ValueError(f"load_model: {filepath} holds weights only; build the model and call "
                         "model.load_weights() instead")
    if filepath.endswith((".h5", ".hdf5")):
        from .legacy_h5 import load_legacy_h5

        return load_legacy_h5(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if not filepath.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. kerax loads `.keras` and legacy `.h5` "
                         "files")
    from .keras_zip import load_keras

    return load_keras(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_weights(model, filepath, overwrite: bool = True, max_shard_size=None) -> None:
    """Weights only, in Keras 3's `.weights.h5` layout; with `max_shard_size` (GB), in shards
    of at most that size beside a `.weights.json` index, as Keras 3 writes them.

    >>> model.save_weights("model.weights.json", max_shard_size=0.25)  # doctest: +SKIP
    """
    if max_shard_size is None:
        from .weights_h5 import save_weights as write

        write(model, filepath, overwrite=overwrite)
        return
    filepath = os.fspath(filepath)
    if not filepath.endswith(("weights.h5", "weights.json")):
        raise ValueError("The filename must end in `.weights.json` when `max_shard_size` is specified. "
                         f"Received: filepath={filepath}")
    if not isinstance(max_shard_size, (int, float)) or isinstance(max_shard_size, bool) or max_shard_size <= 0:
        raise ValueError(f"save_weights: `max_shard_size` must be a positive number of GB. "
                         f"Received: max_shard_size={max_shard_size!r}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
    from .sharded_h5 import save_sharded

    save_sharded(model, filepath, max_shard_size)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Weights from a `.weights.h5`, a `.keras` or a legacy `.h5` file."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        from .keras_zip import load_archive_weights

        load_archive_weights(model, filepath, skip_mismatch)
        return
    if filepath.endswith(".weights.h5"):
        from .weights_h5 import load_weights as read

        read(model, filepath, skip_mismatch)
        return
    if filepath.endswith(".weights.json"):
        from .sharded_h5 import load_sharded

        load_sharded(model, filepath, skip_mismatch)
        return
    if filepath.endswith((".h5", ".hdf5")):
        from .legacy_h5 import load_legacy_weights

        load_legacy_weights(model, filepath, skip_mismatch=skip_mismatch)
        return
    raise ValueError(f"File format not supported: filepath={filepath}. kerax loads weights from `.weights.h5`, "
                     "sharded `.weights.json`, `.keras` and legacy `.h5` files")


def model_to_json(model, **kwargs) -> str:
    """`model.to_json()`: the model's config as Keras 3 writes it, without weights."""
    return json.dumps(serialize_keras_object(model), **kwargs)


def model_from_json(json_string: str, custom_objects=None):
    """A new model (fresh weights) from `to_json()`'s string.

    >>> clone = kerax.models.model_from_json(model.to_json())  # doctest: +SKIP
    """
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise SavingError("model_from_json: invalid JSON", expected="a JSON object", found=str(e)) from None
    return deserialize_keras_object(config, custom_objects=custom_objects)
