"""User data (arrays, lists and dicts of arrays, generators, PyDataset-like objects) ->
the runtime's batch sources, with Keras's checks and messages."""
from __future__ import annotations

import inspect

import numpy as np

from ...runtime.data import ArrayData, IterableData


def _host_array(a, what: str):
    array = np.asarray(a)
    if array.dtype == object:
        raise ValueError(f"`{what}` could not be converted to a numeric array (dtype object); received {type(a).__name__}")
    narrowed = {"float64": "float32", "int64": "int32", "uint64": "uint32"}.get(array.dtype.name)
    return array.astype(narrowed) if narrowed else array


def to_arrays(structure, what: str):
    """Nested lists/tuples/dicts of array-likes -> the same structure of NumPy arrays."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: to_arrays(v, what) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and structure and all(
            hasattr(s, "shape") or isinstance(s, (list, tuple, dict)) for s in structure) and not _is_nested_numbers(structure):
        return [to_arrays(s, what) for s in structure]
    return _host_array(structure, what)


def _is_nested_numbers(x) -> bool:
    """A (nested) list of plain numbers is one array, not a list of inputs."""
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return isinstance(x, (int, float, np.number))


def is_iterable_source(x) -> bool:
    return inspect.isgenerator(x) or (hasattr(x, "__getitem__") and hasattr(x, "__len__") and not isinstance(
        x, (np.ndarray, list, tuple, dict)) and not hasattr(x, "shape")) or (hasattr(x, "__next__") and not hasattr(x, "shape"))


def class_weights_to_sample_weights(y, class_weight: dict):
    if isinstance(y, (list, dict)):
        raise ValueError("`class_weight` is only supported for models with a single output")
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else np.reshape(y, (len(y), -1))[:, 0]
    labels = labels.astype(int)
    missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(f"`class_weight` has no weight for classes {missing}; expected a weight for every class in y")
    return np.asarray([class_weight[c] for c in labels], dtype="float32")


def pack_data(x, y=None, sample_weight=None):
    """The training data pytree, shaped as Keras hands it to train_step: (x,), (x, y) or (x, y, sw)."""
    if y is None and sample_weight is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def array_source(x, y, sample_weight, batch_size, shuffle, steps_per_epoch):
    data = pack_data(x, y, sample_weight)
    return ArrayData(data, batch_size, shuffle, steps_per_epoch)


def iterable_source(source, steps_per_epoch, what="x"):
    """A generator (consumed once: give steps_per_epoch for several epochs) or PyDataset-like object."""
    if hasattr(source, "__getitem__") and hasattr(source, "__len__"):
        length = len(source)

        def make():
            # PyDataset's hooks: on_epoch_begin before the first batch, on_epoch_end after the last
            # (also when steps_per_epoch stops the pass early and the generator is closed).
            if hasattr(source, "on_epoch_begin"):
                source.on_epoch_begin()
            try:
                for i in range(length):
                    yield source[i]
            finally:
                if hasattr(source, "on_epoch_end"):
                    source.on_epoch_end()

        steps = length if steps_per_epoch is None else min(length, steps_per_epoch)
    else:
        iterator = iter(source)

        def make():
            return iterator

        steps = steps_per_epoch

    def adapt(batch):
        if not isinstance(batch, tuple):
            batch = (batch,)
        if len(batch) not in (1, 2, 3):
            raise ValueError(f"A batch from `{what}` must be x, (x, y) or (x, y, sample_weight); received a tuple of {len(batch)}")
        return tuple(to_arrays(part, what) for part in batch)

    return IterableData(make, steps, adapt)

