"""Functional models: the layer graph between Input()s and outputs.

Inputs and outputs may be one tensor, a list, or a dict by name; models nest inside models;
a layer called twice (shared) is one set of weights.
"""
from __future__ import annotations

import jax

from ..keras_tensor import KerasTensor
from ..tracing import current_trace
from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from .graph_map import flat_tensors, map_graph
from .model import Model


class Functional(Model):
    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_trainer()
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self.inputs = flat_tensors(inputs)
        self.outputs = flat_tensors(outputs)
        if not self.inputs or not self.outputs:
            raise ValueError(f"Model '{self.name}': `inputs` and `outputs` must not be empty")
        self._nodes, layers = map_graph(self.inputs, self.outputs)
        self._functional_layers = layers
        tracked = self.__dict__.setdefault("_layers", [])
        known = set(map(id, tracked))
        for layer in layers:  # tracked so weights and `trainable` reach them, in Keras's order
            if id(layer) not in known:
                known.add(id(layer))
                tracked.append(layer)
        self._input_structure = jax.tree.structure(inputs)
        self._output_structure = jax.tree.structure(outputs)
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._functional_layers)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_names(self) -> list:
        if isinstance(self._inputs_struct, dict):
            return sorted(self._inputs_struct)
        return [t._keras_history[0].name for t in self.inputs]

    @property
    def output_names(self) -> list:
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t._keras_history[0].name for t in self.outputs]

    def _input_names_for_trace(self, count: int) -> list:
        return self.input_names

    def _output_names_for_trace(self, count: int) -> list:
        return self.output_names

    # -- inputs ---------------------------------------------------------------------------------------
    def _flatten_inputs(self, x) -> list:
        names = self.input_names
        if isinstance(x, dict):
            missing = [n for n in names if n not in x]
            extra = sorted(set(x) - set(names))
            if missing or (extra and not isinstance(self._inputs_struct, dict)):
                raise ValueError(f"Model '{self.name}' expects inputs named {names}; received keys {sorted(x)}"
                                 + (f" (missing {missing})" if missing else ""))
            return [x[n] for n in names]
        flat = list(x) if isinstance(x, (list, tuple)) else [x]
        if len(flat) != len(names):
            raise ValueError(f"Model '{self.name}' expects {len(names)} input(s) {names}, received {len(flat)}")
        return flat

    def _pack_inputs(self, flat: list):
        return jax.tree.unflatten(self._input_structure, flat)

    # -- running the graph ------------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_inputs(inputs)
        for tensor, value, position in zip(self.inputs, flat, range(len(flat))):
            _check_input(self, position, tensor, value)
        return self._run_through_graph(flat)

    def _run_through_graph(self, flat_inputs: list, operation_fn=None, call_fn=None):
        """Run every node on `flat_inputs` (values, or KerasTensors to build a new graph), each
        node's layer replaced by `operation_fn(layer)` and called as `call_fn(layer, *args,
        **kwargs)` when given (what clone_model does); returns the outputs' structure."""
        values = {id(tensor): value for tensor, value in zip(self.inputs, flat_inputs)}
        for node in self._nodes:
            if isinstance(node.layer, InputLayer) or (not node.input_tensors and not node.call_args):
                continue
            if any(id(t) not in values for t in node.input_tensors):
                continue  # not computable from these inputs (a branch the outputs do not need)

            def fill(t):
                return values[id(t)] if isinstance(t, KerasTensor) else t

            if not node.call_kwargs and all(isinstance(a, KerasTensor) for a in node.call_args):
                args, kwargs = tuple(values[id(a)] for a in node.call_args), {}  # the common case, without a tree walk
            else:
                args, kwargs = jax.tree.map(fill, (node.call_args, node.call_kwargs),
                                            is_leaf=lambda t: isinstance(t, KerasTensor))
            layer = node.layer if operation_fn is None else operation_fn(node.layer)
            trace = current_trace()
            if trace is not None and node.source:
                trace.sources.append(node.source)  # nodes point at the line that called the layer
            try:
                outputs = layer(*args, **kwargs) if call_fn is None else call_fn(layer, *args, **kwargs)
            finally:
                if trace is not None and node.source:
                    trace.sources.pop()
            for tensor, value in zip(node.output_tensors, jax.tree.leaves(outputs)):
                values[id(tensor)] = value
        return jax.tree.unflatten(self._output_structure, [values[id(t)] for t in self.outputs])

    def get_config(self):
        from ..saving.graph_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.graph_config import functional_from_config
        from ..saving.registry import scope_of

        with scope_of(custom_objects):
            return functional_from_config(cls, config)


def _check_input(model, position: int, tensor: KerasTensor, value) -> None:
    shape = tuple(getattr(value, "shape", ()))
    expected = tensor.shape
    if len(shape) != len(expected) or any(e is not None and s is not None and e != s for e, s in zip(expected, shape)):
        raise ValueError(f"Input {position} of model '{model.name}' is incompatible with the model: expected shape "
                         f"{expected}, received shape {shape}")
