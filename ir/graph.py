"""The graph: a straight-line typed SSA program of nodes over values.

Values are compared by identity and carry only their type; names belong to the printer.
Parameters and state are graph inputs named by their Keras variable path.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace

from .types import TensorType


class Value:
    """One SSA value. Identity is the value: two values are equal only if they are the same."""

    __slots__ = ("type",)

    def __init__(self, type: TensorType):
        self.type = type

    def __repr__(self) -> str:
        return f"Value({self.type})"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a node came from: the layer path that emitted it and the user's source line."""

    layer: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """`op(inputs; attrs) -> outputs`. Attrs are a sorted tuple of (name, literal) pairs."""

    op: str
    inputs: tuple
    attrs: tuple
    outputs: tuple
    provenance: Provenance = Provenance()

    def attr(self, name, default=None):
        for key, value in self.attrs:
            if key == name:
                return value
        return default

    @property
    def attr_dict(self) -> dict:
        return dict(self.attrs)


# What a graph input stands for.
INPUT_KINDS = (
    "input",  # data fed by the user
    "param",  # a weight (trainable or frozen)
    "state",  # a non-trainable variable threaded through the step (BatchNorm statistics, RNN state)
    "rng",    # a random-key state variable, advanced by the graph
)


@dataclass(frozen=True, slots=True, eq=False)
class GraphInput:
    value: Value
    kind: str
    name: str
    trainable: bool = False
    initializer: str = ""

    def __post_init__(self):
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"Graph input kind: expected one of {INPUT_KINDS}, received {self.kind!r}")


@dataclass(frozen=True, slots=True, eq=False)
class Graph:
    """A traced model: inputs, nodes in execution order, and what the program returns.

    `updates` pairs a state/param name with its new value; `losses` are scalars added to the
    training loss (activity and weight regularization).
    """

    name: str
    inputs: tuple
    nodes: tuple
    outputs: tuple
    output_names: tuple
    updates: tuple = ()
    losses: tuple = ()
    callables: tuple = ()  # (name, fn) of the opaque nodes' user code, out of line as jaxpr keeps consts

    def callable(self, name: str):
        for key, fn in self.callables:
            if key == name:
                return fn
        raise KeyError(f"Graph {self.name!r} has no callable {name!r} for its opaque node (a graph read back from "
                       "text has none: opaque user code does not survive the text form)")

    def replace(self, **changes) -> "Graph":
        return replace(self, **changes)

    def inputs_of_kind(self, *kinds) -> list:
        return [i for i in self.inputs if i.kind in kinds]

    @property
    def data_inputs(self) -> list:
        return self.inputs_of_kind("input")

    def result_values(self) -> list:
        """Every value the program hands back: outputs, updates, losses."""
        return [*self.outputs, *(v for _, v in self.updates), *self.losses]

    def producers(self) -> dict:
        """Map each node-defined value to the node that defines it."""
        return {out: node for node in self.nodes for out in node.outputs}

    def to_networkx(self):
        """A networkx DiGraph with one vertex per node (its op and layer) and an edge per value
        passed between nodes: for graph algorithms and DOT export."""
        import networkx as nx

        g = nx.DiGraph(name=self.name)
        made_by = {}
        for index, node in enumerate(self.nodes):
            g.add_node(index, op=node.op, layer=node.provenance.layer)
            for value in node.inputs:
                if value in made_by:
                    g.add_edge(made_by[value], index, type=str(value.type))
            for out in node.outputs:
                made_by[out] = index
        return g


def to_dot(graph: Graph) -> str:
    """Graphviz DOT text of `graph` (render with `dot -Tsvg`)."""
    g = graph.to_networkx()
    lines = [f"digraph {json.dumps(graph.name)} {{", "  node [shape=box, fontname=monospace];"]
    for index, data in g.nodes(data=True):
        label = f"{data['op']}\n{data['layer']}" if data["layer"] else data["op"]
        lines.append(f"  n{index} [label={json.dumps(label).replace(chr(92) * 2, chr(92))}];")
    for a, b, data in g.edges(data=True):
        lines.append(f"  n{a} -> n{b} [label={json.dumps(data['type'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
