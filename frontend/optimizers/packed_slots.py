"""An optimizer's per-weight slots held flat: one variable per kind of slot and group of weights.

An elementwise update (Adam, RMSprop, SGD with momentum, ...) computes the same equations for
every weight. With each slot kind ("momentum", "velocity") stored as one flat vector, the
training step updates all weights' slots with one elementwise computation over the
concatenated gradients, where per-weight slots make one computation per weight, and XLA
compiles one kernel per weight and slot: the tiny MLP's 64-step program compiles 43 kernels
instead of 52, in 0.653 s instead of 0.750 s, the time XLA takes for the one-step program of
per-weight slots (0.656 s; JAX 0.10.2, 2-core CPU, best of 6; `frontend/models/update_graph.py`
builds the packed update). Running it takes the same time.

The weights are packed in groups of `GROUP_SIZE` (one flat variable per group and slot kind):
XLA compiles a concatenation of many operands slowly, and one of all of a 50-layer MLP's 102
weights made its program compile in 2.35 s against 1.27 s per weight; in groups of 4, 8, 16 and
32 weights it took 1.06, 1.14, 1.23 and 1.49 s, and the tiny MLP's 6 weights in one group 0.62
against 0.66 s (plain JAX, one compile each).

Weights of more than two axes (convolution kernels) keep per-weight slots: with its convolution
kernels packed, the CIFAR ResNet's training step compiled in 4.93 s against 4.02 s (best of 3).

Keras's view of the slots does not change: `optimizer.variables` lists one `SlotView` per
weight and slot, in Keras's order and with Keras's names, so saving, loading and the stateless
API see what Keras has. A view reads its segment of the flat variable on the host (one
transfer per flat variable while it is unchanged) and writes it back through the flat variable.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ..variables import Variable


GROUP_SIZE = 8


class SlotPack:
    """The flat variable `storage` of the slot `slot_name` of the weights `indices` (a group),
    and where each one's slot lies in it. It is the views' holder (a Variable reads and writes
    through its `_holder`)."""

    def __init__(self, slot_name: str, storage: Variable, indices: tuple, shapes: list):
        self.slot_name = slot_name
        self.storage = storage
        self.indices = tuple(indices)
        self.shapes = [tuple(s) for s in shapes]
        self.offsets = np.cumsum([0] + [math.prod(s) for s in self.shapes]).tolist()
        self._host = (None, None)  # (the storage's array, its host copy)

    def segment(self, index: int) -> slice:
        return slice(self.offsets[index], self.offsets[index + 1])

    def host_value(self) -> np.ndarray:
        """The storage's value on the host, copied once per value it takes."""
        array = self.storage.value
        if self._host[0] is not array:
            self._host = (array, np.asarray(array))
        return self._host[1]

    def read(self, view: "SlotView") -> np.ndarray:
        return self.host_value()[self.segment(view.index)].reshape(self.shapes[view.index])

    def write(self, view: "SlotView", array) -> None:
        self.write_many({view.index: array})

    def write_many(self, arrays: dict) -> None:
        """Set the segments {index: array} in one transfer of the storage."""
        host = np.array(self.host_value())
        for index, array in arrays.items():
            host[self.segment(index)] = np.asarray(array, host.dtype).reshape(-1)
        self.storage.assign(host)


class SlotView(Variable):
    """One weight's slot, segment `index` of a `SlotPack`'s flat variable, with the name and
    path Keras gives that slot."""

    def __init__(self, pack: SlotPack, index: int, *, name: str, path: str):
        super().__init__(np.zeros((), pack.storage.dtype), name=name, path=path, trainable=False, kind="state")
        self.index = index
        self._holder = pack

    @property
    def pack(self) -> SlotPack:
        return self._holder


def flat_concatenate(arrays):
    """The arrays' elements, one after the other, as one vector (pure)."""
    return jnp.concatenate([jnp.reshape(a, (-1,)) for a in arrays])


def make_packs(optimizer) -> list:
    """The SlotPacks of a built optimizer's weights: per group of GROUP_SIZE weights, one per
    slot kind, each flat variable initialised as the slots would be."""
    weights = optimizer._trainable_variables
    names = [name for group in optimizer.slot_groups() for name in group]
    packs = []
    for start in range(0, len(weights), GROUP_SIZE):
        indices = tuple(range(start, min(start + GROUP_SIZE, len(weights))))
        shapes = [tuple(weights[i].shape) for i in indices]
        size = sum(math.prod(shape) for shape in shapes)
        suffix = f"_{start // GROUP_SIZE}" if len(weights) > GROUP_SIZE else ""
        for name in names:
            storage = optimizer._state_variable(f"packed_{name}{suffix}", (size,), weights[0].dtype,
                                                optimizer.slot_initial_value(name))
            packs.append(SlotPack(name, storage, indices, shapes))
    return packs


def unpacked_values(optimizer, values: list) -> list:
    """An optimizer's values in the `state_variables` layout -> the `variables` layout (pure)."""
    iterations, lr_value, averages, flat, extras = optimizer.split_variables(values, packed=True)
    flat = dict(zip(map(id, optimizer._packs), flat))
    slots = [jnp.reshape(flat[id(slot.pack)][slot.pack.segment(slot.index)], slot.pack.shapes[slot.index])
             for slot in optimizer._slots]
    return optimizer.joined(iterations, lr_value, averages, slots, extras)


def packed_values(optimizer, values: list) -> list:
    """An optimizer's values in the `variables` layout -> the `state_variables` layout (pure)."""
    iterations, lr_value, averages, slots, extras = optimizer.split_variables(values)
    of_pack = {}
    for slot, value in zip(optimizer._slots, slots):
        of_pack.setdefault(id(slot.pack), []).append(value)  # a pack's views come in segment order
    flat = [flat_concatenate(of_pack[id(pack)]) for pack in optimizer._packs]
    return optimizer.joined(iterations, lr_value, averages, flat, extras)
