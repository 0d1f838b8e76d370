"""Model: a Layer that trains. `Model(inputs, outputs)` builds a functional model; subclass
Model and write `call` for a subclassed one."""
from __future__ import annotations

import jax
import numpy as np

from ..layers.layer import Layer
from .trainer import Trainer


class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features.

    >>> inputs = kerax.Input((32,))
    >>> outputs = kerax.layers.Dense(10)(inputs)
    >>> model = kerax.Model(inputs, outputs)
    """

    def __new__(cls, *args, **kwargs):
        if len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs:
            from .functional import Functional

            if cls is Model:
                return object.__new__(Functional)
            if not issubclass(cls, Functional):  # CustomModel(inputs, outputs): a functional model
                return object.__new__(_functional_subclass(cls))  # that keeps the subclass's methods
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args or set(kwargs) - {"input_shape", "batch_input_shape", "batch_size", "input_dim"}:
            raise TypeError(f"Model: unexpected arguments {list(kwargs) or args}; a functional model takes "
                            "Model(inputs, outputs, name=...)")
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._init_trainer()

    # -- structure of inputs and outputs (subclassed models: whatever call takes and returns) --------
    @property
    def output_names(self) -> list:
        if getattr(self, "_traced_output_count", None):
            count = self._traced_output_count
            return ["output"] if count == 1 else [f"output_{i}" for i in range(count)]
        return ["output"]

    def _input_names_for_trace(self, count: int) -> list:
        return [f"input_{i}" if count > 1 else "input" for i in range(count)]

    def _output_names_for_trace(self, count: int) -> list:
        self._traced_output_count = count
        return self.output_names

    def _flatten_inputs(self, x) -> list:
        return jax.tree.leaves(x)

    def _pack_inputs(self, flat: list):
        self._input_structure = getattr(self, "_input_structure", None)
        if self._input_structure is not None:
            return jax.tree.unflatten(self._input_structure, flat)
        return flat[0] if len(flat) == 1 else list(flat)

    def _flatten_outputs(self, outputs) -> list:
        self._output_structure = jax.tree.structure(outputs)
        return jax.tree.leaves(outputs)

    def _pack_outputs(self, flat: list):
        structure = getattr(self, "_output_structure", None)
        if structure is None or structure.num_leaves != len(flat):
            return flat[0] if len(flat) == 1 else flat
        return jax.tree.unflatten(structure, flat)

    def _flatten_targets(self, y) -> list:
        return _by_output(y, self.output_names, "y")

    def _flatten_sample_weights(self, sample_weight) -> list:
        if sample_weight is None or not isinstance(sample_weight, (list, tuple, dict)):
            return [sample_weight] * len(self.output_names)
        return _by_output(sample_weight, self.output_names, "sample_weight")

    # -- Keras conveniences ------------------------------------------------------------------------
    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError("get_layer(): give `name` or `index`, not both")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer(): index {index} is out of range for a model of {len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[l.name for l in self.layers]}")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        from .summary import print_summary

        print_summary(self, line_length=line_length, print_fn=print_fn, show_trainable=show_trainable)

    def reset_states(self):
        """Zero the states of every stateful layer (Keras FAQ: between independent sequences)."""
        for layer in self._all_layers():
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    def _all_layers(self) -> list:
        """Every layer inside this model, nested ones included, each once."""
        out, seen = [], set()

        def walk(layer):
            for sub in layer._tracked_layers():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    out.append(sub)
                    walk(sub)

        walk(self)
        return out

    def get_weights(self) -> list:
        return [np.array(v.value) for v in self.weights]

    # -- saving (kerax.saving does the work; Keras 3's signatures) -------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs) -> None:
        """Save architecture, weights, compile config and optimizer state (`.keras` or `.h5`)."""
        from ..saving import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None) -> None:
        """Weights only, in Keras 3's `.weights.h5` layout."""
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs) -> None:
        """Weights from a `.weights.h5`, `.keras` or legacy `.h5` file."""
        from ..saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs) -> str:
        from ..saving.api import model_to_json

        return model_to_json(self, **kwargs)

    def get_compile_config(self) -> dict:
        from ..saving.compile_config import get_compile_config

        return get_compile_config(self) if self.compiled else {}

    def compile_from_config(self, config: dict) -> None:
        from ..saving.compile_config import compile_from_config

        compile_from_config(self, config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if cls is Model and "layers" in config and "input_layers" in config:
            from ..saving.graph_config import functional_from_config
            from ..saving.registry import scope_of
            from .functional import Functional

            with scope_of(custom_objects):
                return functional_from_config(Functional, config)
        return cls(**config)


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_subclass(cls):
    """`cls` with Functional mixed in behind it (Keras 3 swaps the base class the same way): the
    user's train_step/test_step/... override Functional's, and Functional's call replays the graph."""
    from .functional import Functional

    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                           {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


def _by_output(value, names: list, what: str) -> list:
    """A target structure as one entry per output (None where an output has none)."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"`{what}` has keys {unknown} that match no output; the model's outputs are {names}")
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"`{what}` has {len(value)} entries but the model has {len(names)} outputs {names}")
        return list(value)
    if value is not None and len(names) > 1:
        raise ValueError(f"The model has {len(names)} outputs {names}: give `{what}` as a list or a dict by output name")
    return [value] * len(names) if len(names) == 1 else [value] * len(names)
