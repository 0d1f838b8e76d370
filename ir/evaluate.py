"""Evaluate a graph on JAX arrays, positionally: what a region op's lowering rule runs on its
body (as jax.core.eval_jaxpr does for a sub-jaxpr). Whole programs are lowered by
`kerax.lowering.lower`, which adds variables by name and sharding constraints."""
from __future__ import annotations

from . import registry
from .graph import Graph

# Ops whose code is held out of line, in the graph's `callables` table under their attr `fn`.
OUT_OF_LINE = frozenset({"opaque", "primitive"})


def node_rule(graph: Graph, node):
    """The function that computes `node`: `rule(*arrays, **attrs)`."""
    if node.op in OUT_OF_LINE:
        fn = graph.callable(node.attr("fn"))
        return lambda *arrays, fn_=fn, **attrs: fn_(*arrays)
    return registry.get(node.op).lower


def evaluate(graph: Graph, args) -> tuple:
    """(outputs, updates, losses) of `graph`, its non-const inputs bound to `args` in order.

    >>> outputs, updates, losses = evaluate(region, [w, x])  # doctest: +SKIP
    """
    import jax.numpy as jnp

    bound = [gi for gi in graph.inputs if gi.kind != "const"]
    if len(args) != len(bound):
        raise ValueError(f"Graph {graph.name!r} takes {len(bound)} operands, received {len(args)}")
    env = dict(zip((gi.value for gi in bound), args))
    for gi in graph.inputs:
        if gi.kind == "const":
            if gi.data is None:
                raise ValueError(f"Graph {graph.name!r}: constant {gi.name} has no value")
            env[gi.value] = jnp.asarray(gi.data)
    for node in graph.nodes:
        result = node_rule(graph, node)(*(env[v] for v in node.inputs), **node.attr_dict)
        env.update(zip(node.outputs, result if isinstance(result, (tuple, list)) else (result,)))
    return ([env[v] for v in graph.outputs], [env[v] for _, v in graph.updates], [env[v] for v in graph.losses])
