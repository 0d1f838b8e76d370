"""The optimizer's update of a train step as IR.

`Optimizer.stateless_apply` is imported (`ir.jaxpr_import`) in the parts it runs: the learning
rate and the state shared by all weights, the gradients' scaling and clipping (when there is
any), the update of each weight (`update_variable`: weight decay, `update_step`, the constraint),
the moving averages (with `use_ema`) and the iteration counter. The update of each kind of weight
(same types, decay and constraint) is one region that a `call` node per weight runs (per group
of weights when the slots are packed: optimizers/packed_slots.py): a 200-layer MLP under Adam with
per-weight slots has four such regions and 402 calls, not 8,000 nodes, and an elementwise update is
traced once and re-typed for the other shapes, so that building and optimizing the step stays a
small part of its compile. The numbers are those of `stateless_apply`, which runs the same parts.

An optimizer with its own `stateless_apply` (LossScaleOptimizer, MultiOptimizer) is imported whole.
"""
from __future__ import annotations

import math

import jax
import numpy as np

from ...ir import Provenance
from ...ir.elementwise import at_shape, shape_free
from ...ir.jaxpr_import import import_function, import_region
from ..optimizers.base import Optimizer, SharedUpdate


def import_update(builder, optimizer, optimizer_values: list, grads: list, params: list, weights=None) -> tuple:
    """Append the update of `params` (IR values of the trainable weights, the Variables
    `weights`) by `grads` to `builder`; returns (new weights, new optimizer values) as IR
    values, in `stateless_apply`'s order."""
    if type(optimizer).stateless_apply is not Optimizer.stateless_apply:
        return import_function(builder, optimizer.stateless_apply, (optimizer_values, grads, params))
    if weights is not None and [id(w) for w in weights] != [id(w) for w in optimizer._trainable_variables]:
        return _import_update_of_some(builder, optimizer, optimizer_values, grads, params, weights)
    return _import_own_update(builder, optimizer, optimizer_values, grads, params, optimizer.packed_slots)


def _import_update_of_some(builder, optimizer, optimizer_values, grads, params, weights) -> tuple:
    """The update when the model trains only some of the weights the optimizer was built for
    (layers frozen since): as Keras, by variable, the others' slots left as they are."""
    from ..optimizers import packed_slots

    position = {id(w): i for i, w in enumerate(optimizer._trainable_variables)}
    unknown = [w.path for w in weights if id(w) not in position]
    if unknown:
        raise ValueError(f"Optimizer '{optimizer.name}': the model trains weights the optimizer was not built for: "
                         f"{unknown[:5]}; compile the model with a new optimizer")
    full_grads, full_params = [None] * len(position), [None] * len(position)
    for w, g, p in zip(weights, grads, params):
        full_grads[position[id(w)]], full_params[position[id(w)]] = g, p
    if optimizer.packed_slots:
        optimizer_values = import_function(builder, lambda v: packed_slots.unpacked_values(optimizer, v),
                                           (list(optimizer_values),))
    new_full, new_values = _import_own_update(builder, optimizer, optimizer_values, full_grads, full_params, False)
    if optimizer.packed_slots:
        new_values = import_function(builder, lambda v: packed_slots.packed_values(optimizer, v), (list(new_values),))
    return [new_full[position[id(w)]] for w in weights], new_values


def _import_own_update(builder, optimizer, optimizer_values, grads, params, packed: bool) -> tuple:
    """The update of an optimizer of `stateless_apply`'s parts: the learning rate and shared
    state, the gradients' scaling and clipping, then a `call` per weight (`_update_each`; a None
    gradient leaves the weight and its slots) or, with `packed` slots (`optimizer_values` in the
    `state_variables` layout), one per group of weights (`_update_packed`), then the moving
    averages and the counter."""
    iterations, lr_value, averages, slots, extra_values = optimizer.split_variables(optimizer_values, packed)
    learning_rate, extras = import_function(builder, optimizer.learning_rate_and_extras,
                                            (iterations, lr_value, extra_values))
    if optimizer.changes_gradients:
        grads = import_function(builder, optimizer.prepare_gradients, (list(grads),))
    shared = SharedUpdate(iterations, lr_value, learning_rate, list(grads), list(slots), list(averages), extras)
    new_params = (_update_packed if packed else _update_each)(builder, optimizer, shared, params)
    if optimizer.use_ema:
        present = [i for i, p in enumerate(new_params) if p is not None]
        some, their_averages = import_function(builder, optimizer.moving_averages,
                                               ([new_params[i] for i in present],
                                                [shared.averages[i] for i in present], iterations))
        for i, p, a in zip(present, some, their_averages):
            new_params[i], shared.averages[i] = p, a
    return new_params, optimizer.end_update(shared, import_function(builder, lambda it: it + 1, (iterations,)))


