"""Sequential: a plain stack of layers, one input and one output.

Built at once when it starts from an `Input` (or a layer given `input_shape`), otherwise on
its first call or fit, from the data's shape."""
from __future__ import annotations

from ..keras_tensor import KerasTensor
from ..layers.input_layer import Input, InputLayer
from ..layers.layer import Layer
from .functional import Functional
from .model import Model


class Sequential(Model):
    """>>> model = Sequential([kerax.Input((32,)), kerax.layers.Dense(10)])"""

    def __init__(self, layers=None, trainable=True, name=None):
        Model.__init__(self, trainable=trainable, name=name)
        self._stack = []
        self._stack_ids = set()  # identities of `_stack`, so adding n layers stays linear
        self._input_layer = None
        object.__setattr__(self, "_functional", None)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or an Input tensor, which sets the model's input)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential.add: expected a Layer instance, received {layer!r} of type {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(f"Sequential '{self.name}': an Input can only come first")
            self._input_layer = layer
        else:
            if id(layer) in self._stack_ids:
                raise ValueError(f"Sequential '{self.name}': layer '{layer.name}' was added twice")
            self._stack.append(layer)
            self._stack_ids.add(id(layer))
            self.__dict__.setdefault("_layers", []).append(layer)
            if self._functional is not None:  # already built: the new layer is built at once, as in Keras
                output = layer(self._functional.outputs[0])
                object.__setattr__(self, "_functional", Functional(self._input_layer.output_tensor, output,
                                                                   name=f"{self.name}_functional"))
                return
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        if not self._stack:
            raise TypeError(f"Sequential '{self.name}' has no layers to pop")
        layer = self._stack.pop()
        self._stack_ids.discard(id(layer))
        self._layers.remove(layer)
        self.built = False
        object.__setattr__(self, "_functional", None)
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if self._input_layer is None and self._stack and self._stack[0]._batch_input_shape is not None:
            shape = self._stack[0]._batch_input_shape
            self._input_layer = Input(batch_shape=shape, dtype=self._stack[0].dtype if "int" in str(self._stack[0].dtype) else None)._keras_history[0]
        elif self._input_layer is None and self._stack and _single_input(self._stack[0]) is not None:
            given = _single_input(self._stack[0])  # a built model first: its input is this model's
            self._input_layer = Input(batch_shape=given.shape, dtype=given.dtype)._keras_history[0]
        if self._input_layer is not None and self._stack:
            self.build(self._input_layer.batch_shape)

    @property
    def layers(self) -> list:
        return list(self._stack)

    def build(self, input_shape=None):
        if self._functional is not None:
            return
        if self._input_layer is None:
            if input_shape is None:
                raise ValueError(f"Sequential '{self.name}' cannot be built without an input shape")
            self._input_layer = Input(batch_shape=tuple(input_shape))._keras_history[0]
        x = self._input_layer.output_tensor
        for layer in self._stack:  # built inside this model's name scope: sequential/dense/kernel
            x = layer(x)
        # Not tracked as a sub-layer: it holds the same layers as the stack.
        object.__setattr__(self, "_functional", Functional(self._input_layer.output_tensor, x, name=f"{self.name}_functional"))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.call(inputs, training=training, mask=mask)
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    # -- structure: one input, one output ---------------------------------------------------------------
    @property
    def inputs(self):
        self._require_built("inputs")
        return self._functional.inputs

    @property
    def outputs(self):
        self._require_built("outputs")
        return self._functional.outputs

    @property
    def input(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]

    def _require_built(self, what):
        if self._functional is None:
            raise AttributeError(f"Sequential '{self.name}' has no {what} yet: it is built from an Input, or on its "
                                 "first call or fit")

    @property
    def output_names(self) -> list:
        return [self._stack[-1].name] if self._stack else ["output"]

    @property
    def input_names(self) -> list:
        return [self._input_layer.name] if self._input_layer is not None else ["input"]

    def _input_names_for_trace(self, count: int) -> list:
        return self.input_names

    def _output_names_for_trace(self, count: int) -> list:
        return self.output_names

    def _pack_inputs(self, flat):
        return flat[0]

    def _flatten_inputs(self, x) -> list:
        if isinstance(x, dict):
            if len(x) != 1:
                raise ValueError(f"Sequential '{self.name}' takes one input, received a dict with keys {sorted(x)}")
            x = next(iter(x.values()))
        if isinstance(x, (list, tuple)) and len(x) == 1:
            x = x[0]
        if isinstance(x, (list, tuple)):
            raise ValueError(f"Sequential '{self.name}' takes one input, received a list of {len(x)}")
        return [x]

    def _flatten_outputs(self, outputs) -> list:
        return [outputs]

    def _pack_outputs(self, flat):
        return flat[0]

    def _maybe_build(self, input_shape) -> None:
        if not self.built:
            with_batch = tuple(input_shape) if input_shape is not None else None
            self.build(with_batch)

    def get_config(self):
        from ..saving.graph_config import sequential_config

        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.graph_config import sequential_from_config
        from ..saving.registry import scope_of

        with scope_of(custom_objects):
            return sequential_from_config(cls, config)


def _single_input(layer):
    """The one input of a built model used as a first layer, else None."""
    if not isinstance(layer, Model) or not layer.built:
        return None
    try:
        inputs = layer.inputs
    except AttributeError:  # a subclassed model: no symbolic inputs
        return None
    return inputs[0] if inputs is not None and len(inputs) == 1 else None
