"""The optimizer's update of a train step as IR.

`Optimizer.stateless_apply` is imported (`ir.jaxpr_import`) in the parts it runs: the learning
rate and the state shared by all weights, the gradients' scaling and clipping (when there is
any), the update of each weight (`update_variable`: weight decay, `update_step`, the constraint),
the moving averages (with `use_ema`) and the iteration counter. The update of each kind of weight
(same types, decay and constraint) is imported once, as a region that one `call` node per weight
runs: a 200-layer MLP under Adam has two such regions and 402 calls, not 8,000 nodes, so that
building and optimizing the step stays a small part of its compile. The numbers are those of
`stateless_apply`, which runs the same parts.

An optimizer with its own `stateless_apply` (LossScaleOptimizer, MultiOptimizer) is imported whole.
"""
from __future__ import annotations

import jax

from ...ir import Provenance
from ...ir.jaxpr_import import import_function, import_region
from ..optimizers.base import Optimizer, SharedUpdate


def import_update(builder, optimizer, optimizer_values: list, grads: list, params: list) -> tuple:
    """Append the update of `params` (IR values of the trainable weights) by `grads` to
    `builder`; returns (new weights, new optimizer values) as IR values, in
    `stateless_apply`'s order."""
    if type(optimizer).stateless_apply is not Optimizer.stateless_apply:
        return import_function(builder, optimizer.stateless_apply, (optimizer_values, grads, params))
    iterations, lr_value, averages, slots, extra_values = optimizer.split_variables(optimizer_values)
    learning_rate, extras = import_function(builder, optimizer.learning_rate_and_extras,
                                            (iterations, lr_value, extra_values))
    if optimizer.changes_gradients:
        grads = import_function(builder, optimizer.prepare_gradients, (list(grads),))
    shared = SharedUpdate(iterations, lr_value, learning_rate, list(grads), list(slots), list(averages), extras)
    new_params = _update_each(builder, optimizer, shared, params)
    if optimizer.use_ema:
        new_params, shared.averages = import_function(builder, optimizer.moving_averages,
                                                      (new_params, shared.averages, iterations))
    return new_params, optimizer.end_update(shared, import_function(builder, lambda it: it + 1, (iterations,)))


def _update_each(builder, optimizer, shared: SharedUpdate, params: list) -> list:
    """A `call` per weight of the region updating its kind of weight; the new slots go into
    `shared`. Returns the new weights."""
    regions = {}
    new_params = list(params)
    for index, (grad, value) in enumerate(zip(shared.grads, params)):
        args = (grad, value, shared.learning_rate, optimizer.variable_slots(index, shared), shared.iterations)
        leaves = jax.tree.leaves(args)
        key = (optimizer.update_variable_key(index), jax.tree.structure(args),
               tuple(v.type.with_sharding(None) for v in leaves))
        if key not in regions:
            regions[key] = import_region(_region_name(optimizer, value, regions), _update_of(optimizer, index),
                                         args)
        region, out_tree = regions[key]
        outs = builder.emit("call", tuple(leaves), {"body": region},
                            Provenance(layer=optimizer._trainable_variables[index].path))
        new_params[index], new_slots = jax.tree.unflatten(out_tree, outs)
        optimizer.store_slots(index, shared, new_slots)
    return new_params


def _update_of(optimizer, index: int):
    """`update_variable` of weight `index`, as a function of its arrays."""
    return lambda g, v, lr, slots, it: optimizer.update_variable(index, g, v, lr, slots, it)


def _region_name(optimizer, value, regions: dict) -> str:
    """"adam update of f32[64,64]", with "#2", "#3" for other kinds of the same type."""
    name = f"{optimizer.name} update of {value.type.with_sharding(None)}"
    taken = sum(region.name.split("#")[0] == name for region, _ in regions.values())
    return f"{name}#{taken + 1}" if taken else name
