"""What compile() sets up and keeps: the traced programs per input signature, the training
state on device, the jitted K-step executables, and the trainability fixed at compile."""
from __future__ import annotations

import contextlib
import functools

import jax
import numpy as np

from ...lowering import ExecutionStats, compile_multistep, plan_loop
from ...lowering.nonfinite import compile_guarded
from ...runtime.state import DeviceState
from .compile_utils import CompiledLoss, CompiledMetrics, CompileMetrics
from .programs import ModelProgram, input_signature


class CompiledModel:
    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.stop_evaluating = False  # as Keras: a callback that sets one ends that loop after the execution
        self.stop_predicting = False
        self.history = None
        self.steps_per_execution = 1
        self.execution_stats = ExecutionStats()
        self._programs = {}
        self._executables = {}
        self._device_state = None
        self._frozen = None  # (trainable, non_trainable) variable lists fixed at compile
        self._compile_args = None
        self._compiled_loss = None
        self._compiled_metrics = None
        self._compile_trackers = ()
        self._writer = None

    # -- compile ------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configure training. Freezes which weights are trainable until the next compile.

        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
        ...               metrics=["accuracy"], steps_per_execution=64)  # doctest: +SKIP
        """
        from .. import losses, metrics as metrics_module, optimizers

        if not isinstance(steps_per_execution, (int, np.integer)) or steps_per_execution < 1:
            raise ValueError(f"compile(): `steps_per_execution` must be a positive integer, received {steps_per_execution!r}")
        self._release_state()
        self.optimizer = optimizers.get(optimizer)
        if (auto_scale_loss and self.dtype_policy.name == "mixed_float16"
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)):
            # As Keras: float16 gradients underflow without loss scaling.
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
        for spec in jax.tree.leaves(loss, is_leaf=lambda s: not isinstance(s, (list, tuple, dict))):
            if spec is not None:
                losses.get(spec)  # an unknown loss name fails here, not in the middle of fit
        for spec in jax.tree.leaves([metrics, weighted_metrics], is_leaf=lambda s: not isinstance(s, (list, tuple, dict))):
            if isinstance(spec, str):
                metrics_module.get(spec)
        self.loss = loss
        self._compile_args = dict(loss=loss, loss_weights=loss_weights, metrics=metrics, weighted_metrics=weighted_metrics)
        self._compile_config = dict(optimizer=optimizer if isinstance(optimizer, str) else None, loss=loss,
                                    loss_weights=loss_weights, metrics=metrics, weighted_metrics=weighted_metrics,
                                    steps_per_execution=int(steps_per_execution))
        self.steps_per_execution = int(steps_per_execution)
        self._compiled_loss = self._compiled_metrics = None
        # model.metrics from now on, as Keras's: the loss tracker, and `compile_metrics` when metrics were given
        self._compile_trackers = (metrics_module.Mean(name="loss"),
                                  None if metrics is None and weighted_metrics is None else CompileMetrics())
        self._programs.clear()
        self._executables.clear()
        self._frozen = None
        if self.built and self.weights:
            self._freeze_trainable()
        self.compiled = True

    def _freeze_trainable(self):
        """Fix, until the next compile, which weights train and which layers count as trainable
        (a BatchNormalization with trainable=False runs in inference mode)."""
        trainable = list(self.trainable_variables)
        ids = {id(v) for v in trainable}
        self._frozen = (trainable, [v for v in self.variables if id(v) not in ids])
        self._frozen_layers = [(layer, layer._trainable) for layer in [self, *self._all_layers()]]

    @contextlib.contextmanager
    def _compiled_trainability(self):
        """Trace under the trainable flags fixed at compile, whatever they are now."""
        layers = getattr(self, "_frozen_layers", None) or []
        current = [(layer, layer._trainable) for layer, _ in layers]
        for layer, flag in layers:
            layer._trainable = flag
        try:
            yield
        finally:
            for layer, flag in current:
                layer._trainable = flag

    def _assert_compiled(self, what: str):
        if not self.compiled:
            raise RuntimeError(f"You must call compile() on model '{self.name}' before calling {what}()")

    # -- programs -------------------------------------------------------------------------------------
    def _program(self, x_list, training: bool, mode: str | None = None) -> ModelProgram:
        """The traced, optimized forward program for these inputs and this step ("train", "test"
        or "predict"; by default "train" when training else "predict"). Built on first use only."""
        self._check_input_shapes(x_list)
        signature = input_signature(x_list, keep_batch=self._fixed_batch())
        mode = mode or ("train" if training else "predict")
        from ..distribution import distribution

        key = (signature, mode == "train", mode, distribution())  # layouts are part of the program
        if key not in self._programs:
            with self._compiled_trainability():
                self._programs[key] = ModelProgram(self, signature, mode)
        return self._programs[key]

    def _check_input_shapes(self, x_list) -> None:
        try:
            expected = [t.shape for t in self.inputs]
        except AttributeError:  # a subclassed or not yet built model: its layers check what they get
            return
        for i, (want, array) in enumerate(zip(expected, x_list)):
            got = tuple(array.shape)
            if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
                raise ValueError(f"Input {i} of model '{self.name}' is incompatible with the model: expected shape "
                                 f"{want}, received shape {got}")

    def _fixed_batch(self) -> bool:
        """Stateful layers keep per-sample state: their model runs at one fixed batch size."""
        return any(getattr(layer, "stateful", False) for layer in self._all_layers())

    def _fixed_batch_size(self):
        for tensor in getattr(self, "inputs", None) or []:
            if tensor.shape and tensor.shape[0] is not None:
                return tensor.shape[0]
        return None

    def _state_lists(self):
        if self._frozen is None:
            self._freeze_trainable()
        return self._frozen

    def _forward(self, x_list, mode: str):
        trainable, non_trainable = self._state_lists()
        return self._program(x_list, mode == "train", mode).forward(trainable, non_trainable)

    def _prepare(self, sample, mode: str = "train"):
        """Build the model, its loss, metrics and optimizer from one batch (x[, y[, sw]]), tracing
        only the program of `mode`."""
        x = self._flatten_inputs(sample[0])
        program = self._program(x, mode == "train", mode)
        trainable, _ = self._state_lists()
        unbuilt_optimizer = self.optimizer is not None and not self.optimizer.built
        if self._device_state is not None and (self._compiled_loss is None or unbuilt_optimizer):
            self._release_state()  # a state made for predict() lacks the metric and optimizer variables
        if self._compiled_loss is None and self._compile_args is not None:
            names = self.output_names
            self._compiled_loss = CompiledLoss(self._compile_args["loss"], self._compile_args["loss_weights"], names)
            shapes = [t.shape for t in program.output_types]
            self._compiled_metrics = CompiledMetrics(self._compile_args["metrics"], self._compile_args["weighted_metrics"],
                                                     self._compiled_loss, shapes, *self._compile_trackers)
        if self.optimizer is not None and not self.optimizer.built:
            self._build_optimizer(trainable)

    def _build_optimizer(self, trainable):
        """Build the optimizer for fit: its slots packed flat where they can be (one elementwise
        update for all weights: frontend/optimizers/packed_slots.py), but not under a
        distribution, where each slot is laid out like its weight, nor for an optimizer that
        builds itself, nor for a model that overrides `train_step`: fit hands it the optimizer's
        values as Keras lays them out, one per slot and weight, in `optimizer.variables`' order."""
        from ..distribution import distribution
        from ..optimizers.base import Optimizer
        from .steps import Steps

        if type(self.optimizer).build is Optimizer.build:
            own_step = type(self).train_step is Steps.train_step
            self.optimizer.build(trainable, pack_slots=distribution() is None and own_step)
        else:
            self.optimizer.build(trainable)

    def _state(self) -> DeviceState:
        if self._device_state is None:
            trainable, non_trainable = self._state_lists()
            groups = [trainable, non_trainable, self.optimizer.state_variables if self.optimizer else [],
                      self.metrics_variables]  # a subclass may list its own trackers
            from ..distribution import distribution

            active = distribution()
            shardings = None if active is None else self._state_shardings(groups, active.device_mesh.jax_mesh)
            self._device_state = DeviceState(groups, shardings)
        return self._device_state

    def _state_shardings(self, groups, mesh):
        """Where each state array lives, read from the sharding pass's annotations (one source of
        truth): on the step graphs' inputs, where the weights and the optimizer slots (laid out
        like their weights) are, and on the forward programs' inputs. A variable no graph built
        so far reads stays replicated, but for a slot, which takes its weight's layout as the
        step graph will give it (evaluate can come before fit)."""
        from ...lowering.sharding import named_sharding

        layouts, names = {}, {}
        graphs = [(p.graph, p.names.items()) for p in self._programs.values()]
        for built in self.__dict__.get("_step_graphs", {}).values():
            if built is not None:
                pairs = [(v, n) for group, group_names in zip(groups, built.state_names)
                         for v, n in zip(group, group_names)]
                graphs.append((built.graph, pairs))
        for graph, pairs in graphs:
            names.update((id(v), n) for v, n in pairs)
            for gi in graph.inputs:
                if gi.kind in ("param", "state") and gi.value.type.sharding is not None:
                    layouts[gi.name] = gi.value.type.sharding
        return [[named_sharding(mesh, layouts.get(names.get(id(v))) or layouts.get(getattr(v, "layout_path", None) or v.path))
                 for v in group] for group in groups]

    def _release_state(self):
        if self._device_state is not None:
            self._device_state.release()
            self._device_state = None

    def _checkpoint_writer(self):
        """The background writer of this model's checkpoints (fit waits for it before returning)."""
        if getattr(self, "_writer", None) is None:
            from ...runtime.writer import BackgroundWriter

            self._writer = BackgroundWriter()
        return self._writer

    def _reset_metrics(self):
        fresh = [array for m in self.metrics for array in m.stateless_reset_state()]  # as Keras: every self.metrics
        if fresh:
            self._state().replace_group(3, fresh)

    def _executable(self, kind: str):
        if kind not in self._executables:
            step = {"train": self.train_step, "train_guarded": self.train_step, "test": _keras_test_state(self),
                    "predict": _keras_predict_state(self)}[kind]
            from ..distribution import distribution

            active = distribution()
            shardings, place = {}, None
            if active is not None:
                data = self._data_sharding(kind, active)
                shardings = active.program_shardings(self._state().values, data)
                place = functools.partial(active.place_superbatch, sharding=data)
            training = kind in ("train", "train_guarded")
            mode = "train" if training else kind

            def plan_for(batch, superbatch):
                x = superbatch[0] if isinstance(superbatch, tuple) else superbatch
                first = [a[0] for a in self._flatten_inputs(x)]
                graph = self._program(first, training, mode).graph  # traced once, reused by the step
                return plan_loop([graph], jax.default_backend(), self.steps_per_execution, batch, training)

            if kind == "train_guarded":
                self._executables[kind] = compile_guarded(step, self.execution_stats, plan_for, place=place,
                                                           **shardings)
            else:
                self._executables[kind] = compile_multistep(step, self.execution_stats, plan_for, kind,
                                                            collect=kind == "predict", place=place,
                                                            **shardings)
        return self._executables[kind]

    def _data_sharding(self, kind: str, active):
        """The super-batch's sharding, read from the batch annotation the sharding pass wrote on
        the data inputs of this kind's traced program (one source of truth with the IR)."""
        from ...lowering.sharding import superbatch_sharding

        mode = "train" if kind == "train_guarded" else kind
        graphs = [p.graph for key, p in self._programs.items() if key[2] == mode and key[3] is active]
        if not graphs:
            raise RuntimeError(f"Model '{self.name}': no {mode} program traced under the active distribution; "
                               "_prepare() traces it before its executable is made")
        return superbatch_sharding(graphs[-1], active.device_mesh.jax_mesh)

    # -- the steps (Keras 3 JAX signatures) ----------------------------------------------------------------

    def stateless_call(self, trainable_variables, non_trainable_variables, *args, return_losses=False, training=False, **kwargs):
        """Pure call: (outputs, non_trainable_variables[, losses]), for jax.grad loops.

        >>> y, nt = model.stateless_call(trainable, non_trainable, x, training=True)  # doctest: +SKIP
        """
        x_list = self._flatten_inputs(args[0])
        trainable = list(self.trainable_variables)
        ids = {id(v) for v in trainable}
        non_trainable = [v for v in self.variables if id(v) not in ids]
        if len(trainable_variables) != len(trainable) or len(non_trainable_variables) != len(non_trainable):
            raise ValueError(f"stateless_call on '{self.name}': expected {len(trainable)} trainable and "
                             f"{len(non_trainable)} non-trainable values, received {len(trainable_variables)} and "
                             f"{len(non_trainable_variables)}")
        fn = self._program(x_list, bool(training)).forward(trainable, non_trainable)
        outputs, new_non_trainable, losses = fn(list(trainable_variables), list(non_trainable_variables), x_list)
        result = (self._pack_outputs(outputs), new_non_trainable)
        return (*result, losses) if return_losses else result




def _keras_test_state(model):
    """A test_step the user overrode sees Keras 3's JAX test state (trainable, non_trainable,
    metrics) and returns it; the runtime threads the full four-part state."""
    from .steps import Steps

    if type(model).test_step is Steps.test_step:
        return model.test_step

    def step(state, data):
        trainable, non_trainable, optimizer_vars, metric_vars = state
        logs, (trainable, non_trainable, metric_vars) = model.test_step((trainable, non_trainable, metric_vars), data)
        return logs, (trainable, non_trainable, optimizer_vars, metric_vars)

    return step


def _keras_predict_state(model):
    """An overridden predict_step sees (trainable, non_trainable) and returns (outputs, non_trainable)."""
    from .steps import Steps

    if type(model).predict_step is Steps.predict_step:
        return model.predict_step

    def step(state, data):
        trainable, non_trainable, optimizer_vars, metric_vars = state
        outputs, non_trainable = model.predict_step((trainable, non_trainable), data)
        return outputs, (trainable, non_trainable, optimizer_vars, metric_vars)

    return step
