"""Unique layer names (`dense`, `dense_1`, …) and the name scopes that make variable paths."""
from __future__ import annotations

import re
from contextlib import contextmanager

_uids: dict[str, int] = {}
_scopes: list[str] = []


def to_snake_case(name: str) -> str:
    """Keras's rule: `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """`dense`, then `dense_1`, `dense_2`, … for the session (reset by clear_session)."""
    count = _uids.get(base, 0)
    _uids[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    _uids.clear()


@contextmanager
def name_scope(name: str):
    _scopes.append(name)
    try:
        yield
    finally:
        _scopes.pop()


def innermost_scope():
    return _scopes[-1] if _scopes else None


def current_path(name: str) -> str:
    return "/".join([*_scopes, name])


def lookup_path(table: dict, path: str, what: str, default=None):
    """Keras's rule for maps keyed by variable paths (LayoutMap, OptimizerMap): an exact key
    first, else the one key that `re.fullmatch`es the path (several is an error), else `default`.

    >>> lookup_path({"dense/.*": 1}, "dense/kernel", "LayoutMap")
    1
    """
    if path in table:
        return table[path]
    matches = [key for key in table if re.fullmatch(key, path)]
    if len(matches) > 1:
        raise ValueError(f"Path '{path}' matches several {what} keys {matches}; make the regexes exclusive")
    return table[matches[0]] if matches else default
