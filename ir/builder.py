"""Builds a graph one node at a time, inferring each result type from the op registry."""
from __future__ import annotations

from . import registry
from .graph import Graph, GraphInput, Node, Provenance, Value, constant_name
from .types import TensorType, canonical_dtype


class GraphBuilder:
    def __init__(self, name: str):
        self.name = name
        self.inputs: list[GraphInput] = []
        self.nodes: list[Node] = []
        self.pool: dict[str, Value] = {}  # constant pool name -> its input value
        self.callables: list[tuple] = []
        self._callable_names: set = set()   # the names in `callables`, for unique names in constant time
        self._callable_counts: dict = {}    # name -> the last suffix given to it

    def add_callable(self, name: str, fn) -> str:
        """Hold `fn` for an opaque node; returns the unique name its `fn` attr gives."""
        taken = self._callable_names
        if len(taken) != len(self.callables):  # callables appended directly (a copied graph's)
            taken.clear()
            taken.update(key for key, _ in self.callables)
        unique, n = name, self._callable_counts.get(name, 1)
        while unique in taken:
            n += 1
            unique = f"{name}#{n}"
        self._callable_counts[name] = n
        taken.add(unique)
        self.callables.append((unique, fn))
        return unique

    def add_input(self, type: TensorType, kind: str, name: str, trainable: bool = False,
                  initializer: str = "") -> Value:
        value = Value(type)
        self.inputs.append(GraphInput(value, kind, name, trainable, initializer))
        return value

    def add_constant(self, array) -> Value:
        """An array constant as a pool input (one input per distinct array), kept out of the text."""
        import numpy as np

        array = np.array(array, copy=True)
        array.setflags(write=False)
        name = constant_name(array)
        if name not in self.pool:
            value = Value(TensorType(tuple(array.shape), canonical_dtype(array.dtype)))
            self.inputs.append(GraphInput(value, "const", name, data=array))
            self.pool[name] = value
        return self.pool[name]

    def emit(self, op: str, inputs: tuple, attrs: dict | tuple = (), provenance: Provenance = Provenance()) -> list:
        attrs = tuple(sorted(attrs.items())) if isinstance(attrs, dict) else tuple(attrs)
        types = registry.infer_types(op, tuple(v.type for v in inputs), attrs)
        outputs = tuple(map(Value, types))
        self.nodes.append(Node(op, tuple(inputs), attrs, outputs, provenance))
        return list(outputs)

    def finish(self, outputs, output_names, updates=(), losses=()) -> Graph:
        return Graph(self.name, tuple(self.inputs), tuple(self.nodes), tuple(outputs),
                     tuple(output_names), tuple(updates), tuple(losses), tuple(self.callables))
