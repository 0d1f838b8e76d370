"""Algebraic simplification: ops that do nothing to their operand are removed.

XLA would remove most of these too; removing them here keeps dumps and cost tables honest
and lets later pattern passes see through them."""
from __future__ import annotations

from ..ir import Graph
from .rewrite import Rule, apply_rules


def _identity_if(predicate):
    def fn(node, producers):
        x = node.inputs[0]
        if predicate(node) and x.type.shape == node.outputs[0].type.shape and x.type.dtype == node.outputs[0].type.dtype:
            return [x]
        return None

    return fn


def _constant_is(node, producers, value) -> bool:
    source = producers.get(node)
    return source is not None and source.op == "constant" and source.attr("value") == value


def _drop_neutral(neutral):
    def fn(node, producers):
        x, y = node.inputs
        out = node.outputs[0].type
        if _constant_is(y, producers, neutral) and x.type.shape == out.shape and x.type.dtype == out.dtype:
            return [x]
        return None

    return fn


RULES = [
    Rule("cast-to-same-dtype", "cast", _identity_if(lambda n: n.inputs[0].type.dtype == n.attr("dtype"))),
    Rule("reshape-to-same-shape", "reshape", _identity_if(
        lambda n: n.inputs[0].type.shape == n.outputs[0].type.shape and None not in n.inputs[0].type.shape[1:])),
    Rule("transpose-identity", "transpose", _identity_if(lambda n: tuple(n.attr("perm")) == tuple(range(len(n.attr("perm")))))),
    Rule("add-zero", "add", _drop_neutral(0)),
    Rule("subtract-zero", "subtract", _drop_neutral(0)),
    Rule("multiply-one", "multiply", _drop_neutral(1)),
    Rule("divide-one", "divide", _drop_neutral(1)),
]


def simplify(graph: Graph, context=None, counts=None) -> Graph:
    return apply_rules(graph, RULES, counts)
