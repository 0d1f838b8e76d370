"""keras.utils.get_file: a file from Keras's cache folder, downloaded there when missing.

The cache is `$KERAS_HOME` or `~/.keras` (`/tmp/.keras` when that is not writable), in
`cache_subdir` ('datasets'), with Keras's file names, so files Keras downloaded are found.
Offline, a missing file is an error that says which file to place where.

>>> path = get_file("mnist.npz", origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")  # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from ..runtime.atomic import atomic_path

__all__ = ["get_file"]


def keras_home() -> str:
    return os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")))


def cache_folder(cache_dir=None, cache_subdir="datasets") -> str:
    base = os.path.expanduser(cache_dir) if cache_dir else keras_home()
    if os.path.isdir(base) and not os.access(base, os.W_OK) or not _creatable(base):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _creatable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        return os.access(path, os.W_OK)
    except OSError:
        return False


def file_hash(path: str, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _matches(path, expected, algorithm) -> bool:
    if algorithm == "auto":
        algorithm = "sha256" if len(expected) == 64 else "md5"
    return file_hash(path, algorithm) == str(expected)


def _extract(archive: str, folder: str, archive_format) -> bool:
    formats = ("tar", "zip") if archive_format == "auto" else (archive_format,) if isinstance(archive_format, str) \
        else tuple(archive_format or ())
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(folder, filter="data")  # refuses paths that leave the folder
            return True
        if fmt == "zip" and zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                for name in z.namelist():
                    target = os.path.realpath(os.path.join(folder, name))
                    if not target.startswith(os.path.realpath(folder) + os.sep):
                        raise ValueError(f"get_file: the archive {archive} holds an unsafe path {name!r}")
                z.extractall(folder)
            return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",  # noqa: C901
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The path of `fname` in the cache, downloaded from `origin` first when it is missing (or
    its hash differs, or force_download); with `extract`, the folder it was extracted to."""
    if origin is None:
        raise ValueError('kerax.utils.get_file: argument `origin` is required (the URL to download from)')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    folder = cache_folder(cache_dir, cache_subdir)
    given = fname
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"kerax.utils.get_file: cannot tell the file name from origin {origin!r}; give `fname`")
    if os.sep in fname:
        raise ValueError("kerax.utils.get_file: `fname` must be a file name, not a path; give the folder as "
                         f"`cache_dir`, received fname={fname!r}")
    extract = extract or untar
    if extract and given and "." in fname:
        target, extracted = os.path.join(folder, fname), os.path.join(folder, f"{fname[:fname.find('.')]}_extracted")
    elif extract:
        target, extracted = os.path.join(folder, f"{fname}_archive"), os.path.join(folder, fname)
    else:
        target, extracted = os.path.join(folder, fname), None
    download = force_download or not os.path.exists(target) or (
        file_hash is not None and not _matches(target, file_hash, hash_algorithm))
    if download:
        _download(origin, target)
        if file_hash is not None and not _matches(target, file_hash, hash_algorithm):
            raise ValueError(f"kerax.utils.get_file: the file downloaded from {origin} to {target} does not have the "
                             f"expected {hash_algorithm} hash {file_hash}; it may be corrupted")
    if extracted is None:
        return target
    if download or not os.path.exists(extracted):
        if os.path.isdir(extracted):
            shutil.rmtree(extracted)
        if not _extract(target, extracted, archive_format):
            raise ValueError(f"kerax.utils.get_file: {target} is not a {archive_format} archive that can be extracted")
    return extracted


def _download(origin: str, target: str) -> None:
    print(f"Downloading data from {origin}")
    try:
        with atomic_path(target) as temp:  # a failed or interrupted download leaves no partial file
            urllib.request.urlretrieve(origin, temp)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise OSError(f"kerax.utils.get_file: could not download {origin} ({error}). If this machine is offline, "
                      f"download the file elsewhere and place it at {target}") from None
