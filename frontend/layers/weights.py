"""What a layer owns: its weights and sub-layers, tracked as they are assigned to attributes,
in Keras's order (own trainable, own non-trainable, then each sub-layer's), and the
`trainable` switch that reaches every one of them."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import config, naming
from ..random import SeedGenerator
from ...ir import canonical_dtype
from ..variables import Variable


class LayerWeights:
    # -- attribute tracking -------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        layers = d.setdefault("_layers", [])
        owned = d.setdefault("_own_variables", [])
        items = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(item, (LayerWeights, Variable, SeedGenerator)) for item in items):
            # Identity, not equality; one set per assignment keeps a model of n layers linear to build.
            known = {id(self), *map(id, layers), *map(id, owned)}
            for item in items:
                tracked = item.state if isinstance(item, SeedGenerator) else item
                if id(tracked) in known:
                    continue
                if isinstance(item, LayerWeights):
                    layers.append(item)
                elif isinstance(item, Variable):
                    owned.append(item)
                elif isinstance(item, SeedGenerator):
                    item.state.path = f"{d.get('name', 'layer')}/{name}_state"
                    owned.append(item.state)
                else:
                    continue
                known.add(id(tracked))
        object.__setattr__(self, name, value)

    # -- weights ------------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, name=None, aggregation="none", overwrite_with_gradient=False):
        """Create a weight (Keras: glorot_uniform for floats unless given, zeros otherwise)."""
        from .. import constraints, initializers, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _dtype_name(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_variables)}"
        value = np.zeros(shape, jnp.dtype(dtype)) if initializers.placeholders_active() else init(shape, dtype=dtype)
        variable = Variable(value, name=name, path=naming.current_path(name), trainable=trainable,
                            kind="param" if trainable else "state", dtype=dtype,
                            initializer_name=initializers.describe(init), constraint=constraints.get(constraint),
                            regularizer=regularizers.get(regularizer))
        self._own_variables.append(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, name=None, **kwargs):
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable, name=name, **kwargs)

    def _tracked_layers(self) -> list:
        return list(self.__dict__.get("_layers", []))

    @property
    def layers(self) -> list:
        return self._tracked_layers()

    def _flatten_variables(self, weights_only: bool) -> list:
        out, seen = [], set()
        own = [v for v in self.__dict__.get("_own_variables", []) if not weights_only or v.kind != "rng"]
        for v in sorted(own, key=lambda v: v.kind == "state"):  # Keras: trainable first, then the rest
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._tracked_layers():
            for v in layer._flatten_variables(weights_only):
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self) -> list:
        return self._flatten_variables(weights_only=True)

    @property
    def variables(self) -> list:
        return self._flatten_variables(weights_only=False)

    @property
    def trainable_weights(self) -> list:
        return [v for v in self.weights if v.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        return [v for v in self.weights if not v.trainable] if self.trainable else self.weights

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        trainable = {id(v) for v in self.trainable_variables}
        return [v for v in self.variables if id(v) not in trainable]

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        self._trainable = value
        for v in self.__dict__.get("_own_variables", []):
            if v.kind == "param":
                v.trainable = value
        for layer in self._tracked_layers():
            layer.trainable = value

    def get_weights(self) -> list:
        return [np.array(v.value) for v in self.weights]

    def set_weights(self, weights) -> None:
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"Layer '{self.name}' set_weights: expected {len(own)} arrays "
                             f"({[v.name for v in own]}), received {len(weights)}")
        for variable, array in zip(own, weights):
            array = np.asarray(array)
            if tuple(array.shape) != tuple(variable.shape):
                raise ValueError(f"Layer '{self.name}' set_weights: weight '{variable.path}' expects shape "
                                 f"{tuple(variable.shape)}, received {tuple(array.shape)}")
            variable.assign(array)

    def count_params(self) -> int:
        return int(sum(np.prod(v.shape) for v in self.weights))

    # -- what saving stores (Keras's hooks) -----------------------------------------------------
    def save_own_variables(self, store) -> None:
        """Put this layer's own variables into `store` as "0", "1", … (trainable first), as
        Keras does; a layer overrides it (with `load_own_variables`) to choose what `save` and
        `save_weights` store in its group of the weights file.

        >>> class Scale(kerax.layers.Layer):  # doctest: +SKIP
        ...     def save_own_variables(self, store):
        ...         store["scale"] = self.scale.numpy()
        ...     def load_own_variables(self, store):
        ...         self.scale.assign(store["scale"])
        """
        for i, variable in enumerate(self._saved_variables()):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Assign this layer's own variables from `store`, as `save_own_variables` put them."""
        variables = self._saved_variables()
        if len(store.keys()) != len(variables):
            raise ValueError(f"Layer '{self.name}' expected {len(variables)} variables, but received "
                             f"{len(store.keys())} variables during loading. Expected: {[v.name for v in variables]}")
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    def _saved_variables(self) -> list:
        """What save_own_variables stores: own weights, trainable before non-trainable (RNG
        state is not saved)."""
        own = [v for v in self.__dict__.get("_own_variables", []) if v.kind != "rng"]
        return sorted(own, key=lambda v: v.kind == "state")


def _dtype_name(dtype) -> str:
    if dtype is None:
        return config.floatx()
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return dtype
    return canonical_dtype(dtype)
