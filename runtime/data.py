"""Feeding data: batches stacked K at a time into super-batches [k, batch, ...].

Data is a pytree (for training `(x, y, sample_weight)`, with lists and None inside) whose
leaves are NumPy arrays of equal length (`ArrayData`) or batches from a Python iterable
(`IterableData`). Both yield `(superbatch, steps, ends_block)` with `steps <= K` real steps.

The steps of a pass fall into blocks of K, from its first step on: Keras's executions, which the
batch hooks see. A block whose batches do not all have one shape (the short last batch of arrays,
a generator's odd batch) cannot be stacked into one super-batch, so it comes as several, and
`ends_block` says which super-batch is the last of its block.
"""
from __future__ import annotations

import math

import jax
import numpy as np


class ArrayData:
    def __init__(self, data, batch_size: int, shuffle=True, steps_per_epoch: int | None = None):
        self.leaves, self.treedef = jax.tree.flatten(data)
        if not self.leaves:
            raise ValueError("No data was given: expected arrays for x")
        lengths = {len(a) for a in self.leaves}
        if len(lengths) != 1:
            raise ValueError(f"Data cardinality is ambiguous: the arrays have different numbers of samples "
                             f"{sorted(lengths)}; make sure all arrays contain the same number of samples")
        self.num_samples = lengths.pop()
        if batch_size is None or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps_per_epoch = steps_per_epoch

    def peek(self):
        """The first batch, to build the model and its programs before the first epoch."""
        return jax.tree.unflatten(self.treedef, [a[: self.batch_size] for a in self.leaves])

    @property
    def steps(self) -> int:
        full = math.ceil(self.num_samples / self.batch_size)
        return full if self.steps_per_epoch is None else min(full, self.steps_per_epoch)

    def superbatches(self, k_max: int, start: int = 0):
        """`(superbatch, steps, ends_block)` over one epoch, from step `start` on (a resumed
        epoch draws the same shuffle, from the same NumPy RNG state, and skips what was done)."""
        n, b = self.num_samples, self.batch_size
        order = None
        if self.shuffle == "batch":
            blocks = np.random.permutation(math.ceil(n / b))
            order = np.concatenate([np.arange(i * b, min((i + 1) * b, n)) for i in blocks])
        elif self.shuffle:
            order = np.random.permutation(n)
        steps = self.steps
        full = min(n // b, steps)
        short = steps > max(full, start)  # a short last batch follows the full ones
        for first in range(start, full, k_max):
            k = min(k_max, full - first)
            lo, hi = first * b, (first + k) * b
            yield self._take(order, lo, hi, (k, b)), k, k == k_max or not short
        if short:
            lo = full * b
            yield self._take(order, lo, n, (1, n - lo)), 1, True

    def _take(self, order, lo, hi, lead):
        if order is None:
            leaves = [a[lo:hi].reshape(lead + a.shape[1:]) for a in self.leaves]
        else:
            index = order[lo:hi]
            leaves = [a.take(index, axis=0).reshape(lead + a.shape[1:]) for a in self.leaves]  # take: ~3x a[index]
        return jax.tree.unflatten(self.treedef, leaves)


class IterableData:
    """Batches from a generator function or a PyDataset-like object (len + getitem)."""

    def __init__(self, make_iterator, steps_per_epoch: int | None, adapt):
        self.make_iterator = make_iterator
        self.steps_per_epoch = steps_per_epoch
        self.adapt = adapt  # raw batch -> data pytree of arrays
        self._peeked = None  # (iterator, first raw batch) drawn by peek(), replayed by the next pass

    def peek(self):
        """The first batch, without losing it for the next pass (generators are consumed once)."""
        iterator = self.make_iterator()
        first = next(iterator)
        self._peeked = (iterator, first)
        return self.adapt(first)

    def _iterate(self):
        if self._peeked is not None:
            iterator, first = self._peeked
            self._peeked = None
            yield first
        else:
            iterator = self.make_iterator()
        # next() rather than `yield from`: when an epoch stops early (steps_per_epoch), closing
        # this wrapper must not close the user's generator, which the next epoch goes on reading.
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                return
            yield item

    @property
    def steps(self):
        return self.steps_per_epoch

    def superbatches(self, k_max: int, start: int = 0):
        """`(superbatch, steps, ends_block)`; sets `ran_out` when the iterable ends before
        `steps_per_epoch` batches (or yields none at all). Batches drawn before an error in
        the user's iterator are still yielded (trained on) before the error is raised."""
        group, shape, in_block = [], None, 0  # in_block: steps of the current block drawn so far
        iterator = self._iterate()
        taken = 0
        self.ran_out = False
        while self.steps_per_epoch is None or taken < self.steps_per_epoch:
            try:
                raw = next(iterator)
            except StopIteration:
                self.ran_out = taken < (self.steps_per_epoch or 1)
                break
            except Exception:
                if group:
                    yield _stack(group), len(group), True
                raise
            taken += 1
            if taken <= start:  # a resumed epoch: these steps were done before
                continue
            batch = self.adapt(raw)
            leaves = jax.tree.leaves(batch)
            batch_shape = tuple(a.shape for a in leaves)
            if group and (batch_shape != shape or in_block == k_max):
                yield _stack(group), len(group), in_block == k_max
                group = []
            in_block = in_block % k_max + 1
            group.append(batch)
            shape = batch_shape
        if group:
            yield _stack(group), len(group), True


def _stack(batches: list):
    return jax.tree.map(lambda *xs: np.stack(xs), *batches)


def train_validation_split(arrays, validation_split: float):
    """Keras semantics: the last `validation_split` fraction, taken before any shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), received {validation_split}")
    leaves, treedef = jax.tree.flatten(arrays)
    n = len(leaves[0])
    split = int(math.floor(n * (1.0 - validation_split)))
    if split == 0 or split == n:
        raise ValueError(f"validation_split={validation_split} leaves no samples on one side of {n} samples")
    return (jax.tree.unflatten(treedef, [a[:split] for a in leaves]),
            jax.tree.unflatten(treedef, [a[split:] for a in leaves]))
