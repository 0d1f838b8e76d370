"""Common-subexpression elimination: a pure node equal to an earlier one (same op, same
operands, same attrs) is replaced by it. Random ops are never merged."""
from __future__ import annotations

from ..ir import Graph, registry


def substitute(graph: Graph, replace: dict, nodes: list) -> Graph:
    """`graph` with `nodes` as its body and every use of a key of `replace` redirected."""

    def r(v):
        while v in replace:
            v = replace[v]
        return v

    body = tuple(n.with_inputs(tuple(map(r, n.inputs))) for n in nodes)
    return graph.replace(nodes=body, outputs=tuple(r(v) for v in graph.outputs),
                         updates=tuple((name, r(v)) for name, v in graph.updates),
                         losses=tuple(r(v) for v in graph.losses))


def cse(graph: Graph, context=None) -> Graph:
    seen, replace, kept = {}, {}, []
    for node in graph.nodes:
        inputs = tuple(replace.get(v, v) for v in node.inputs) if replace else node.inputs
        if not registry.get(node.op).pure:
            kept.append(node)
            continue
        key = (node.op, inputs, node.attrs)  # values compare by identity
        earlier = seen.get(key)
        if earlier is not None and all(a.type == b.type for a, b in zip(earlier.outputs, node.outputs)):
            replace.update(zip(node.outputs, earlier.outputs))
            continue
        seen[key] = node
        kept.append(node)
    if not replace:
        return graph
    return substitute(graph, replace, kept)
