"""Sharded weights, as Keras 3.15 writes them: `save_weights("m.weights.json", max_shard_size=GB)`.

The weights go, in Keras's `.weights.h5` layout and order, into `m_00000.weights.h5`,
`m_00001.weights.h5`, …, each holding at most `max_shard_size` GB: a weight that would take
a shard past the limit starts the next one (an object's group is then continued there,
without its `name` attribute). `m.weights.json` is the index Keras reads:

    {"metadata": {"total_size": <bytes>}, "weight_map": {"/layers/dense/vars": "m_00000.weights.h5", …}}

with a list of file names for a group split over shards. Each file is written atomically
(never half-written), and a save killed at any moment leaves an index that loads whole, old
or new, never old groups mapped onto new shards: before a new shard replaces one that the
old index names, the old shard gets a second name (a hard link, `.m_00000.weights.h5.PID.old`)
and the old index is rewritten to name those; the new index, naming Keras's file names,
comes after the new shards, and only then go the old shards and their second names.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import shutil
import warnings

import h5py

from ...runtime.atomic import atomic_write, remove, sync_folder
from .errors import SavingError, reading
from .weights_h5 import ImageStore, _require_built, open_h5, read_weights, write_weights


def index_path(filepath) -> str:
    """The `.weights.json` index of a sharded save; Keras renames a `.weights.h5` target."""
    path = pathlib.Path(filepath)
    if path.suffix != ".json":
        path = path.with_suffix(".json")
        warnings.warn(f"Saving sharded weights requires `*.json` as the extension. The original path: {filepath} "
                      f"will be renamed to {path}.", stacklevel=3)
    return os.fspath(path)


class ShardedStore:
    """A `write_weights` store that starts a new shard when the next weight would not fit."""

    def __init__(self, index: str, max_shard_size):
        self.max_bytes = float(max_shard_size) * 1024 ** 3
        self.base = pathlib.Path(index).stem.replace(".weights", "")
        self.shards: list[tuple[str, ImageStore]] = []
        self.weight_map: dict = {}
        self.total_size = 0
        self._size = 0
        self._group_path = None
        self._new_shard()

    def _new_shard(self) -> None:
        self.shards.append((f"{self.base}_{len(self.shards):05}.weights.h5", ImageStore()))
        self._opened = None  # the current object's group is not yet in this shard

    def make(self, group_path: str, name: str | None) -> None:
        self._group_path = group_path
        self.shards[-1][1].make(group_path, name)
        self._opened = group_path

    def put(self, key: str, array) -> None:
        size = array.size * (1 if array.dtype == bool else array.dtype.itemsize * 8) / 8  # Keras counts bits
        self.total_size += size
        if size > self.max_bytes:
            raise ValueError(f"The size of {key} is {_readable(size)} which exceeds the maximum shard size "
                             f"{_readable(self.max_bytes)}. You can increase the `max_shard_size` parameter to "
                             "accommodate the size.")
        self._size += size
        if self._size > self.max_bytes:
            self._new_shard()
            self._size = size
        filename, store = self.shards[-1]
        if self._opened != self._group_path:
            store.make(self._group_path, None)
            self._opened = self._group_path
        store.put(key, array)
        # as Keras: a group's first weight maps it to a file name, its next ones to a list of names
        key = f"/{self._group_path}"
        if key not in self.weight_map:
            self.weight_map[key] = filename
            return
        if not isinstance(self.weight_map[key], list):
            self.weight_map[key] = [self.weight_map[key]]
        if filename not in self.weight_map[key]:
            self.weight_map[key].append(filename)

    def index(self) -> str:
        return json.dumps({"metadata": {"total_size": self.total_size}, "weight_map": self.weight_map}, indent=4)


def _readable(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def save_sharded(model, filepath, max_shard_size) -> str:
    """Write `model`'s weights as shards and their index; returns the index's path."""
    _require_built(model, "save")
    index = index_path(filepath)
    store = ShardedStore(index, max_shard_size)
    try:
        write_weights(model, store)
    finally:
        for _, shard in store.shards:
            shard.image.close()
    folder = os.path.dirname(os.path.abspath(index))
    new = [filename for filename, _ in store.shards]
    old = _keep_old_save(index, folder, set(new))
    for filename, shard in store.shards:
        with atomic_write(os.path.join(folder, filename), "wb") as f:
            shard.image.write_to(f)
    with atomic_write(index, "w") as f:  # after the shards: the index names only shards that are complete
        f.write(store.index())
    _remove_unnamed(folder, store.base, old, set(new))
    return index


def _remove_unnamed(folder: str, base: str, old: set, new: set) -> None:
    """Once the new index is in place: remove the old save's files that it does not name, and
    the second names that killed saves left (only files named as shards of `base` are ever
    removed, whatever an old index named)."""
    # a shard `m_00000.weights.h5`, or a second name `.m_00000.weights.h5.PID.old`
    ours = re.compile(r"(\.)?" + re.escape(base) + r"_\d{5}\.weights\.h5(?(1)\.\d+\.old)")
    named_by_old = {n for n in old if ours.fullmatch(n)}
    left_by_kills = {n for n in os.listdir(folder) if n.startswith(".") and ours.fullmatch(n)}
    for name in (named_by_old | left_by_kills) - new:
        remove(os.path.join(folder, name))


def _keep_old_save(index: str, folder: str, new: set) -> set:
    """Keep the save that `index` names loadable while the shards in `new` replace its files:
    each old shard about to be replaced gets a second name, and the index names those. Returns
    the file names that the (rewritten) old index names."""
    try:
        config = _read_json(index)
        weight_map = _checked_map(config, index)
    except (FileNotFoundError, SavingError):
        return set()  # no loadable old save to keep
    names = {n for names in weight_map.values() for n in _listed(names)}
    if not names & new:
        return names
    renamed = {n: f".{n}.{os.getpid()}.old" if n in new else n for n in names}
    for name in names & new:
        _second_name(os.path.join(folder, name), os.path.join(folder, renamed[name]))
    sync_folder(folder)
    config["weight_map"] = {group: [renamed[n] for n in v] if isinstance(v, list) else renamed[v]
                            for group, v in weight_map.items()}
    with atomic_write(index, "w") as f:
        f.write(json.dumps(config, indent=4))
    return set(renamed.values())


def _second_name(path: str, other: str) -> None:
    """`other` names the file `path` names: a hard link, or a synced copy where links are not
    supported."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(other)  # left by a save killed before it named it in the index
    try:
        os.link(path, other)
    except FileNotFoundError:
        pass  # the old save already lacked this shard: it stays as (un)loadable as it was
    except OSError:
        with open(path, "rb") as source, atomic_write(other, "wb") as f:
            shutil.copyfileobj(source, f)


