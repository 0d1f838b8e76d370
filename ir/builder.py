"""Builds a graph one node at a time, inferring each result type from the op registry."""
from __future__ import annotations

from . import registry
from .graph import Graph, GraphInput, Node, Provenance, Value
from .types import TensorType


class GraphBuilder:
    def __init__(self, name: str):
        self.name = name
        self.inputs: list[GraphInput] = []
        self.nodes: list[Node] = []
        self.callables: list[tuple] = []

    def add_callable(self, name: str, fn) -> str:
        """Hold `fn` for an opaque node; returns the unique name its `fn` attr gives."""
        taken = {key for key, _ in self.callables}
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name}#{n}"
        self.callables.append((unique, fn))
        return unique

    def add_input(self, type: TensorType, kind: str, name: str, trainable: bool = False,
                  initializer: str = "") -> Value:
        value = Value(type)
        self.inputs.append(GraphInput(value, kind, name, trainable, initializer))
        return value

    def emit(self, op: str, inputs: tuple, attrs: dict | tuple = (), provenance: Provenance = Provenance()) -> list:
        attrs = tuple(sorted(attrs.items())) if isinstance(attrs, dict) else tuple(attrs)
        types = registry.infer_types(op, tuple(v.type for v in inputs), attrs)
        outputs = tuple(Value(t) for t in types)
        self.nodes.append(Node(op, tuple(inputs), attrs, outputs, provenance))
        return list(outputs)

    def finish(self, outputs, output_names, updates=(), losses=()) -> Graph:
        return Graph(self.name, tuple(self.inputs), tuple(self.nodes), tuple(outputs),
                     tuple(output_names), tuple(updates), tuple(losses), tuple(self.callables))
