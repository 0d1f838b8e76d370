"""An elementwise region re-typed for arrays of another shape.

Most optimizers update a weight elementwise: the same equations at every shape, over arrays of
the weight's shape and scalars. JAX takes about 4 ms to trace one such update (every
`jax.numpy` call is traced as a nested jit), which made tracing it once per kind of weight the
largest part of building a small model's step. So the step IR traces it for one shape and
re-types that region for the others: what tracing at the other shape gives, node for node.
"""
from __future__ import annotations

from . import registry
from .graph import Graph, GraphInput, Node, Value
from .types import TensorType


def shape_free(graph: Graph, shape: tuple) -> bool:
    """Whether `graph` computes the same equations at any (non-scalar) shape in place of `shape`:
    every value is a scalar or of `shape`, and every node is elementwise, or makes or works on
    scalars only (a `pow` of the step counter); no array constants, no regions."""
    if shape == ():
        return False
    for gi in graph.inputs:
        if gi.kind == "const" or gi.value.type.shape not in ((), shape):
            return False
    for node in graph.nodes:
        values = (*node.inputs, *node.outputs)
        if node.regions or any(v.type.shape not in ((), shape) for v in values):
            return False
        if registry.get(node.op).group != registry.ELEMENTWISE and any(v.type.shape for v in values):
            return False
    return True


def at_shape(graph: Graph, shape: tuple, new_shape: tuple, name: str) -> Graph:
    """`graph` (for which `shape_free(graph, shape)` holds) named `name`, every value of `shape`
    re-typed to `new_shape`; scalars stay scalars."""
    if not shape_free(graph, shape) or new_shape == ():
        raise ValueError(f"Graph {graph.name!r} is not elementwise over {shape}; it cannot be re-typed to {new_shape}")
    fresh = {}

    def r(v: Value) -> Value:
        if v not in fresh:
            t = v.type
            fresh[v] = Value(TensorType(tuple(new_shape), t.dtype) if t.shape == shape else t)
        return fresh[v]

    inputs = tuple(GraphInput(r(gi.value), gi.kind, gi.name, gi.trainable, gi.initializer) for gi in graph.inputs)
    nodes = tuple(Node(n.op, tuple(map(r, n.inputs)), n.attrs, tuple(map(r, n.outputs)), n.provenance)
                  for n in graph.nodes)
    return graph.replace(name=name, inputs=inputs, nodes=nodes, outputs=tuple(map(r, graph.outputs)))
