"""Local rewrites as data: (name, op, rule) triples. A rule sees a node (and who produced its
operands) and returns replacement values for the node's outputs, or None to leave it.
Each firing is counted by rule name, so a rewrite can be traced back to its rule."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

from ..ir import Graph
from .cse import substitute


@dataclass(frozen=True)
class Rule:
    name: str
    op: str
    fn: Callable  # (node, producers: dict value -> node) -> list of values | None


def apply_rules(graph: Graph, rules: list, counts: Counter | None = None) -> Graph:
    """One sweep over the graph applying `rules`; replaced nodes are dropped."""
    by_op = {}
    for rule in rules:
        by_op.setdefault(rule.op, []).append(rule)
    producers, replace, kept = {}, {}, []
    for node in graph.nodes:
        if replace:
            node = node.with_inputs(tuple(replace.get(v, v) for v in node.inputs))
        result = None
        for rule in by_op.get(node.op, ()):
            result = rule.fn(node, producers)
            if result is not None:
                if counts is not None:
                    counts[rule.name] += 1
                break
        if result is None:
            kept.append(node)
            for out in node.outputs:
                producers[out] = node
        else:
            replace.update(zip(node.outputs, result))
    if not replace:
        return graph
    return substitute(graph, replace, kept)
