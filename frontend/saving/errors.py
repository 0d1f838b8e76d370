"""The one error type of kerax's file readers.

Every problem with a file being loaded (truncated or corrupted zip or H5, missing weights,
shape or count mismatches, unknown classes, a newer format, code that needs safe_mode=False)
is a `SavingError` naming the file, the layer or variable path, and what was expected and
what was found. It subclasses ValueError, as the errors Keras raises for the same cases do.
"""
from __future__ import annotations

import contextlib
import struct
import zlib


class SavingError(ValueError):
    """A file could not be loaded (or written) as asked.

    >>> try:
    ...     kerax.saving.load_model("missing.keras")
    ... except kerax.saving.SavingError as e:
    ...     print(e.file)  # doctest: +SKIP
    missing.keras
    """

    def __init__(self, message: str, *, file=None, path: str | None = None, expected=None, found=None):
        super().__init__(message)
        self.message, self.file, self.path, self.expected, self.found = message, file, path, expected, found

    def __str__(self):
        parts = [self.message]
        if self.path:
            parts.append(f"at '{self.path}'")
        if self.expected is not None or self.found is not None:
            parts.append(f"expected {self.expected}, found {self.found}")
        text = "; ".join(parts)
        return f"{self.file}: {text}" if self.file is not None else text


# What a damaged config can make the constructors it reaches raise; while reading a file these
# all mean "this file is not what it claims", reported as a SavingError.
# OSError and RuntimeError are what h5py raises on a damaged H5 structure met mid-read.
_DAMAGE = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, ZeroDivisionError,
           NotImplementedError, RecursionError, RuntimeError, OSError, EOFError, zlib.error, struct.error)


@contextlib.contextmanager
def reading(file, path: str = ""):
    """Within: errors name `file`, and any failure a damaged file can cause is a SavingError."""
    try:
        yield
    except SavingError as e:
        if e.file is None:
            e.file = file
        raise
    except _DAMAGE as e:
        raise SavingError("The file's contents could not be used", file=file, path=path,
                          expected="a config and weights kerax can rebuild", found=f"{type(e).__name__}: {e}") from e
