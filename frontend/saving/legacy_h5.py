"""The legacy Keras 2 `.h5` full-model file (what `model.save("my_model.h5")` made): root
attributes `model_config` and `training_config` (JSON), `model_weights/<layer>/` holding each
layer's weights in `weight_names` order (trainable, then non-trainable), and
`optimizer_weights/` in the optimizer's variable order. Read as Keras 3 reads it, written as
Keras 3 writes it."""
from __future__ import annotations

import json
import os
import warnings

import h5py
import jax
import numpy as np

from ...runtime.atomic import atomic_path
from ..initializers import placeholders
from .errors import SavingError, reading
from .keras_zip import KERAS_VERSION
from .serialization import _deserialize, serialize_keras_object
from .weights_h5 import _get, _require_built, open_h5

_TOP_LEVEL_ONLY = ("module", "registered_name", "build_config", "compile_config")


def _legacy_weights(layer) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _legacy_config(model) -> dict:
    """The model's config as Keras's legacy serializer writes it: no module/registered_name
    on the model and its direct layers."""
    config = {k: v for k, v in serialize_keras_object(model).items() if k not in _TOP_LEVEL_ONLY}
    layers = config["config"].get("layers", [])
    config["config"]["layers"] = [{k: v for k, v in entry.items() if k not in _TOP_LEVEL_ONLY} for entry in layers]
    return config


def _training_config(model) -> dict:
    compile_config = model.get_compile_config()
    optimizer = compile_config.pop("optimizer")
    return {**compile_config, "optimizer_config": {"class_name": optimizer["class_name"],
                                                   "config": optimizer["config"]}}


def _write_subset(group, variables: list, values: list) -> None:
    names, used = [], set()
    for v in variables:
        name = v.path if v.path not in used else f"{v.path}_{len(used)}"
        used.add(name)
        names.append(name)
    group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names], dtype=object) if names else np.array([])
    for name, value in zip(names, values):
        group.create_dataset(name, data=np.asarray(value))


def save_legacy_h5(model, filepath, include_optimizer: bool = True) -> None:
    """Write `model` as a legacy `.h5` file, atomically."""
    _require_built(model, "save")
    layers = list(model.layers)
    per_layer = [_legacy_weights(layer) for layer in layers]
    optimizer = getattr(model, "optimizer", None)
    optimizer_variables = list(optimizer.variables) if include_optimizer and optimizer is not None and optimizer.built else []
    values = jax.device_get([[v.value for v in vs] for vs in per_layer] + [[v.value for v in optimizer_variables]])
    with atomic_path(filepath) as temp, h5py.File(temp, "w") as f:
        f.attrs["backend"] = "jax"
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["model_config"] = json.dumps(_legacy_config(model))
        if include_optimizer and model.compiled:
            f.attrs["training_config"] = json.dumps(_training_config(model))
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([l.name.encode("utf8") for l in layers], dtype=object)
        weights.attrs["backend"], weights.attrs["keras_version"] = "jax", KERAS_VERSION
        for index in sorted(range(len(layers)), key=lambda i: layers[i].name):
            _write_subset(weights.create_group(layers[index].name), per_layer[index], values[index])
        _write_subset(weights.create_group("top_level_model_weights"), [], [])
        if optimizer_variables:
            _write_subset(f.create_group("optimizer_weights"), optimizer_variables, values[-1])


def _attr_json(f, name: str, file):
    raw = f.attrs.get(name)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8") if hasattr(raw, "decode") else raw)
    except (UnicodeDecodeError, ValueError, TypeError) as e:
        raise SavingError("Invalid JSON in an H5 attribute", file=file, path=f"attrs/{name}", expected="JSON",
                          found=f"{type(e).__name__}: {e}") from None


def _names(group) -> list:
    """An attribute list of names, possibly chunked (`weight_names0`, `weight_names1`, …)."""
    def decode(values):
        return [n.decode("utf8") if hasattr(n, "decode") else str(n) for n in np.atleast_1d(values)]

    if "weight_names" in group.attrs:
        return decode(group.attrs["weight_names"])
    out, chunk = [], 0
    while f"weight_names{chunk}" in group.attrs:
        out.extend(decode(group.attrs[f"weight_names{chunk}"]))
        chunk += 1
    return out


