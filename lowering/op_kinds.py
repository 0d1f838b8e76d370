"""What kinds of ops a program's traced graphs hold: the facts the per-program compiler decisions
(loop_plan.py, xla_options.py) read."""
from __future__ import annotations

from ..ir import registry


def has_convolution(graphs) -> bool:
    return _has_op(graphs, registry.CONVOLUTIONS)


def has_recurrence(graphs) -> bool:
    return _has_op(graphs, registry.RECURRENCES)


def _has_op(graphs, ops) -> bool:
    return any(node.op in ops for graph in graphs for node in graph.nodes)
