"""A step graph -> the pure function fit runs: `step(state, data) -> (logs, state)`.

A step graph is a whole train, test or predict step in the IR: its data inputs are the batch
(x..., y..., sample weights...) and its param/state inputs are the variables of Keras's JAX
state tuple `(trainable, non_trainable, optimizer_variables, metric_variables)`; its updates
are the new values of those variables and its outputs are the logs (or the predictions).
Which input belongs to which part of the tuple is the caller's layout, `state_names`.
"""
from __future__ import annotations

import jax

from ..ir import Graph
from .interpret import lower


def lower_step(graph: Graph, state_names: list, mesh=None):
    """`step(state, data)` over Keras's state tuple: `state_names[g][i]` names the graph input
    that `state[g][i]` feeds; `data` is a pytree whose leaves feed the data inputs in order.
    A variable the graph does not update comes back unchanged.

    >>> step = lower_step(train_graph, [trainable, non_trainable, optimizer, metrics])  # doctest: +SKIP
    >>> logs, state = step(state, (x, y, sample_weight))  # doctest: +SKIP
    """
    apply = lower(graph, mesh)
    known = {gi.name for gi in graph.inputs if gi.kind in ("param", "state", "rng")}
    unknown = sorted(set(known) - {name for group in state_names for name in group})
    if unknown:
        raise ValueError(f"Step graph {graph.name!r} reads variables that are not in the state: {unknown}")

    def step(state, data):
        variables = {name: value for names, values in zip(state_names, state)
                     for name, value in zip(names, values) if name in known}
        outputs, updates, _ = apply(variables, [leaf for leaf in jax.tree.leaves(data)])
        new_state = tuple([updates.get(name, value) for name, value in zip(names, values)]
                          for names, values in zip(state_names, state))
        return dict(zip(graph.output_names, outputs)), new_state

    step.graph = graph
    return step
