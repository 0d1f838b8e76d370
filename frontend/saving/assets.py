"""Assets in a `.keras` file, as Keras 3 keeps them: an object with `save_assets(dir)` writes
files into a folder of its own, which the archive stores under `assets/<object path>/`; on
loading, `load_assets(dir)` reads them back from that folder (None when the file has none).

>>> class Vocabulary(kerax.layers.Layer):  # doctest: +SKIP
...     def save_assets(self, folder):
...         with open(os.path.join(folder, "vocabulary.txt"), "w") as f:
...             f.write(self.vocab)
...     def load_assets(self, folder):
...         with open(os.path.join(folder, "vocabulary.txt")) as f:
...             self.vocab = f.read()
"""
from __future__ import annotations

import os
import posixpath
import shutil
import tempfile

from .errors import SavingError

ROOT = "assets"


def _folder_of(folder: str, path: str) -> str:
    """The assets folder of the object at `path` (the model's own is `assets/` itself)."""
    return os.path.join(folder, ROOT, *path.split("/")) if path else os.path.join(folder, ROOT)


def saved_assets(entries) -> list:
    """`[(member name, [bytes])]`: the files that the objects of `entries` (`[(path, object)]`,
    the weights walk) write with their `save_assets`, as the archive's members."""
    owners = [(path, obj) for path, obj in entries if callable(getattr(obj, "save_assets", None))]
    if not owners:
        return []
    folder = tempfile.mkdtemp(prefix="kerax_assets_")
    try:
        for path, obj in owners:
            own = _folder_of(folder, path)
            os.makedirs(own, exist_ok=True)
            obj.save_assets(own)
        members = []
        for parent, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                with open(os.path.join(parent, name), "rb") as f:
                    members.append((os.path.relpath(os.path.join(parent, name), folder).replace(os.sep, "/"),
                                    [f.read()]))
        return members
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def archived_assets(zf, read_member) -> dict:
    """`{member name: bytes}` of the archive's files under `assets/` (`read_member` reads one,
    checked)."""
    return {name: read_member(name) for name in zf.namelist() if name.startswith(ROOT + "/") and not name.endswith("/")}


def load_assets(entries, assets: dict, file) -> None:
    """Call `load_assets` of the objects of `entries` that have it, with their folder of the
    archive's `assets/` (`archived_assets`) extracted; only plain relative paths are extracted."""
    owners = [(path, obj) for path, obj in entries if callable(getattr(obj, "load_assets", None))]
    if not owners:
        return
    folder = tempfile.mkdtemp(prefix="kerax_assets_")
    try:
        for name, data in assets.items():
            parts = name.split("/")
            if any(p in ("", ".", "..") or "\\" in p or ":" in p for p in parts) or posixpath.isabs(name):
                raise SavingError("Unsafe asset path in the archive", file=file, path=name,
                                  expected="a relative path under assets/", found=name)
            target = os.path.join(folder, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        for path, obj in owners:
            own = _folder_of(folder, path)
            obj.load_assets(own if os.path.isdir(own) else None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
