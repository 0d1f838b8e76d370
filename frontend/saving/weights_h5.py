"""Keras 3's `.weights.h5` layout, written and read.

Every layer, model and optimizer is a group `<path>/vars` (attribute `name`) holding datasets
"0", "1", … in the order of its own variables (trainable, then non-trainable). Paths follow
Keras's walk of the objects: a model's `layers` first, each named by its snake_case class name
made unique (`dense`, `dense_1`), then the other attributes holding layers (`cell`,
`forward_layer`, …) in sorted order, private ones last; the optimizer is `optimizer`.
"""
from __future__ import annotations

import functools
import types
import warnings

import h5py
import jax
import ml_dtypes
import numpy as np

from ...runtime.atomic import atomic_write
from .. import naming
from .errors import SavingError, reading
from .h5_image import H5Image


@functools.cache
def _kinds() -> types.SimpleNamespace:
    """The frontend classes the walk tells apart (imported on first use: they import saving)."""
    from ..layers.layer import Layer
    from ..layers.weights import LayerWeights
    from ..models.functional import Functional
    from ..models.sequential import Sequential
    from ..optimizers.base import Optimizer

    # attribute names of the bare base class, never walked (in optimizers neither)
    skip = set(dir(Layer)) | {"_layers", "_own_variables", "_inbound_nodes", "_functional", "_functional_layers",
                              "_stack", "_input_layer", "_frozen", "_frozen_layers", "_programs", "_executables",
                              "_device_state", "_compiled_loss", "_compiled_metrics", "optimizer", "_tracker"}
    return types.SimpleNamespace(LayerWeights=LayerWeights, Optimizer=Optimizer, saveable=(Layer, Optimizer),
                                 models=(Functional, Sequential), skip=frozenset(skip))


def _is_saveable(x) -> bool:
    return isinstance(x, _kinds().saveable)


def own_variables(obj) -> list:
    """What Keras's save_own_variables writes: the object's own weights, trainable first."""
    if isinstance(obj, _kinds().Optimizer):
        return list(obj.variables) if obj.built else []
    return obj._saved_variables()


def _custom(obj, hook: str) -> bool:
    """Whether `obj`'s class overrides Keras's `save_own_variables`/`load_own_variables`
    hook: then that method, not kerax's batched path, writes or reads its group."""
    kinds = _kinds()
    method = getattr(type(obj), hook, None)
    return method is not None and method not in (getattr(kinds.LayerWeights, hook), getattr(kinds.Optimizer, hook))


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _children(obj):
    kinds = _kinds()
    if isinstance(obj, kinds.models):
        yield "layers", obj.layers
    names = [n for n in obj.__dict__ if not n.startswith("__") and n not in kinds.skip]
    names += [n for n, v in vars(type(obj)).items() if isinstance(v, property) and n not in kinds.skip
              and n not in names]
    for name in sorted(names, key=_name_key):
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001  (a property that does not apply to this object, as Keras skips it)
            continue
        if _is_saveable(value) or (isinstance(value, (list, tuple, dict)) and value):
            yield name, value


def walk(model, include_optimizer: bool = True) -> list:
    """[(group path, object)] in Keras's order; each object once, at its first path."""
    out, seen = [], set()

    def visit(obj, path):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        out.append((path, obj))
        for name, child in _children(obj):
            child_path = f"{path}/{name}" if path else name
            if _is_saveable(child):
                visit(child, child_path)
            else:
                container(child, child_path, set())

    def container(items, path, visited):
        if id(items) in visited:
            return
        visited.add(id(items))
        used = {}
        for item in (items.values() if isinstance(items, dict) else items):
            if _is_saveable(item):
                visit(item, f"{path}/{_unique(naming.to_snake_case(type(item).__name__), used)}")
            elif isinstance(item, (list, tuple, dict)):
                container(item, f"{path}/{_unique('container', used)}", visited)

    visit(model, "")
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and id(optimizer) not in seen:
        out.append(("optimizer", optimizer))
    return out


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _group_name(path: str) -> str:
    return f"{path}/vars" if path else "vars"


