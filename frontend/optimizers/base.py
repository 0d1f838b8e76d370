"""Keras 3's `Optimizer` contract, built around one pure function, `stateless_apply`.

The optimizer's state (iteration count, learning rate, per-weight slots) lives in Variables
whose order is Keras's `optimizer.variables` order, hence the `optimizer/vars` order of a
.weights.h5 file. A compiled training step passes their values in and gets new values out;
the eager `apply` does the same on the Variables' current values and assigns the results.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import config, naming
from ..variables import Variable
from . import schedules
from . import packed_slots
from .packed_slots import SlotView


def clip_by_norm(gradient, clipnorm: float):
    """Rescale one gradient so that its L2 norm is at most `clipnorm` (Keras's `_clip_by_norm`).

    >>> clip_by_norm(jnp.array([3.0, 4.0]), 1.0)
    Array([0.6, 0.8], dtype=float32)
    """
    l2sum = jnp.sum(jnp.square(gradient), keepdims=True)
    positive = l2sum > 0
    # The two-sided `where` keeps a zero gradient's sqrt (and its derivative) finite.
    l2norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, l2sum, jnp.ones_like(l2sum))), l2sum)
    return gradient * clipnorm / jnp.maximum(l2norm, clipnorm)


def clip_by_global_norm(gradients: list, clipnorm: float) -> list:
    """Rescale all gradients together so that their joint L2 norm is at most `clipnorm`.

    >>> clip_by_global_norm([jnp.array([3.0]), jnp.array([4.0])], 1.0)[0]
    Array([0.6], dtype=float32)
    """
    norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)) for g in gradients if g is not None])))
    # For an inf/NaN norm the scale becomes NaN, as in Keras, instead of silently zeroing.
    scale = clipnorm * jnp.minimum(1.0 / norm, 1.0 / clipnorm) + (norm - norm)
    return [None if g is None else g * scale for g in gradients]


BASE_ARGUMENTS = ("learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
                  "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
                  "name")


def base_arguments(arguments: dict) -> dict:
    """The base class's share of a subclass constructor's `locals()`, so that each optimizer can
    spell out Keras's full signature without repeating the hand-off."""
    return {name: arguments[name] for name in BASE_ARGUMENTS}


def _reference_name(var) -> str:
    reference = getattr(var, "path", None) or getattr(var, "name", "var")
    return reference.replace("/", "_")


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)


@dataclass
class SharedUpdate:
    """What a step's update shares across weights (`Optimizer.begin_update`): the iteration
    counter, the learning-rate variable's value (None under a schedule) and this step's rate,
    the gradients after scaling and clipping, the slot and moving-average values (`slots` takes
    each variable's new slots as it is updated), and the state shared by all weights."""

    iterations: object
    lr_value: object
    learning_rate: object
    grads: list
    slots: list
    averages: list
    extras: dict


