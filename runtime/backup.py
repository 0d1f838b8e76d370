"""The training backup: the whole training state and where training stands, in one folder.

Format (no pickle): `state-<n>.npz` holds the state arrays (`g<group>_<index>`) and the NumPy
RNG keys that the epoch's shuffle is drawn from; `manifest.json` names the current npz and holds
the position (epoch, step, the rest of the RNG state, the last logs of a mid-epoch backup). Each file is written whole through
runtime.atomic, the npz before the manifest that names it, and an old npz is deleted only after
the manifest has moved on: a process killed at any moment leaves a complete backup behind.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os

import numpy as np

from .atomic import atomic_write

MANIFEST = "manifest.json"
FORMAT = "kerax-backup-1"


def write_backup(folder: str, values: tuple, position: tuple) -> None:
    """Write `values` (a DeviceState snapshot) and `position` (epoch, step, NumPy RNG state, logs)."""
    os.makedirs(folder, exist_ok=True)
    previous = read_manifest(folder)
    number = 0 if previous is None else previous["number"] + 1
    epoch, step, (kind, keys, pos, has_gauss, cached), logs = position
    arrays = {f"g{gi}_{i}": np.asarray(a) for gi, group in enumerate(values) for i, a in enumerate(group)}
    arrays["order_keys"] = np.asarray(keys)
    name = f"state-{number}.npz"
    with atomic_write(os.path.join(folder, name), "wb") as f:
        np.savez(f, **arrays)
    manifest = dict(format=FORMAT, number=number, arrays=name, epoch=int(epoch), step=int(step),
                    logs=None if logs is None else {k: _to_json(v) for k, v in logs.items()},
                    groups=[len(g) for g in values], order=dict(kind=kind, pos=int(pos), has_gauss=int(has_gauss),
                                                                 cached_gaussian=float(cached)))
    with atomic_write(os.path.join(folder, MANIFEST), "w") as f:
        json.dump(manifest, f)
    for path in glob.glob(os.path.join(folder, "state-*.npz")) + glob.glob(os.path.join(folder, ".*.tmp")):
        if os.path.basename(path) != name:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def read_manifest(folder: str):
    path = os.path.join(folder, MANIFEST)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != FORMAT:
        raise ValueError(f"BackupAndRestore: {path} is not a kerax backup (format {manifest.get('format')!r}, "
                         f"expected {FORMAT!r})")
    return manifest


def read_backup(folder: str):
    """`(values, position)` from the folder's backup, or None when there is none."""
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    with np.load(os.path.join(folder, manifest["arrays"]), allow_pickle=False) as data:
        values = tuple([data[f"g{gi}_{i}"] for i in range(n)] for gi, n in enumerate(manifest["groups"]))
        keys = data["order_keys"]
    order = manifest["order"]
    rng_state = (order["kind"], keys, order["pos"], order["has_gauss"], order["cached_gaussian"])
    logs = manifest["logs"]
    if logs is not None:
        logs = {k: v if isinstance(v, float) else np.asarray(v["value"], v["dtype"]) for k, v in logs.items()}
    return values, (manifest["epoch"], manifest["step"], rng_state, logs)


def _to_json(value):
    """A logs value: a float, or a per-class metric's array (F1Score with average=None)."""
    if np.size(value) == 1:
        return float(np.reshape(value, ()))
    return {"value": np.asarray(value).tolist(), "dtype": str(np.asarray(value).dtype)}
