"""Keras's dataset cache: files live under `$KERAS_HOME/datasets` (else `~/.keras/datasets`,
else `/tmp/.keras/datasets` when home is not writable), with Keras's file names, so a cache that
Keras filled serves kerax and the other way round.

A file already in the cache is used as it is. A missing one is downloaded from Keras's origin
(urllib), checked against Keras's hash and written atomically; offline, the error names the
file, where to get it and where to put it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request

from ...runtime.atomic import atomic_write, sync_folder

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# The download function, a module attribute so tests can serve files without a network.
urlopen = urllib.request.urlopen


def keras_home() -> str:
    """Keras's home folder: $KERAS_HOME, else ~/.keras (/tmp/.keras if home is not writable)."""
    if os.environ.get("KERAS_HOME"):
        return os.path.expanduser(os.environ["KERAS_HOME"])
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def cache_folder(subdir: str = "datasets") -> str:
    return os.path.join(keras_home(), subdir)


def dataset_file(fname: str, origin: str, file_hash: str | None, subdir: str = "datasets") -> str:
    """The path of cached file `fname`, downloaded from `origin` first when it is missing."""
    path = os.path.join(cache_folder(subdir), fname)
    if not os.path.exists(path):
        _download(origin, path, file_hash)
    return path


def dataset_folder(name: str, origin: str, file_hash: str | None, subdir: str = "datasets") -> str:
    """The folder an archive is extracted to, as Keras's `get_file(name, extract=True)` lays it
    out: `<name>/` extracted from `<name>_archive`, which is downloaded when neither is there."""
    folder = os.path.join(cache_folder(subdir), name)
    if os.path.isdir(folder) and os.listdir(folder):
        return folder
    archive = folder + "_archive"
    if not os.path.exists(archive):
        _download(origin, archive, file_hash)
    _extract(archive, folder)
    return folder


def _download(origin: str, path: str, file_hash: str | None) -> None:
    print(f"Downloading data from {origin}")
    try:
        response = urlopen(origin)
    except (urllib.error.URLError, OSError) as e:
        raise FileNotFoundError(
            f"kerax.datasets: {os.path.basename(path)!r} is not in the cache and could not be downloaded from "
            f"{origin} ({getattr(e, 'reason', e)}). Offline, download that file elsewhere and place it at {path} "
            f"(Keras's cache folder: $KERAS_HOME/datasets, else ~/.keras/datasets)") from e
    # Keras's "auto" hash: 64 hex digits is SHA-256, anything else MD5.
    hasher = hashlib.sha256() if file_hash is None or len(file_hash) == 64 else hashlib.md5()
    with response, atomic_write(path, "wb") as f:
        for block in iter(lambda: response.read(1 << 20), b""):
            hasher.update(block)
            f.write(block)
        if file_hash is not None and hasher.hexdigest() != file_hash:  # raising here leaves no file behind
            raise HashMismatch(f"kerax.datasets: the file downloaded from {origin} is incomplete or corrupted: its "
                               f"hash {hasher.hexdigest()} is not Keras's {file_hash}")


class HashMismatch(ValueError, OSError):
    """A download whose hash is not the one Keras publishes."""


def _extract(archive: str, folder: str) -> None:
    # Extract beside the target, then rename: a crash never leaves a half-extracted folder.
    parent = os.path.dirname(folder)
    temp = tempfile.mkdtemp(prefix=f".{os.path.basename(folder)}.", dir=parent)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(temp, filter="data")  # no links out of the folder, no device files
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.replace(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    sync_folder(parent)
