"""The one error type of kerax's file readers.

Every problem with a file being loaded (truncated or corrupted zip or H5, missing weights,
shape or count mismatches, unknown classes, a newer format, code that needs safe_mode=False)
is a `SavingError` naming the file, the layer or variable path, and what was expected and
what was found. It subclasses ValueError, as the errors Keras raises for the same cases do.
"""
from __future__ import annotations


class SavingError(ValueError):
    """A file could not be loaded (or written) as asked.

    >>> try:
    ...     kerax.saving.load_model("missing.keras")
    ... except kerax.saving.SavingError as e:
    ...     print(e.file)  # doctest: +SKIP
    missing.keras
    """

    def __init__(self, message: str, *, file=None, path: str | None = None, expected=None, found=None):
        self.file, self.path, self.expected, self.found = file, path, expected, found
        parts = [message]
        if path:
            parts.append(f"at '{path}'")
        if expected is not None or found is not None:
            parts.append(f"expected {expected}, found {found}")
        text = "; ".join(parts)
        super().__init__(f"{file}: {text}" if file is not None else text)
