"""Keras 3's `MultiOptimizer`: each variable updated by the optimizer an `OptimizerMap` (or a
function of the variable) picks for it."""
from __future__ import annotations

from collections.abc import MutableMapping

from ..naming import lookup_path
from .base import Optimizer


class OptimizerMap(MutableMapping):
    """Variable paths (exact, then regexes matched with `re.fullmatch`) -> optimizers; a path
    nothing matches gets `default_optimizer`. Called with a variable, it looks up its path.

    >>> sgd, adam = kerax.optimizers.SGD(), kerax.optimizers.Adam()
    >>> chooser = OptimizerMap(sgd, {"encoder/.*": adam})
    >>> chooser["encoder/dense/kernel"] is adam, chooser["head/kernel"] is sgd
    (True, True)
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise ValueError(f"OptimizerMap: `optimizer_map` must be a dictionary, received {optimizer_map!r}")
        self.default_optimizer = default_optimizer
        self._optimizer_map = dict(optimizer_map or {})

    def __getitem__(self, key):
        return lookup_path(self._optimizer_map, key, "OptimizerMap", self.default_optimizer)

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value {self._optimizer_map[key]}; "
                             "make sure to not use duplicated keys")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        from . import serialize

        return {"default_optimizer": serialize(self.default_optimizer),
                "optimizer_map": {key: serialize(opt) for key, opt in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize

        return cls(deserialize(config["default_optimizer"], custom_objects),
                   {key: deserialize(opt, custom_objects) for key, opt in config["optimizer_map"].items()})


class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer `optimizer_map(variable)` picks (an
    `OptimizerMap` or a function). Variables, in Keras's order: its own iteration and learning
    rate (unused), then each inner optimizer's, in the order the inner optimizers were met.

    >>> opt = MultiOptimizer(OptimizerMap(kerax.optimizers.SGD(0.5), {"b": kerax.optimizers.SGD(0.25)}))
    >>> a, b = kerax.Variable(np.ones(1), name="a", path="a"), kerax.Variable(np.ones(1), name="b", path="b")
    >>> opt.apply([np.ones(1), np.ones(1)], [a, b])
    >>> float(a.numpy()[0]), float(b.numpy()[0])
    (0.5, 0.75)
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        for opt in list(getattr(optimizer_map, "values", lambda: [])()) + [getattr(optimizer_map, "default_optimizer",
                                                                                   None)]:
            if opt is not None and opt not in self._inner_optimizers:
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)

    def build(self, var_list) -> None:
        if self.built:
            return
        from .loss_scale_optimizer import LossScaleOptimizer

        self._owner = []
        for var in var_list:
            opt = self._optimizer_map(var)
            if not isinstance(opt, Optimizer):
                raise ValueError(f"MultiOptimizer: the optimizer for variable {var.path!r} is not an Optimizer, "
                                 f"received {opt!r}")
            if isinstance(opt, (LossScaleOptimizer, MultiOptimizer)):
                raise ValueError(f"{type(opt).__name__} cannot be used inside a MultiOptimizer")
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
            self._owner.append(self._inner_optimizers.index(opt))
        for index, opt in enumerate(self._inner_optimizers):
            mine = [var for var, owner in zip(var_list, self._owner) if owner == index]
            if mine:
                opt.build(mine)
        super().build(var_list)

    @property
    def optimizers(self) -> list:
        return self._inner_optimizers

    @property
    def variables(self) -> list:
        return super().variables + [v for opt in self._inner_optimizers for v in (opt.variables if opt.built else [])]

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on the "
                             "individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
                             "individual sub-optimizers instead.")

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Pure: each inner optimizer's `stateless_apply` on its own variables and slots."""
        self._check_stateless_args(optimizer_variables, grads, trainable_variables)
        own_count = len(super().variables)
        own, rest = list(optimizer_variables[:own_count]), list(optimizer_variables[own_count:])
        new_values, new_inner = list(trainable_variables), []
        for index, opt in enumerate(self._inner_optimizers):
            rows = [i for i, owner in enumerate(self._owner) if owner == index]
            if not rows:
                continue
            count = len(opt.variables)
            values, state = opt.stateless_apply(rest[:count], [grads[i] for i in rows],
                                                [trainable_variables[i] for i in rows])
            rest = rest[count:]
            new_inner += list(state)
            for i, value in zip(rows, values):
                new_values[i] = value
        return new_values, [own[0] + 1] + own[1:] + new_inner

    def finalize_variable_values(self, var_list) -> None:
        for index, opt in enumerate(self._inner_optimizers):
            mine = [var for var, owner in zip(var_list, self._owner) if owner == index]
            if mine:
                opt.finalize_variable_values(mine)

    def get_config(self):
        from . import serialize

        if not isinstance(self._optimizer_map, OptimizerMap):
            raise ValueError("MultiOptimizer: a function `optimizer_map` cannot be serialized; use an OptimizerMap")
        return {"optimizer_map": serialize(self._optimizer_map), "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config_, custom_objects=None):
        config_ = dict(config_)
        optimizer_map = OptimizerMap.from_config(config_.pop("optimizer_map")["config"], custom_objects)
        return cls(optimizer_map, **config_)
