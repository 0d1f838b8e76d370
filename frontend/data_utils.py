"""Data helpers of keras.utils: one-hot labels, normalizing, padding sequences, (x, y,
sample_weight) packing, splitting a data set, and the PyDataset base class.

>>> kerax.utils.pad_sequences([[1, 2], [3]], maxlen=3)
array([[0, 1, 2],
       [0, 0, 3]], dtype=int32)
"""
from __future__ import annotations

import numpy as np

__all__ = ["to_categorical", "normalize", "pad_sequences", "pack_x_y_sample_weight", "unpack_x_y_sample_weight",
           "split_dataset", "PyDataset", "Sequence"]


def to_categorical(x, num_classes=None):
    """Integer class labels -> one-hot rows (float64, as Keras gives NumPy input), an extra
    last axis of `num_classes` (a trailing axis of size 1 is replaced).

    >>> to_categorical([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    if hasattr(x, "shape") and not isinstance(x, np.ndarray) and not _concrete(x):
        from .ops import one_hot, squeeze

        if num_classes is None:
            raise ValueError("kerax.utils.to_categorical: a symbolic tensor needs `num_classes`")
        if len(x.shape) > 1 and x.shape[-1] == 1:
            x = squeeze(x, -1)
        return one_hot(x, num_classes)
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    num_classes = int(np.max(x)) + 1 if not num_classes else int(num_classes)
    out = np.zeros((x.shape[0], num_classes))
    out[np.arange(x.shape[0]), x] = 1.0
    return out.reshape(shape + (num_classes,))


def _concrete(x) -> bool:
    import jax

    return isinstance(x, jax.Array)


def normalize(x, axis=-1, order=2):
    """x divided by its `order`-norm along `axis` (NumPy arrays stay NumPy; zero norms leave x as is).

    >>> normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis or -1)
    from .ops import nn

    return nn.normalize(x, axis=axis, order=order)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Sequences of different lengths -> one (samples, maxlen, ...) array, padded and truncated
    at the start ('pre') or the end ('post')."""
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"kerax.utils.pad_sequences: `sequences` must be iterable, received {sequences!r}")
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f"kerax.utils.pad_sequences: argument `{name}` must be 'pre' or 'post', received {choice!r}")
    lengths, sample_shape = [], ()
    for s in sequences:
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"kerax.utils.pad_sequences: `sequences` must be a list of iterables, found "
                             f"non-iterable: {s!r}") from None
        if len(s) and not sample_shape:
            sample_shape = np.asarray(s).shape[1:]
    maxlen = int(np.max(lengths)) if maxlen is None and lengths else (maxlen or 0)
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(f"kerax.utils.pad_sequences: `dtype` {dtype} cannot hold the string `value` {value!r}; "
                         "use dtype=object for variable-length strings")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"kerax.utils.pad_sequences: sequence {i} has elements of shape {kept.shape[1:]}, "
                             f"expected {sample_shape}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """x alone, (x, y) or (x, y, sample_weight), as fit() takes a batch (a tuple or list x is wrapped)."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch, None for what it lacks."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return (data + (None, None))[:3]
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Arrays (or a tuple/dict of arrays of one length) split in two along the first axis.

    Sizes are fractions (float in (0, 1)) or counts (int); a missing one is the rest. kerax
    returns the two halves as the same structure of NumPy arrays (Keras returns tf.data
    Datasets), ready for fit().

    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> len(left), len(right)
    (8, 2)
    """
    import jax

    leaves, treedef = jax.tree.flatten(dataset)
    if not leaves:
        raise TypeError(f"kerax.utils.split_dataset: expected arrays or a tuple/dict of arrays, received {dataset!r}")
    arrays = [np.asarray(a) for a in leaves]
    total = len(arrays[0])
    if any(len(a) != total for a in arrays):
        raise ValueError("kerax.utils.split_dataset: every array must have the same length, received "
                         f"{[len(a) for a in arrays]}")
    left, right = _split_sizes(total, left_size, right_size)
    order = np.arange(total)
    if shuffle:
        np.random.default_rng(seed).shuffle(order)
    left_part = [a[order[:left]] for a in arrays]
    right_part = [a[order[left:left + right]] for a in arrays]
    return jax.tree.unflatten(treedef, left_part), jax.tree.unflatten(treedef, right_part)


def _split_sizes(total: int, left_size, right_size):
    def count(size, name):
        if size is None:
            return None
        if isinstance(size, float):
            if not 0 < size < 1:
                raise ValueError(f"kerax.utils.split_dataset: a float `{name}` must be in (0, 1), received {size}")
            return int(round(size * total))
        if isinstance(size, (int, np.integer)) and 0 <= size <= total:
            return int(size)
        raise ValueError(f"kerax.utils.split_dataset: `{name}` must be a float in (0, 1) or an int in "
                         f"[0, {total}], received {size!r}")

    left, right = count(left_size, "left_size"), count(right_size, "right_size")
    if left is None and right is None:
        raise ValueError("kerax.utils.split_dataset: give `left_size`, `right_size` or both")
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total or left == 0 and right == 0:
        raise ValueError(f"kerax.utils.split_dataset: left_size={left_size} and right_size={right_size} ask for "
                         f"{left + right} of the {total} samples")
    return left, right


class PyDataset:
    """Base class of a data set written in Python: define `__len__` (batches per epoch) and
    `__getitem__(index)` (one batch: x, (x, y) or (x, y, sample_weight)); optionally
    `on_epoch_begin` / `on_epoch_end`. fit() reads the batches in order, in this process
    (`workers`, `use_multiprocessing` and `max_queue_size` are kept for Keras compatibility).

    >>> class Batches(PyDataset):
    ...     def __len__(self): return 2
    ...     def __getitem__(self, i): return np.ones((4, 3)) * i, np.zeros((4, 1))
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index), returning one batch")

    def __iter__(self):
        count = self.num_batches
        for index in range(count) if count is not None else _forever():
            yield self[index]

    @property
    def num_batches(self):
        """Batches per epoch (len(self)), or None for an endless data set."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (or the `num_batches` property)")

    def on_epoch_begin(self):
        """Called before the first batch of every epoch."""

    def on_epoch_end(self):
        """Called after the last batch of every epoch."""


def _forever():
    i = 0
    while True:
        yield i
        i += 1


Sequence = PyDataset