def _read_subset(group, file) -> list:
    arrays = []
    for name in _names(group):
        ds = _get(group, name, file)
        if not isinstance(ds, h5py.Dataset):
            raise SavingError("Expected a weight dataset", file=file, path=f"{group.name}/{name}",
                              expected="a dataset", found=type(ds).__name__)
        arrays.append(ds[()])
    return arrays


def _assign(variables: list, arrays: list, where: str, file, skip_mismatch: bool) -> list:
    """(variable, array) pairs after checking count and shapes."""
    if len(arrays) != len(variables):
        error = SavingError("Weight count mismatch", file=file, path=where, expected=len(variables), found=len(arrays))
        if skip_mismatch:
            warnings.warn(f"Skipping {where}: {error}", stacklevel=4)
            return []
        raise error
    pairs = []
    for v, a in zip(variables, arrays):
        if tuple(np.shape(a)) != tuple(v.shape):
            error = SavingError(f"Shape mismatch for weight '{v.path}'", file=file, path=where,
                                expected=tuple(v.shape), found=tuple(np.shape(a)))
            if skip_mismatch:
                warnings.warn(f"Skipping {where}: {error}", stacklevel=4)
                continue
            raise error
        pairs.append((v, a))
    return pairs


def read_legacy_weights(model, weights_group, file, skip_mismatch: bool = False) -> None:
    """Layer weights by position among the layers that have weights, as Keras does."""
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    names = [n.decode("utf8") if hasattr(n, "decode") else str(n)
             for n in np.atleast_1d(weights_group.attrs.get("layer_names", []))]
    saved = []
    for name in names:
        group = _get(weights_group, name, file)
        if isinstance(group, h5py.Group) and _names(group):
            saved.append(name)
    if len(saved) != len(layers):
        raise SavingError("Layer count mismatch", file=file, path="model_weights",
                          expected=f"{len(layers)} layers with weights ({[l.name for l in layers]})",
                          found=f"{len(saved)} saved layers ({saved})")
    pairs = []
    for layer, name in zip(layers, saved):
        arrays = _read_subset(_get(weights_group, name, file), file)
        pairs += _assign(_legacy_weights(layer), arrays, f"model_weights/{name}", file, skip_mismatch)
    for v, a in pairs:
        v.assign(a)


def load_legacy_h5(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """A model from a legacy `.h5` file written by Keras 2, Keras 3 or kerax."""
    from .registry import scope_of
    from .serialization import safe_mode_scope

    filepath = os.fspath(filepath)
    with open_h5(filepath, filepath) as f, reading(filepath), scope_of(custom_objects), safe_mode_scope(safe_mode):
        config = _attr_json(f, "model_config", filepath)
        if not isinstance(config, dict):
            raise SavingError("No model config found in the file (a weights-only .h5? use load_weights)",
                              file=filepath, path="attrs/model_config", expected="a JSON model config",
                              found=type(config).__name__)
        with placeholders():
            model = _deserialize(config, "")
        if not hasattr(model, "compile"):
            raise SavingError("model_config does not describe a model", file=filepath, path="attrs/model_config",
                              expected="a Model", found=type(model).__name__)
        read_legacy_weights(model, _get(f, "model_weights", filepath), filepath)
        training = _attr_json(f, "training_config", filepath) if compile else None
        if isinstance(training, dict):
            training = dict(training)
            optimizer = training.pop("optimizer_config", None)
            if isinstance(optimizer, dict):
                optimizer = {"module": "keras.optimizers", **optimizer}
            model.compile_from_config({**training, "optimizer": optimizer})
            if "optimizer_weights" in f and model.optimizer is not None and model.optimizer.built:
                arrays = _read_subset(_get(f, "optimizer_weights", filepath), filepath)
                try:
                    pairs = _assign(list(model.optimizer.variables), arrays, "optimizer_weights", filepath, False)
                except SavingError as e:
                    warnings.warn(f"The optimizer's saved state does not fit and was not loaded: {e}", stacklevel=2)
                    pairs = []
                if pairs:  # in one go: packed slots are written a flat vector at a time
                    model.optimizer.set_weights([a for _, a in pairs])
    return model


def load_legacy_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """`load_weights` from a legacy `.h5` (a full-model file or a Keras 2 weights file)."""
    filepath = os.fspath(filepath)
    _require_built(model, "load")
    with open_h5(filepath, filepath) as f, reading(filepath):
        group = f["model_weights"] if "model_weights" in f else f
        read_legacy_weights(model, group, filepath, skip_mismatch)