# -- writing --------------------------------------------------------------------------------------------------
def write_weights(model, store, include_optimizer: bool = True, entries=None) -> None:
    """Hand every weight of `model` (and its optimizer's state) to `store` in Keras's order:
    `store.make(group_path, name)` opens an object's group, `store.put(key, array)` adds one
    weight. `entries`: `walk(model, include_optimizer)`, when the caller has it already."""
    entries = walk(model, include_optimizer) if entries is None else entries
    variables = [v for _, obj in entries if not _custom(obj, "save_own_variables") for v in own_variables(obj)]
    values = iter(jax.device_get([v.value for v in variables]))  # one transfer for the whole model
    for path, obj in entries:
        name = getattr(obj, "name", None)
        store.make(_group_name(path), name if isinstance(name, str) else None)
        if _custom(obj, "save_own_variables"):
            obj.save_own_variables(_WritingEntry(store))
            continue
        for i, _ in enumerate(own_variables(obj)):
            store.put(str(i), np.asarray(next(values)))


class _WritingEntry:
    """The `store` a custom `save_own_variables` fills: `store[key] = array`."""

    def __init__(self, store):
        self._store = store

    def __setitem__(self, key: str, value) -> None:
        self._store.put(str(key), np.asarray(value))


class ImageStore:
    """A `write_weights` store building one H5 file as an `H5Image`."""

    def __init__(self):
        self.image = H5Image()
        self._group = None

    def make(self, group_path: str, name: str | None) -> None:
        self._group = self.image.file.create_group(group_path)
        if name is not None:
            self._group.attrs["name"] = name

    def put(self, key: str, array) -> None:
        self.image.put(self._group, key, array)


def weights_image(model, include_optimizer: bool = True, entries=None) -> H5Image:
    """`model`'s weights as a closed `H5Image` in Keras's `.weights.h5` layout, ready to stream."""
    store = ImageStore()
    try:
        write_weights(model, store, include_optimizer, entries)
    finally:
        store.image.close()
    return store.image


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Keras's `model.save_weights("x.weights.h5")`, written atomically."""
    import os

    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"save_weights: the filename must end in `.weights.h5`. Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
    _require_built(model, "save")
    image = weights_image(model)
    with atomic_write(filepath, "wb") as f:
        image.write_to(f)


def _require_built(model, what: str) -> None:
    if not model.built:
        raise ValueError(f"You are {'saving' if what == 'save' else 'loading weights into'} a model that has not yet "
                         f"been built: model '{model.name}'. Build it first by calling it on data or with build()")


# -- reading --------------------------------------------------------------------------------------------------
def read_weights(model, source, file, skip_mismatch: bool = False, include_optimizer: bool = True,
                 entries=None) -> None:
    """Assign every weight of `model` from an open h5py File in Keras's layout; a missing
    group or dataset, or a wrong count or shape, is a SavingError (a warning with skip_mismatch).
    `entries`: `walk(model, include_optimizer)`, when the caller has it already."""
    entries = walk(model, include_optimizer) if entries is None else entries
    planned, custom = [], []
    for path, obj in entries:
        if _custom(obj, "load_own_variables"):
            custom.append((path, obj))
            continue
        variables = own_variables(obj)
        if not variables:
            continue
        if path == "optimizer" and _saved_count(source, "optimizer/vars") == 0:
            continue  # saved before its first step: the optimizer had no state yet
        try:
            arrays = _read_group(source, _group_name(path), variables, file)
        except SavingError as e:
            if skip_mismatch or path == "optimizer":
                warnings.warn(f"Skipping loading weights of '{path or model.name}': {e}", stacklevel=3)
                continue
            raise
        planned.append((variables, arrays))
    # assign only once the whole file has been read and checked, in one transfer to the device
    variables = [v for group, _ in planned for v in group]
    arrays = [np.asarray(a, dtype=v.dtype) for (group, values) in planned for v, a in zip(group, values)]
    for v, a in zip(variables, jax.device_put(arrays)):
        v.assign(a)
    for path, obj in custom:  # the objects' own methods read their groups, as Keras calls them
        group_path = _group_name(path)
        group = source.get(group_path) if _saved_count(source, group_path) is not None else None
        try:
            obj.load_own_variables(_ReadingEntry(group, group_path, file))
        except Exception as e:  # noqa: BLE001  (whatever the object's own method raises)
            if not skip_mismatch:
                raise
            warnings.warn(f"Skipping loading weights of '{path or model.name}': {type(e).__name__}: {e}",
                          stacklevel=3)


