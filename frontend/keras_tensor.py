"""KerasTensor: the symbolic tensors of the functional API, and the call graph they record.

Calling a layer on KerasTensors records a `Node` (that layer, those inputs, these outputs);
a functional model is the set of nodes between its inputs and outputs. A kerax op applied to
KerasTensors becomes an `OpLayer`, so `x + 1` is a node like any other.
"""
from __future__ import annotations

import jax

from ..ir import canonical_dtype
from .operators import TensorOperators


class KerasTensor(TensorOperators):
    """A symbolic tensor of the functional API: a shape (None where unknown), a dtype, and
    the layer call that produced it.

    >>> x = kerax.Input((32,))
    >>> x.shape
    (None, 32)
    """

    def __init__(self, shape, dtype="float32", name=None, history=None, mask=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = canonical_dtype(dtype)
        self.name = name
        self._keras_history = history  # (layer, node_index, tensor_index)
        self._keras_mask = mask        # a KerasTensor, when the producing layer masks

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{name}>"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __bool__(self):
        raise TypeError("A KerasTensor has no truth value: it stands for data that does not exist yet.")


class Node:
    """One call of a layer: its arguments (with KerasTensors inside) and its outputs."""

    def __init__(self, layer, call_args: tuple, call_kwargs: dict, outputs, source: str = ""):
        self.layer = layer
        self.source = source  # the user's line that made this call, for the IR's provenance
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in jax.tree.leaves((call_args, call_kwargs)) if isinstance(t, KerasTensor)]
        self.output_tensors = [t for t in jax.tree.leaves(outputs) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self) -> list:
        parents = []
        for t in self.input_tensors:
            layer, node_index, _ = t._keras_history
            parents.append(layer._inbound_nodes[node_index])
        return parents


def functional_op(op: str, operands, attrs: dict):
    """A kerax op applied to KerasTensors: a node of an OpLayer in the functional graph."""
    from .layers.op_layer import OpLayer

    tensors = [o for o in operands if isinstance(o, KerasTensor)]
    template = tuple(None if isinstance(o, KerasTensor) else o for o in operands)
    return OpLayer(op, template, attrs)(*tensors)
