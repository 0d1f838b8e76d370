"""IR -> a pure JAX function.

`lower(graph)` returns `apply(variables, inputs) -> (outputs, updates, losses)`: `variables`
maps a param/state/rng name to its array, `inputs` lists the data inputs in graph order.
It walks the nodes once per JAX trace; under `jax.jit` that walk happens only at compile time.
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from ..ir import Graph
from ..ir.evaluate import node_rule


def lower(graph: Graph, mesh=None) -> Callable:
    """Lower `graph` to a pure function. With a mesh, sharding annotations on node results
    become `with_sharding_constraint`s.

    >>> outputs, updates, losses = lower(graph)(variables, [x])  # doctest: +SKIP
    """
    steps = [(node, node_rule(graph, node), node.attr_dict) for node in graph.nodes]
    constraints = _constraints(graph, mesh)
    data_inputs = [gi.value for gi in graph.inputs if gi.kind == "input"]
    stateful = [(gi.value, gi.name) for gi in graph.inputs if gi.kind not in ("input", "const")]
    constants = []
    for gi in graph.inputs_of_kind("const"):
        if gi.data is None:
            raise ValueError(f"Graph {graph.name!r}: constant {gi.name} has no value; parse the text with "
                             "`constants=graph.constants` to give the pool its arrays")
        constants.append((gi.value, gi.data))

    def apply(variables: dict, inputs) -> tuple:
        if len(inputs) != len(data_inputs):
            raise ValueError(f"Graph {graph.name!r} takes {len(data_inputs)} data inputs, received {len(inputs)}")
        env = dict(zip(data_inputs, inputs))
        env.update((value, jnp.asarray(data)) for value, data in constants)  # embedded in the program by jit
        for value, name in stateful:
            env[value] = variables[name]
        for node, rule, attrs in steps:
            result = rule(*(env[v] for v in node.inputs), **attrs)
            results = result if isinstance(result, (tuple, list)) else (result,)
            for out, array in zip(node.outputs, results):
                if out in constraints:
                    array = jax.lax.with_sharding_constraint(array, constraints[out])
                env[out] = array
        return ([env[v] for v in graph.outputs],
                {name: env[v] for name, v in graph.updates},
                [env[v] for v in graph.losses])

    apply.graph = graph
    return apply


def _constraints(graph: Graph, mesh) -> dict:
    if mesh is None:
        return {}
    from .sharding import named_sharding

    return {out: named_sharding(mesh, out.type.sharding)
            for node in graph.nodes for out in node.outputs if out.type.sharding is not None}