def _listed(names) -> list:
    return [names] if isinstance(names, str) else names if isinstance(names, list) else [names]


# -- reading --------------------------------------------------------------------------------------------------
class ShardGroup:
    """One object's group, whose datasets may lie in several shards."""

    def __init__(self, groups: list):
        self._groups = groups

    def keys(self) -> list:
        return [k for g in self._groups for k in g.keys()]

    def __len__(self) -> int:
        return len(self.keys())

    def get(self, key: str, default=None, getlink: bool = False):
        for group in self._groups:
            if key in group:
                return group.get(key, getlink=getlink)
        return default


class ShardedSource:
    """The shards of an index seen as one H5 file: `get(group_path)` as h5py's, for the groups
    `read_weights` asks for (`<path>/vars`)."""

    def __init__(self, index: str):
        self.index = index
        self.folder = os.path.dirname(os.path.abspath(index))
        self.weight_map = _read_index(index)
        self._files: dict = {}

    def _file(self, name: str):
        if name not in self._files:
            self._files[name] = open_h5(os.path.join(self.folder, name), self.index, name)
        return self._files[name]

    def _groups(self, group_path: str) -> list:
        names = self.weight_map.get(f"/{group_path}", [])
        groups = [self._file(n).get(group_path) for n in ([names] if isinstance(names, str) else names)]
        return [g for g in groups if isinstance(g, h5py.Group)]

    def get(self, path: str, getlink: bool = False):
        groups = self._groups(path)
        return ShardGroup(groups) if groups else None

    def close(self) -> None:
        for f in self._files.values():
            f.close()


def _read_index(index: str) -> dict:
    try:
        config = _read_json(index)
    except FileNotFoundError:
        raise SavingError("No such file", file=index, expected="a .weights.json index", found="nothing") from None
    return _checked_map(config, index)


def _read_json(index: str):
    try:
        with open(index, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise SavingError("Invalid sharded-weights index", file=index, expected="a JSON object",
                          found=f"{type(e).__name__}: {e}") from None


def _checked_map(config, index: str) -> dict:
    """The index's weight map, every shard in it a plain file name beside the index."""
    weight_map = config.get("weight_map") if isinstance(config, dict) else None
    if not isinstance(weight_map, dict):
        raise SavingError("Invalid sharded-weights index", file=index, path="weight_map",
                          expected="a JSON object mapping group paths to shard file names", found=repr(weight_map)[:80])
    for group, names in weight_map.items():
        for name in _listed(names):
            # a shard is a plain file name beside the index: never a path that reaches elsewhere
            if not isinstance(name, str) or not name or os.path.basename(name) != name or name in (".", ".."):
                raise SavingError("Invalid shard file name in the index", file=index, path=f"weight_map/{group}",
                                  expected="a file name beside the index", found=repr(name)[:80])
    return weight_map


def load_sharded(model, filepath, skip_mismatch: bool = False) -> None:
    """`load_weights("m.weights.json")`: the weights of a sharded save."""
    _require_built(model, "load")
    filepath = os.fspath(filepath)
    source = ShardedSource(filepath)
    try:
        with reading(filepath):
            read_weights(model, source, filepath, skip_mismatch)
    finally:
        source.close()
