"""kerax.utils: seeding, session state and small conveniences Keras users reach for."""
from __future__ import annotations

import numpy as np

from .naming import clear_session as _clear_names
from .random import set_random_seed  # noqa: F401


def clear_session() -> None:
    """Reset layer name counters (`dense`, `dense_1`, … start again) and the global dtype policy."""
    from .dtype_policies import reset_dtype_policy

    _clear_names()
    reset_dtype_policy()


def to_categorical(x, num_classes=None):
    """Integer labels -> one-hot float32 rows.

    >>> to_categorical([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    x = np.asarray(x, dtype="int64").reshape(-1)
    num_classes = int(x.max()) + 1 if num_classes is None else num_classes
    out = np.zeros((len(x), num_classes), dtype="float32")
    out[np.arange(len(x)), x] = 1.0
    return out