class Optimizer:
    """Base class of kerax optimizers (Keras 3 constructor arguments and defaults).

    A subclass names its per-weight state in `slot_groups()` and defines the pure
    `update_step(gradient, variable, learning_rate, slots, iterations)`.

    >>> opt = kerax.optimizers.SGD(learning_rate=0.5)
    >>> w = kerax.Variable(np.ones((2,)), name="w")
    >>> opt.apply([np.ones((2,))], [w])
    >>> w.numpy()
    array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        cls = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(f"{cls}: argument `decay` is no longer supported (as in Keras 3) and is ignored")
        if kwargs:
            raise TypeError(f"{cls}.__init__() got unexpected keyword argument(s) {sorted(kwargs)}")
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(f"{cls}: `ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
                raise ValueError(f"{cls}: `ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                                 f"ema_overwrite_frequency={ema_overwrite_frequency}")
        if gradient_accumulation_steps is not None:
            raise NotImplementedError(f"{cls}: `gradient_accumulation_steps` is not supported by kerax; received "
                                      f"gradient_accumulation_steps={gradient_accumulation_steps}. Use a larger "
                                      "batch size instead")
        clip_args = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clip_args.values()) > 1:
            raise ValueError(f"{cls}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set; "
                             f"received {clip_args}")
        self.name = name or naming.unique_name(naming.to_snake_case(cls))
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum, self.ema_overwrite_frequency = use_ema, ema_momentum, ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._trainable_variables: list = []
        self._slots: list = []
        self._model_variables_moving_average: list = []  # with use_ema, one per trainable variable
        self._slot_index: dict = {}  # (slot name, variable index) -> position in self._slots
        self._packs: list = []  # with packed slots (build), their SlotPacks: packed_slots.py
        self._extras: list = []
        self._exclude_ids: set = set()
        self._exclude_pattern = None
        # As Keras, iterations and the learning rate exist before build (int32: JAX has no int64 by default).
        self._iterations = Variable(0, name="iteration", path=f"{self.name}/iteration", dtype="int32",
                                    trainable=False, kind="state")
        self._learning_rate = None
        self._lr_variable = None
        self._set_learning_rate_source(learning_rate)

    # -- learning rate ------------------------------------------------------------------------
    def _set_learning_rate_source(self, learning_rate) -> None:
        if callable(learning_rate):  # a LearningRateSchedule or any callable of the step
            self._learning_rate, self._lr_variable = learning_rate, None
            return
        if not _is_number(learning_rate):
            raise ValueError(f"{type(self).__name__}: argument `learning_rate` expected a float, a "
                             f"LearningRateSchedule or a callable of the step; received {learning_rate!r}")
        self._lr_variable = Variable(float(learning_rate), name="learning_rate", path=f"{self.name}/learning_rate",
                                     dtype=config.floatx(), trainable=False, kind="state")
        self._learning_rate = self._lr_variable

    def _lr_at(self, iterations, lr_value):
        """The learning rate for a step, from the values passed in (pure)."""
        if self._lr_variable is not None:
            return lr_value
        return jnp.asarray(self._learning_rate(iterations))

    @property
    def learning_rate(self):
        """The current learning rate; assigning a float updates the Variable (no recompilation)."""
        lr_value = None if self._lr_variable is None else self._lr_variable.value
        return self._lr_at(self._iterations.value, lr_value)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if self._lr_variable is None and not callable(value):
            raise TypeError(f"{type(self).__name__} was created with a schedule as its `learning_rate`, so its "
                            f"learning rate cannot be set to {value!r}; create the optimizer with a float "
                            "`learning_rate` to make it settable")
        if callable(value):
            if self.built:
                raise TypeError(f"{type(self).__name__}: cannot switch `learning_rate` to a schedule after the "
                                "optimizer is built (its variables would change); pass the schedule to the "
                                "constructor instead")
            self._set_learning_rate_source(value)
            return
        self._lr_variable.assign(value)

    @property
    def iterations(self) -> Variable:
        return self._iterations

    # -- variables ----------------------------------------------------------------------------
    def slot_groups(self) -> list:
        """Names of the per-weight state, grouped as Keras creates them: within a group the
        slots of one weight are adjacent (Adam: kernel_momentum, kernel_velocity, bias_...)."""
        return []

    def slot_initial_value(self, slot_name: str) -> float:
        return 0.0

    def slot_spec(self, var, slot_name: str):
        """(variable name, shape, dtype, initial value) of one slot of `var`, or None when `var`
        has no such slot (Muon gives only its Adam-updated weights a velocity)."""
        return (f"{_reference_name(var)}_{slot_name}", tuple(var.shape), var.dtype,
                self.slot_initial_value(slot_name))

    def extra_variables(self, var_list) -> list:
        """(name, initial value, dtype) of state shared by all weights, created after the slots
        (Nadam's running product of momentum factors)."""
        return []

    def update_extra_variables(self, extras: dict, iterations) -> dict:
        """Pure: the shared state for this step, computed once before the per-weight updates."""
        return extras

    def weight_decay_for(self, var):
        """The decay rate of `var`, or None for none (Muon decays its two kinds of weights apart)."""
        return self.weight_decay if self._use_weight_decay(var) else None

    def build(self, var_list, pack_slots: bool = False) -> None:
        """Create the slot variables for `var_list` (Keras's order); a second call does nothing.

        With `pack_slots` (a model's fit asks for it), each kind of slot is held in one flat
        variable when the update allows it (`can_pack_slots`): see packed_slots.py."""
        if self.built:
            return
        self._trainable_variables = list(var_list)
        if self.use_ema:  # created before the slots, as Keras does (the .weights.h5 order)
            self._model_variables_moving_average = [
                self._state_variable(f"{_reference_name(var)}_average", tuple(var.shape), var.dtype, 0.0)
                for var in var_list]
        packs = packed_slots.make_packs(self) if pack_slots and self.can_pack_slots() else []
        pack_of = {(pack.slot_name, index): (pack, position) for pack in packs
                   for position, index in enumerate(pack.indices)}
        for group in self.slot_groups():
            for index, var in enumerate(self._trainable_variables):
                for slot_name in group:
                    spec = self.slot_spec(var, slot_name)
                    if spec is None:
                        continue
                    if (slot_name, index) in pack_of:
                        slot = SlotView(*pack_of[(slot_name, index)], name=spec[0], path=f"{self.name}/{spec[0]}")
                    else:
                        slot = self._state_variable(*spec)
                    if tuple(slot.shape) == tuple(var.shape):  # laid out like its variable, as Keras does
                        slot.layout_path = getattr(var, "layout_path", None) or getattr(var, "path", None)
                    self._slot_index[(slot_name, index)] = len(self._slots)
                    self._slots.append(slot)
        self._packs = packs
        self._extras = [self._state_variable(name, (), dtype, value)
                        for name, value, dtype in self.extra_variables(self._trainable_variables)]
        self.built = True

    def can_pack_slots(self) -> bool:
        """Whether every weight's slots can be held flat (packed_slots.py): the update is
        elementwise and the same for every weight (`update_variable_key`), no weight has a
        constraint or more than two axes, the weights share one dtype, and every weight has
        every slot, shaped like itself."""
        weights = self._trainable_variables
        if not (self.elementwise_update and type(self).stateless_apply is Optimizer.stateless_apply and weights
                and self.slot_groups()):
            return False
        if len({self.update_variable_key(i) for i in range(len(weights))}) != 1 or len({w.dtype for w in weights}) != 1:
            return False
        if any(getattr(w, "constraint", None) is not None for w in weights):  # a constraint sees its weight whole
            return False
        if any(len(w.shape) > 2 for w in weights):  # see packed_slots.py: convolution kernels
            return False
        for var in weights:
            for slot_name in (name for group in self.slot_groups() for name in group):
                spec = self.slot_spec(var, slot_name)
                if spec is None or tuple(spec[1]) != tuple(var.shape) or spec[2] != var.dtype:
                    return False
        return True

    @property
    def packed_slots(self) -> bool:
        return bool(self._packs)

    @property
    def state_variables(self) -> list:
        """The variables a compiled training step reads and writes: `variables`, but with each
        packed kind of slot as its one flat variable (the storage layout). The stateless API
        takes either layout."""
        if not self.packed_slots:
            return self.variables
        return self.joined(self._iterations, self._lr_variable, self._model_variables_moving_average,
                           [p.storage for p in self._packs], self._extras)

    def joined(self, iterations, learning_rate, averages, slots, extras) -> list:
        """The parts of `variables` (or of `state_variables`, with the flat slots), or their
        values, as one list in its order; `learning_rate` is left out under a schedule."""
        head = [iterations] + ([learning_rate] if self._lr_variable is not None else [])
        return head + list(averages) + list(slots) + list(extras)

    def _state_variable(self, name, shape, dtype, initial) -> Variable:
        value = np.full(tuple(shape), initial, jnp.dtype(dtype))  # host values: no device program
        return Variable(value, name=name, path=f"{self.name}/{name}", trainable=False, kind="state")

    @property
    def variables(self) -> list:
        """[iterations, learning_rate (when not a schedule), *slots]: the .weights.h5 order."""
        return self.joined(self._iterations, self._lr_variable, self._model_variables_moving_average, self._slots,
                           self._extras)

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt Variables, or those whose name contains one of `var_names`, from weight decay."""
        if self.built:
            raise ValueError(f"{type(self).__name__}.exclude_from_weight_decay() must be called before the "
                             "optimizer is built")
        self._exclude_ids = {id(v) for v in var_list or []}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, var) -> bool:
        if id(var) in self._exclude_ids:
            return False
        return self._exclude_pattern is None or re.search(self._exclude_pattern, getattr(var, "name", "")) is None

    # -- the update ---------------------------------------------------------------------------
    def update_step(self, gradient, variable, learning_rate, slots: dict, iterations):
        """Pure: (new variable value, {slot name: new value}) for one weight."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step()")

    def _clip_gradients(self, grads: list) -> list:
        if self.clipnorm and self.clipnorm > 0:
            return [None if g is None else clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [None if g is None else jnp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _check_stateless_args(self, optimizer_variables, grads, trainable_variables) -> None:
        cls = type(self).__name__
        if not self.built:
            raise ValueError(f"{cls}.stateless_apply: the optimizer is not built; call "
                             "`optimizer.build(trainable_variables)` first")
        if len(optimizer_variables) not in (len(self.variables), len(self.state_variables)):
            raise ValueError(f"{cls}.stateless_apply: `optimizer_variables` expected {len(self.variables)} arrays "
                             f"(one per optimizer.variables), received {len(optimizer_variables)}")
        for what, values in (("trainable_variables", trainable_variables), ("grads", grads)):
            if len(values) != len(self._trainable_variables):
                raise ValueError(f"{cls}.stateless_apply: `{what}` expected {len(self._trainable_variables)} "
                                 f"entries (the variables the optimizer was built with), received {len(values)}")

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Pure: (new trainable values, new optimizer values) from the current ones.

        Lists of arrays in the order of the `var_list` given to `build` and of `variables`.
        A `None` gradient leaves its weight and slots unchanged.

        >>> opt = kerax.optimizers.SGD(learning_rate=0.5)
        >>> w = kerax.Variable(np.ones((2,)), name="w"); opt.build([w])
        >>> new_w, new_opt = jax.jit(opt.stateless_apply)([v.value for v in opt.variables], [jnp.ones(2)], [w.value])
        >>> new_w[0], new_opt[0]
        (Array([0.5, 0.5], dtype=float32), Array(1, dtype=int32))
        """
        self._check_stateless_args(optimizer_variables, grads, trainable_variables)
        if self.packed_slots and len(optimizer_variables) != len(self.variables):  # the storage layout, as fit's state
            new_variables, new_state = self.stateless_apply(
                packed_slots.unpacked_values(self, list(optimizer_variables)), grads, trainable_variables)
            return new_variables, packed_slots.packed_values(self, new_state)
        shared = self.begin_update(optimizer_variables)
        shared.grads = self.prepare_gradients(grads)
        new_variables = list(trainable_variables)
        for index, (grad, value) in enumerate(zip(shared.grads, trainable_variables)):
            if grad is None:
                continue
            new_variables[index], new_slots = self.update_variable(
                index, grad, value, shared.learning_rate, self.variable_slots(index, shared), shared.iterations)
            self.store_slots(index, shared, new_slots)
        if self.use_ema:
            new_variables, shared.averages = self.moving_averages(new_variables, shared.averages, shared.iterations)
        return new_variables, self.end_update(shared, shared.iterations + 1)

    # The update in parts, so that the step IR imports the per-variable part once per kind of
    # variable (`frontend/models/update_graph.py`) and still computes what this computes.
    def begin_update(self, optimizer_variables) -> "SharedUpdate":
        """Pure: the part of a step's update shared by all weights: `optimizer_variables` split
        into their roles, the learning rate and the shared state (`update_extra_variables`)."""
        iterations, lr_value, averages, slot_values, extra_values = self.split_variables(optimizer_variables)
        learning_rate, extras = self.learning_rate_and_extras(iterations, lr_value, extra_values)
        return SharedUpdate(iterations, lr_value, learning_rate, [], slot_values, averages, extras)

    def split_variables(self, optimizer_variables, packed: bool = False) -> tuple:
        """(iterations, learning-rate value or None, moving averages, slots, shared state): the
        values of `variables` by role; with `packed`, of `state_variables` (the flat slots in
        `_packs`' order)."""
        iterations = optimizer_variables[0]
        lr_value = optimizer_variables[1] if self._lr_variable is not None else None
        own = list(optimizer_variables[1 if lr_value is None else 2:])
        averages, own = own[:len(self._model_variables_moving_average)], own[len(self._model_variables_moving_average):]
        slots = len(self._packs) if packed else len(self._slots)
        return iterations, lr_value, averages, own[:slots], own[slots:]

    def learning_rate_and_extras(self, iterations, lr_value, extra_values: list) -> tuple:
        """Pure: (this step's learning rate, {name: shared state}) from the counter, the
        learning-rate variable's value (None under a schedule) and the shared state."""
        extras = self.update_extra_variables({v.name: x for v, x in zip(self._extras, extra_values)}, iterations)
        return self._lr_at(iterations, lr_value), extras

    @property
    def changes_gradients(self) -> bool:
        """Whether `prepare_gradients` computes anything (a loss scale or clipping)."""
        return (self.loss_scale_factor is not None
                or any(c is not None and c > 0 for c in (self.clipnorm, self.global_clipnorm, self.clipvalue)))

    def prepare_gradients(self, grads) -> list:
        """Pure: the gradients unscaled by `loss_scale_factor` and clipped."""
        grads = list(grads)
        if self.loss_scale_factor is not None:
            grads = [None if g is None else g / self.loss_scale_factor for g in grads]
        return self._clip_gradients(grads)

    def variable_slots(self, index: int, shared: "SharedUpdate") -> dict:
        """The slots `update_step` reads for trainable variable `index`: its own and the shared state."""
        slots = {name: shared.slots[self._slot_index[(name, index)]] for group in self.slot_groups() for name in group
                 if (name, index) in self._slot_index}
        slots.update(shared.extras)
        return slots

    def store_slots(self, index: int, shared: "SharedUpdate", new_slots: dict) -> None:
        """Put trainable variable `index`'s new slots into `shared` (the shared state is not
        written per weight)."""
        for name, slot in new_slots.items():
            shared.slots[self._slot_index[(name, index)]] = slot

    def update_variable(self, index: int, grad, value, learning_rate, slots: dict, iterations):
        """Pure: (new value, {slot name: new value}) of trainable variable `index`: weight decay,
        `update_step` and the variable's constraint."""
        var = self._trainable_variables[index]
        value = jnp.asarray(value)
        var_lr = jnp.asarray(learning_rate).astype(value.dtype)
        decay = self.weight_decay_for(var)
        if decay is not None:
            value = value - value * jnp.asarray(decay, value.dtype) * var_lr
        value, new_slots = self.update_step(jnp.asarray(grad).astype(value.dtype), value, var_lr, slots, iterations)
        if getattr(var, "constraint", None) is not None:
            value = var.constraint(value)
        return value, new_slots

    # True: `update_step` computes the same elementwise equations at every shape, so the step IR
    # may trace it for one shape and re-type it for others (frontend/models/update_graph.py).
    elementwise_update = False

    def update_variable_key(self, index: int):
        """What `update_variable(index, ...)` depends on besides its arrays' types: variables with
        equal keys and equal types share one imported update. kerax's own optimizers compute
        from the arrays, the decay and the constraint; a subclass's `update_step` may read
        anything, so its variables share nothing."""
        var = self._trainable_variables[index]
        if not type(self).update_step.__module__.startswith(__package__):
            return ("variable", index)
        return (self.weight_decay_for(var), id(getattr(var, "constraint", None)))

    def end_update(self, shared: "SharedUpdate", next_iterations) -> list:
        """The new optimizer values, in `variables`' order, once every weight is updated."""
        return self.joined(next_iterations, shared.lr_value, shared.averages, shared.slots,
                           [shared.extras[v.name] for v in self._extras])

    def moving_averages(self, values: list, averages: list, iterations):
        """Keras's EMA of the weights (the first step copies them), and every
        `ema_overwrite_frequency` steps the weights overwritten by their averages (pure)."""
        new_averages = []
        for value, average in zip(values, averages):
            value = jnp.asarray(value)
            momentum = jnp.where(iterations != 0, self.ema_momentum, 0.0).astype(value.dtype)
            new_averages.append(momentum * average + (1 - momentum) * value)
        if self.ema_overwrite_frequency:
            overwrite = (iterations + 1) % self.ema_overwrite_frequency == 0
            values = [jnp.where(overwrite, a, v) for v, a in zip(values, new_averages)]
        return values, new_averages

    # -- eager convenience --------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None) -> None:
        """Update Variables in place from gradients (builds on first use), as Keras's `apply`."""
        grads = list(grads)
        if not grads:
            return
        cls = type(self).__name__
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{cls}.apply: without `trainable_variables` the optimizer must already be built; "
                                 "call `optimizer.build(trainable_variables)` first")
            if len(grads) != len(self._trainable_variables):
                raise ValueError(f"{cls}.apply: expected {len(self._trainable_variables)} gradients (one per built "
                                 f"variable), received {len(grads)}")
            full_grads = grads
        else:
            trainable_variables = list(trainable_variables)
            self.build(trainable_variables)
            position = {id(v): i for i, v in enumerate(self._trainable_variables)}
            full_grads = [None] * len(self._trainable_variables)
            for grad, var in zip(grads, trainable_variables):
                if id(var) not in position:
                    raise ValueError(f"{cls}.apply: unknown variable {var}; this optimizer was built for other "
                                     "variables; create a new optimizer for a new set of variables")
                full_grads[position[id(var)]] = grad
        if all(g is None for g in full_grads):
            raise ValueError(f"{cls}.apply: no gradients provided for any variable")
        full_grads = [None if g is None else jnp.asarray(g) for g in full_grads]
        new_values, new_state = self.stateless_apply([v.value for v in self.variables], full_grads,
                                                     [v.value for v in self._trainable_variables])
        for var, value in zip(self._trainable_variables, new_values):
            var.assign(value)
        self._assign_variables(new_state)

    def _assign_variables(self, values) -> None:
        """Assign `values` to `variables`, the slots of each packed kind in one write."""
        segments = {}
        for var, value in zip(self.variables, values):
            if isinstance(var, SlotView):
                if tuple(np.shape(value)) != tuple(var.shape):
                    raise ValueError(f"Assigning to variable '{var.path}': expected shape {var.shape}, received "
                                     f"{tuple(np.shape(value))}")
                segments.setdefault(var.pack, {})[var.index] = value
            else:
                var.assign(value)
        for pack, arrays in segments.items():
            pack.write_many(arrays)

    def apply_gradients(self, grads_and_vars) -> Variable:
        """`apply` from (gradient, variable) pairs; returns `iterations`, as tf.keras did."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def scale_loss(self, loss):
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def stateless_scale_loss(self, optimizer_variables, loss):
        """Pure `scale_loss`: the loss the training step differentiates, from the optimizer's
        state (the LossScaleOptimizer's scale is a variable)."""
        return self.scale_loss(loss)

    def finalize_variable_values(self, var_list) -> None:
        """At the end of fit, with `use_ema`, the weights take their moving averages (as Keras)."""
        if not self.use_ema or not self._model_variables_moving_average:
            return
        if len(var_list) != len(self._model_variables_moving_average):
            raise ValueError(f"The length of model variables ({len(var_list)}) to override does not match the length "
                             f"of model variables stored in the optimizer ({len(self._model_variables_moving_average)})."
                             " Please check if the optimizer was called on your model.")
        for var, average in zip(var_list, self._model_variables_moving_average):
            # A copy (made on the host, no device program): one buffer held by both variables
            # would be donated twice by the next training or evaluation program.
            var.assign(np.array(average.value))

    def set_weights(self, weights) -> None:
        if not self.built:
            raise ValueError(f"{type(self).__name__}.set_weights: the optimizer is not built; call "
                             "`optimizer.build(trainable_variables)` first")
        self._assign_variables(weights)

    def save_own_variables(self, store) -> None:
        for i, var in enumerate(self.variables):
            store[str(i)] = var.numpy()

    def load_own_variables(self, store) -> None:
        if len(store.keys()) != len(self.variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}': it has {len(self.variables)} "
                          f"variables whereas the saved optimizer has {len(store.keys())}", stacklevel=2)
            return
        self._assign_variables([store[str(i)] for i in range(len(self.variables))])

    # -- config -------------------------------------------------------------------------------
    def get_config(self) -> dict:
        if self._lr_variable is not None:
            learning_rate = float(self._lr_variable.numpy())
        elif isinstance(self._learning_rate, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(self._learning_rate)
        else:
            raise TypeError(f"{type(self).__name__}.get_config: a plain callable `learning_rate` "
                            f"({self._learning_rate!r}) is not serializable; subclass "
                            "optimizers.schedules.LearningRateSchedule and define get_config()")
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config_: dict, custom_objects: dict | None = None):
        config_ = dict(config_)
        if isinstance(config_.get("learning_rate"), dict):
            config_["learning_rate"] = schedules.deserialize(config_["learning_rate"], custom_objects)
        return cls(**config_)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class MomentOptimizer(Optimizer):
    """The Adam family's constructor and config: `beta_1`, `beta_2`, `epsilon` (Nadam, Adamax,
    Lamb share Keras's signature exactly)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(**base_arguments(locals()), **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
