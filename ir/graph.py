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

    @property
    def regions(self) -> list:
        """(attr name, Graph) for each nested graph this node holds, as jaxpr keeps sub-jaxprs in
        equation params. A region is closed: its inputs (kind "input") take the node's operands
        in order; its const inputs hold their own data."""
        return [(key, value) for key, value in self.attrs if isinstance(value, Graph)]

    def with_inputs(self, inputs: tuple) -> "Node":
        """This node reading `inputs` instead; the node itself when they are the same values
        (building a node costs more than the check, and the passes rewire few)."""
        return self if inputs == self.inputs else Node(self.op, inputs, self.attrs, self.outputs, self.provenance)

    def with_regions(self, regions: dict) -> "Node":
        """This node with some of its regions replaced (attr name -> Graph)."""
        attrs = tuple((key, regions.get(key, value)) for key, value in self.attrs)
        return Node(self.op, self.inputs, attrs, self.outputs, self.provenance)


# What a graph input stands for.
INPUT_KINDS = (
    "input",  # data fed by the user
    "param",  # a weight (trainable or frozen)
    "state",  # a non-trainable variable threaded through the step (BatchNorm statistics, RNN state)
    "rng",    # a random-key state variable, advanced by the graph
    "const",  # an array constant of the pool: named by a hash of its bytes, its value held beside the text
)


@dataclass(frozen=True, slots=True, eq=False)
class GraphInput:
    """One input of a graph. A `const` input holds its array in `data` (None when the graph was
    parsed from text without its constant pool)."""

    value: Value
    kind: str
    name: str
    trainable: bool = False
    initializer: str = ""
    data: object = None

    def __post_init__(self):
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"Graph input kind: expected one of {INPUT_KINDS}, received {self.kind!r}")
        if self.data is not None and self.kind != "const":
            raise ValueError(f"Graph input {self.name!r}: only a const input holds data")


def constant_name(array) -> str:
    """The pool name of an array constant: a short hash of its dtype, shape and bytes.

    >>> constant_name(np.zeros((2, 2), "float32"))  # doctest: +SKIP
    '#5f0f1c4b9e'
    """
    import hashlib

    import numpy as np

    array = np.ascontiguousarray(array)
    digest = hashlib.sha256(f"{array.dtype.name}{array.shape}".encode() + array.tobytes()).hexdigest()
    return "#" + digest[:10]


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

    def map_regions(self, fn) -> "Graph":
        """This graph with `fn(region) -> region` applied to every region of every node (one
        level down; `fn` recurses if it needs to). Unchanged regions keep their graph."""
        nodes, changed = [], False
        for node in self.nodes:
            regions = node.regions if node.attrs else ()  # most nodes have no attrs: skip building a list
            if regions:
                new = {key: fn(region) for key, region in regions}
                if any(new[key] is not region for key, region in regions):
                    node, changed = node.with_regions(new), True
            nodes.append(node)
        return self.replace(nodes=tuple(nodes)) if changed else self

    @property
    def constants(self) -> dict:
        """The constant pool of the whole program, regions included: pool name -> array, for
        `parse(text, constants=...)`."""
        pool = {gi.name: gi.data for gi in self.inputs if gi.kind == "const"}
        for node in self.nodes:
            for _, region in node.regions:
                pool.update(region.constants)
        return pool

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