def _update_packed(builder, optimizer, shared: SharedUpdate, params: list) -> list:
    """With packed slots (optimizers/packed_slots.py): per group of weights, one `call` of the
    update region on their concatenated values and gradients with the group's flat slots
    (`shared.slots`, which takes the new ones), the weights then split out again. The region is
    traced once and re-typed for the other groups' sizes, as for weights. Returns the new
    weights."""
    regions = Regions(optimizer)
    new_params = list(params)
    for indices, packs in _groups(optimizer._packs):
        slots = {optimizer._packs[p].slot_name: shared.slots[p] for p in packs}
        # the group's first weight stands for all: packing requires one update_variable_key
        args = (_concatenated(builder, [shared.grads[i] for i in indices]),
                _concatenated(builder, [params[i] for i in indices]),
                shared.learning_rate, {**slots, **shared.extras}, shared.iterations)
        flat, new_slots = _emit_update(builder, regions, indices[0], args, f"{optimizer.name}/packed_update_{indices[0]}")
        for i, value in zip(indices, _split(builder, flat, [params[i].type.shape for i in indices])):
            new_params[i] = value
        for p in packs:
            shared.slots[p] = new_slots[optimizer._packs[p].slot_name]
    return new_params


def _emit_update(builder, regions, index: int, args, layer: str) -> tuple:
    """A `call` of the update region of weight `index`'s kind on `args`: (new weight, new slots)."""
    region, out_tree = regions.get(index, args)
    outs = builder.emit("call", tuple(jax.tree.leaves(args)), {"body": region}, Provenance(layer=layer))
    return jax.tree.unflatten(out_tree, outs)


def _concatenated(builder, values: list):
    """The values' elements as one vector (IR)."""
    flat = [v if len(v.type.shape) == 1 else builder.emit("reshape", (v,), {"shape": (-1,)})[0] for v in values]
    return flat[0] if len(flat) == 1 else builder.emit("concatenate", tuple(flat), {"axis": 0})[0]


def _split(builder, vector, shapes: list) -> list:
    """`_concatenated`'s inverse: the segments of `vector` with the given shapes (IR)."""
    offsets = np.cumsum([math.prod(shape) for shape in shapes]).tolist()
    parts = builder.emit("split", (vector,), {"sections": tuple(offsets[:-1]), "axis": 0}) if len(shapes) > 1 else [vector]
    return [part if len(shape) == 1 else builder.emit("reshape", (part,), {"shape": tuple(shape)})[0]
            for part, shape in zip(parts, shapes)]


def _groups(packs) -> list:
    """[(weight indices, positions in `packs` of their slot kinds)], in order."""
    groups = {}
    for position, pack in enumerate(packs):
        groups.setdefault(pack.indices, []).append(position)
    return list(groups.items())


def _update_each(builder, optimizer, shared: SharedUpdate, params: list) -> list:
    """A `call` per weight of the region updating its kind of weight; the new slots go into
    `shared`. Returns the new weights."""
    regions = Regions(optimizer)
    new_params = list(params)
    for index, (grad, value) in enumerate(zip(shared.grads, params)):
        if grad is None:  # a weight the model does not train now: it and its slots stay
            continue
        args = (grad, value, shared.learning_rate, optimizer.variable_slots(index, shared), shared.iterations)
        new_params[index], new_slots = _emit_update(builder, regions, index, args,
                                                    optimizer._trainable_variables[index].path)
        optimizer.store_slots(index, shared, new_slots)
    return new_params


class Regions:
    """The update regions of one step, by kind of weight. A kind is what the update depends on:
    `update_variable_key`, the arguments' structure and their types. For an optimizer whose
    update is elementwise, weights of other shapes take the region traced first, re-typed
    (`ir.elementwise`): tracing costs ~4 ms a kind."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.exact = {}   # (key, structure, types) -> (region, output structure)
        self.traced = {}  # (key, structure, types with the weight's shape left out) -> (region, shape, structure)

    def get(self, index: int, args) -> tuple:
        leaves, structure = jax.tree.flatten(args)
        shape = leaves[1].type.shape  # the weight's
        types = tuple(v.type.with_sharding(None) for v in leaves)
        key = (self.optimizer.update_variable_key(index), structure)
        if (*key, types) not in self.exact:
            self.exact[(*key, types)] = self._region(index, args, key, types, shape)
        return self.exact[(*key, types)]

    def _region(self, index, args, key, types, shape) -> tuple:
        name = self._name(types[1])
        free = (*key, tuple((t.dtype, None if t.shape == shape else t.shape) for t in types))
        if self.optimizer.elementwise_update and free in self.traced:
            region, traced_shape, out_tree = self.traced[free]
            if shape_free(region, traced_shape) and shape != ():
                return at_shape(region, traced_shape, shape, name), out_tree
        region, out_tree = import_region(name, _update_of(self.optimizer, index), args)
        self.traced.setdefault(free, (region, shape, out_tree))
        return region, out_tree

    def _name(self, weight_type) -> str:
        """"adam update of f32[64,64]", with "#2", "#3" for other kinds of the same type."""
        name = f"{self.optimizer.name} update of {weight_type}"
        taken = sum(region.name.split("#")[0] == name for region, _ in self.exact.values())
        return f"{name}#{taken + 1}" if taken else name


def _update_of(optimizer, index: int):
    """`update_variable` of weight `index`, as a function of its arrays."""
    return lambda g, v, lr, slots, it: optimizer.update_variable(index, g, v, lr, slots, it)
