"""The data `adapt` accepts, as in Keras: an array, or an iterable of batches (a list, a
generator, a PyDataset) whose elements are arrays or `(x, ...)` tuples."""
from __future__ import annotations

import numpy as np


def batches(layer: str, data):
    """`data` as a list of NumPy batches (one for an array)."""
    if isinstance(data, np.ndarray) or hasattr(data, "__jax_array__") or type(data).__module__.startswith("jax"):
        return [np.asarray(data)]
    if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__") and not hasattr(data, "__getitem__"):
        raise TypeError(f"Layer {layer}.adapt: expected an array or an iterable of batches (a list, a generator, "
                        f"a PyDataset), received {type(data).__name__}")
    if hasattr(data, "__len__") and hasattr(data, "__getitem__") and not isinstance(data, (list, tuple)):
        items = (data[i] for i in range(len(data)))  # a PyDataset: batches by index
    else:
        items = iter(data)
    out = [np.asarray(b[0] if isinstance(b, tuple) else b) for b in items]
    if not out:
        raise ValueError(f"Layer {layer}.adapt: received an empty iterable; expected at least one batch")
    return out