class _ReadingEntry:
    """The `store` a custom `load_own_variables` reads: `keys()`, `len`, `in`, and `store[key]`
    as a NumPy array (bfloat16 where Keras marked it so), each dataset checked as the rest."""

    def __init__(self, group, group_path: str, file):
        self._group, self._path, self._file = group, group_path, file

    def keys(self) -> list:
        return list(self._group.keys()) if self._group is not None else []

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, key) -> bool:
        return key in self.keys()

    def __getitem__(self, key: str) -> np.ndarray:
        name = f"{self._path}/{key}"
        if self._group is None:
            raise SavingError("Missing from the weights file", file=self._file, path=name, expected="a dataset",
                              found="nothing")
        ds = _get(self._group, key, self._file, shown=name)
        if not isinstance(ds, h5py.Dataset):
            raise SavingError("Expected a weight dataset", file=self._file, path=name, expected="a dataset",
                              found=type(ds).__name__)
        try:
            value = np.asarray(ds[()])
        except (OSError, ValueError, TypeError, RuntimeError) as e:
            raise SavingError("Cannot read the dataset", file=self._file, path=name, expected="readable data",
                              found=f"{type(e).__name__}: {e}") from None
        return value.astype(ml_dtypes.bfloat16) if ds.attrs.get("dtype") == "bfloat16" else value


def _saved_count(source, group_path: str) -> int | None:
    group = source.get(group_path)
    return len(group) if _is_group(group) else None


def _is_group(item) -> bool:
    """An h5py Group, or a group that another source (sharded files) assembles."""
    return isinstance(item, h5py.Group) or (hasattr(item, "keys") and not isinstance(item, h5py.Dataset))


def _read_group(source, group_path: str, variables: list, file) -> list:
    group = _get(source, group_path, file)
    if not _is_group(group):
        raise SavingError("Expected an H5 group of weights", file=file, path=group_path, expected="a group",
                          found=type(group).__name__)
    keys = sorted(group.keys(), key=lambda k: (len(k), k))
    if len(keys) != len(variables):
        raise SavingError(f"Wrong number of weights for {len(variables)} variables "
                          f"({[v.path for v in variables][:6]})", file=file, path=group_path,
                          expected=len(variables), found=len(keys))
    arrays = []
    for i, v in enumerate(variables):
        name = f"{group_path}/{i}"
        ds = _get(group, str(i), file, shown=name)
        if not isinstance(ds, h5py.Dataset):
            raise SavingError("Expected a weight dataset", file=file, path=name, expected="a dataset",
                              found=type(ds).__name__)
        if tuple(ds.shape) != tuple(v.shape):
            raise SavingError(f"Shape mismatch for weight '{v.path}'", file=file, path=name,
                              expected=tuple(v.shape), found=tuple(ds.shape))
        if ds.dtype.kind not in "fiub":
            raise SavingError(f"Weight '{v.path}' has a non-numeric dtype", file=file, path=name,
                              expected=v.dtype, found=str(ds.dtype))
        try:
            arrays.append(ds[()])
        except (OSError, ValueError, TypeError, RuntimeError) as e:
            raise SavingError(f"Cannot read weight '{v.path}'", file=file, path=name, expected="readable data",
                              found=f"{type(e).__name__}: {e}") from None
    return arrays


def _get(source, path: str, file, shown: str | None = None):
    """`source[path]` checked: present, no links, data inside the file (errors say `shown`)."""
    where = shown or path
    try:
        link = source.get(path, getlink=True)
        if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
            raise SavingError("Links are not allowed in a weights file", file=file, path=where,
                              expected="a plain group or dataset", found=type(link).__name__)
        item = source.get(path)
    except SavingError:
        raise
    except (KeyError, OSError, ValueError, RuntimeError, TypeError) as e:
        raise SavingError("Cannot read the H5 file here", file=file, path=where, expected="an intact H5 object",
                          found=f"{type(e).__name__}: {e}") from None
    if item is None:
        raise SavingError("Missing from the weights file", file=file, path=where, expected="a group or dataset",
                          found="nothing")
    if isinstance(item, h5py.Dataset) and (item.external or item.is_virtual):
        raise SavingError("External or virtual datasets are not allowed", file=file, path=where,
                          expected="data stored in the file", found="an external reference")
    return item


def open_h5(file_or_path, file, path: str | None = None):
    """An h5py File open for reading; a damaged file is a SavingError naming it."""
    try:
        return h5py.File(file_or_path, "r")
    except (OSError, ValueError) as e:
        raise SavingError("Not a readable H5 file (truncated or corrupted?)", file=file, path=path,
                          expected="an HDF5 file", found=f"{type(e).__name__}: {e}") from None


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Keras's `model.load_weights("x.weights.h5")`."""
    import os

    filepath = os.fspath(filepath)
    _require_built(model, "load")
    with open_h5(filepath, filepath) as f, reading(filepath):
        read_weights(model, f, filepath, skip_mismatch)
