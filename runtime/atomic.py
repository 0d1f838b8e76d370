"""Writes that never leave a half-written file behind.

A file is written to a temporary name in the target's own folder (so the rename stays on one
file system), flushed and synced to disk, then renamed over the target; the folder is synced
so the rename itself survives a crash. A reader, or a process killed at any moment, sees the
old complete file or the new complete file, never a mix.
"""
from __future__ import annotations

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb"):
    """Open a temporary file beside `path`; on a clean exit it replaces `path` whole.

    On an exception the temporary file is removed and `path` is left as it was.

    >>> with atomic_write("model.keras") as f:  # doctest: +SKIP
    ...     f.write(payload)
    """
    with atomic_path(path) as temp:
        with open(temp, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(path):
    """For writers that need a file name rather than a file object (h5py, zipfile by name):
    yields a temporary path beside `path`, then syncs it and renames it over `path`.

    >>> with atomic_path("w.weights.h5") as temp:  # doctest: +SKIP
    ...     with h5py.File(temp, "w") as f: ...
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield temp
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    sync_folder(folder)


def sync_folder(folder: str) -> None:
    """fsync a folder so that a rename in it is on disk (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
