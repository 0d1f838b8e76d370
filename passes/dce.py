"""Dead-code elimination: drop nodes whose results nothing needs, and params/state no node reads.

Outputs, state updates and losses are what the program is for; everything else goes.
Data inputs stay: they are the program's signature.
"""
from __future__ import annotations

from ..ir import Graph


def dce(graph: Graph, context=None) -> Graph:
    needed = set(graph.result_values())
    kept = []
    for node in reversed(graph.nodes):
        if not needed.isdisjoint(node.outputs):
            kept.append(node)
            needed.update(node.inputs)
    kept.reverse()
    inputs = tuple(gi for gi in graph.inputs if gi.kind == "input" or gi.value in needed)
    if len(kept) == len(graph.nodes) and len(inputs) == len(graph.inputs):
        return graph
    return graph.replace(nodes=tuple(kept), inputs=inputs)
