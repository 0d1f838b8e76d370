"""compile / fit / evaluate / predict and the *_on_batch methods.

Training runs as one jitted program per K steps (`lax.scan` over a stacked super-batch), on
Keras's JAX state tuple (trainable, non_trainable, optimizer, metrics), which stays on device
between calls (runtime.DeviceState). `train_step(state, data)` may be overridden as in Keras 3's
JAX backend, and is honoured with steps_per_execution > 1.
"""
from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp
import numpy as np

from ...lowering import (ExecutionStats, compile_multistep, unroll_loop, make_predict_step, make_test_step,
                         make_train_step)
from ...runtime.loops import fit_loop, logs_to_floats, run_steps
from ...runtime.state import DeviceState
from .. import callbacks as callbacks_module
from . import data_adapter
from .compile_utils import CompiledLoss, CompiledMetrics
from .programs import ModelProgram, input_signature


class Trainer:
    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
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
    def _program(self, x_list, training: bool) -> ModelProgram:
        self._check_input_shapes(x_list)
        signature = input_signature(x_list, keep_batch=self._fixed_batch())
        key = (signature, training)
        if key not in self._programs:
            with self._compiled_trainability():
                self._programs[key] = ModelProgram(self, signature, training, self._mesh())
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

    def _mesh(self):
        from ..distribution import distribution

        active = distribution()
        return None if active is None else active.device_mesh.jax_mesh

    def _state_lists(self):
        if self._frozen is None:
            self._freeze_trainable()
        return self._frozen

    def _forward(self, x_list, training: bool):
        trainable, non_trainable = self._state_lists()
        fn = self._program(x_list, training).forward(trainable, non_trainable)
        return lambda t, nt, x, _training=training: fn(t, nt, x)

    def _prepare(self, sample):
        """Build the model, its loss, metrics and optimizer from one batch (x[, y[, sw]])."""
        x = self._flatten_inputs(sample[0])
        program = self._program(x, training=True)
        trainable, _ = self._state_lists()
        if self._compiled_loss is None and self._compile_args is not None:
            names = self.output_names
            self._compiled_loss = CompiledLoss(self._compile_args["loss"], self._compile_args["loss_weights"], names)
            shapes = [t.shape for t in program.output_types]
            self._compiled_metrics = CompiledMetrics(self._compile_args["metrics"], self._compile_args["weighted_metrics"],
                                                     self._compiled_loss, shapes)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(trainable)

    def _state(self) -> DeviceState:
        if self._device_state is None:
            trainable, non_trainable = self._state_lists()
            groups = [trainable, non_trainable, self.optimizer.variables if self.optimizer else [],
                      self._compiled_metrics.variables if self._compiled_metrics else []]
            from ..distribution import distribution

            active = distribution()
            shardings = None if active is None else active.state_shardings(groups)
            self._device_state = DeviceState(groups, shardings)
        return self._device_state

    def _release_state(self):
        if self._device_state is not None:
            self._device_state.release()
            self._device_state = None

    def _reset_metrics(self):
        state = self._state()
        if self._compiled_metrics is not None:
            values = list(state.values)
            values[3] = self._compiled_metrics.reset_values()
            state.update(values)

    def _executable(self, kind: str):
        if kind not in self._executables:
            step = {"train": self.train_step, "test": self.test_step, "predict": self.predict_step}[kind]
            from ..distribution import distribution

            active = distribution()
            shardings = {}
            if active is not None:
                shardings = active.program_shardings(self._state().values)
            unroll = unroll_loop([p.graph for p in self._programs.values()], jax.default_backend())
            self._executables[kind] = compile_multistep(step, self.execution_stats, collect=kind == "predict",
                                                        unroll=unroll, **shardings)
        return self._executables[kind]

    def _place(self):
        from ..distribution import distribution

        active = distribution()
        return None if active is None else active.place_superbatch

    # -- the steps (Keras 3 JAX signatures) ----------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (weighted sum over outputs) of `y_pred` against `y`, as in Keras 3.

        For use inside an overridden `train_step`; regularization terms come from
        `stateless_call(..., return_losses=True)`."""
        total, _ = self._compiled_loss(self._flatten_targets(y), self._flatten_outputs_like(y_pred),
                                       self._flatten_sample_weights(sample_weight))
        return total

    def _flatten_outputs_like(self, y_pred) -> list:
        if isinstance(y_pred, dict):
            return [y_pred[n] for n in self.output_names]
        return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    def _losses_and_metrics(self, x_list):
        def compute_loss(y, y_pred, sample_weight):
            return self._compiled_loss(self._flatten_targets(y), y_pred, self._flatten_sample_weights(sample_weight))

        def update_metrics(metric_values, losses, x, y, y_pred, sample_weight):
            batch = jnp.asarray(x_list[0].shape[0], "float32")
            return self._compiled_metrics.update(metric_values, losses, self._flatten_targets(y), y_pred,
                                                 self._flatten_sample_weights(sample_weight), batch)

        return compute_loss, update_metrics

    def train_step(self, state, data):
        """One training step: (logs, new state). Override to customize fit()."""
        x, y, sw = _unpack(data)
        x_list = self._flatten_inputs(x)
        compute_loss, update_metrics = self._losses_and_metrics(x_list)
        forward = self._forward(x_list, training=True)
        step = make_train_step(lambda t, nt, _x, training: forward(t, nt, x_list), compute_loss,
                               self.optimizer.stateless_apply, update_metrics)
        return step(state, (x, y, sw))

    def test_step(self, state, data):
        x, y, sw = _unpack(data)
        x_list = self._flatten_inputs(x)
        compute_loss, update_metrics = self._losses_and_metrics(x_list)
        forward = self._forward(x_list, training=False)
        step = make_test_step(lambda t, nt, _x, training: forward(t, nt, x_list), compute_loss, update_metrics)
        return step(state, (x, y, sw))

    def predict_step(self, state, data):
        x = data[0] if isinstance(data, tuple) else data
        x_list = self._flatten_inputs(x)
        forward = self._forward(x_list, training=False)
        step = make_predict_step(lambda t, nt, _x, training: forward(t, nt, x_list))
        return step(state, (x,))

    # -- data ------------------------------------------------------------------------------------------------
    def _source(self, x, y, sample_weight, class_weight, batch_size, shuffle, steps, what="x"):
        if data_adapter.is_iterable_source(x):
            if y is not None:
                raise ValueError(f"`y` must be None when `{what}` is a generator or dataset: it yields the targets")
            return data_adapter.iterable_source(x, steps, what)
        x = self._standardize_x(data_adapter.to_arrays(x, what))
        y = data_adapter.to_arrays(y, "y")
        sample_weight = data_adapter.to_arrays(sample_weight, "sample_weight")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("Give `class_weight` or `sample_weight`, not both")
            sample_weight = data_adapter.class_weights_to_sample_weights(y, class_weight)
        if y is not None and self._compiled_loss is not None:
            self._compiled_loss.check_targets(self._flatten_targets(y))
        if self._fixed_batch():
            batch_size = self._check_stateful_batch(x, batch_size, shuffle)
        return data_adapter.array_source(x, y, sample_weight, batch_size or 32, shuffle, steps)

    def _standardize_x(self, x):
        return x

    def _check_stateful_batch(self, x, batch_size, shuffle) -> int:
        expected = self._fixed_batch_size()
        if expected is None:
            raise ValueError(f"Model '{self.name}' has stateful layers, so it needs a fixed batch size: build it from "
                             "Input(batch_shape=(batch, ...)) or give its first layer batch_size=")
        if shuffle:
            raise ValueError(f"Model '{self.name}' is stateful: shuffle=True would break the order its states carry "
                             "from batch to batch; call fit(..., shuffle=False)")
        if batch_size is not None and batch_size != expected:
            raise ValueError(f"Model '{self.name}' is stateful with batch size {expected}; received batch_size={batch_size}")
        samples = len(jax.tree.leaves(x)[0])
        if samples % expected:
            raise ValueError(f"Model '{self.name}' is stateful with batch size {expected}: the number of samples must "
                             f"be a multiple of it, received {samples} samples")
        return expected

    # -- fit / evaluate / predict ------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns a History.

        >>> history = model.fit(x, y, batch_size=64, epochs=3, validation_split=0.1)  # doctest: +SKIP
        """
        self._assert_compiled("fit")
        verbose = 1 if verbose == "auto" else int(verbose)
        if validation_split and validation_data is None:
            if data_adapter.is_iterable_source(x):
                raise ValueError("`validation_split` is only supported for array inputs, not generators or datasets")
            (x, y, sample_weight), validation_data = _split(x, y, sample_weight, validation_split)
        source = self._source(x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch)
        self._prepare(source.peek())
        if y is not None and self._compiled_loss is not None:
            self._compiled_loss.check_targets(self._flatten_targets(data_adapter.to_arrays(y, "y")))
        validation = None
        if validation_data is not None:
            val_x, val_y, val_sw = _unpack_validation(validation_data)
            validation = self._source(val_x, val_y, val_sw, None, validation_batch_size or batch_size, False,
                                      validation_steps, "validation_data")
        state = self._state()
        history = callbacks_module.History()
        cbs = self._callback_list(callbacks, history, verbose, epochs=epochs, steps=source.steps, mode="train")
        self.stop_training = False

        def validate():
            if validation is None:
                return {}
            return self._run_test(validation, cbs)

        fit_loop(program=self._executable("train"), state=state, data=source, epochs=epochs, initial_epoch=initial_epoch,
                 k=self.steps_per_execution, callbacks=cbs, reset_metrics=self._reset_metrics,
                 validate=validate if validation is not None else None, place=self._place(),
                 should_stop=lambda: self.stop_training)
        self.history = history
        return history

    def _callback_list(self, callbacks, history, verbose, **params):
        items = list(callbacks or [])
        if history is not None:
            items.append(history)
        if verbose and not any(isinstance(c, callbacks_module.ProgbarLogger) for c in items):
            items.append(callbacks_module.ProgbarLogger())
        return callbacks_module.CallbackList(items, model=self, verbose=verbose, **params)

    def _run_test(self, source, cbs):
        self._reset_metrics()
        cbs.on_test_begin()
        last = run_steps(self._executable("test"), self._state(), source, self.steps_per_execution, self._place(),
                         on_begin=cbs.on_test_batch_begin,
                         on_end=lambda step, logs, steps: cbs.on_test_batch_end(step, logs))
        if last is None:
            raise ValueError("The evaluation data produced no batches")
        logs = logs_to_floats(last)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None,
                 return_dict=False):
        self._assert_compiled("evaluate")
        verbose = 1 if verbose == "auto" else int(verbose)
        source = self._source(x, y, sample_weight, None, batch_size, False, steps)
        self._prepare(source.peek())
        cbs = self._callback_list(callbacks, None, verbose, steps=source.steps, mode="test")
        logs = self._run_test(source, cbs)
        return logs if return_dict else self._logs_as_list(logs)

    def _logs_as_list(self, logs: dict):
        names = self.metrics_names
        values = [logs[n] for n in names if n in logs]
        return values[0] if len(values) == 1 else values

    @property
    def metrics_names(self) -> list:
        if self._compiled_metrics is None:
            return ["loss"] if self.compiled else []
        return [*self._compiled_metrics.tracker_logs, *(log for _, _, _, log in self._compiled_metrics.entries)]

    @property
    def metrics(self) -> list:
        return [] if self._compiled_metrics is None else self._compiled_metrics.metric_objects

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        verbose = 1 if verbose == "auto" else int(verbose)
        source = self._source(x, None, None, None, batch_size, False, steps)
        sample = source.peek()
        self._prepare_predict(sample)
        cbs = self._callback_list(callbacks, None, verbose, steps=source.steps, mode="predict")
        cbs.on_predict_begin()
        outputs = run_steps(self._executable("predict"), self._state(), source, self.steps_per_execution, self._place(),
                            on_begin=cbs.on_predict_batch_begin,
                            on_end=lambda step, out, steps: cbs.on_predict_batch_end(step, {"outputs": out}),
                            collect=True)
        cbs.on_predict_end()
        return self._pack_outputs([np.asarray(o) for o in outputs])

    def _prepare_predict(self, sample):
        x = self._flatten_inputs(sample[0])
        self._program(x, training=False)
        if self._compile_args is None:
            self._state_lists()

    # -- single batches ---------------------------------------------------------------------------------------
    def _one_batch(self, kind, data):
        batch = jax.tree.map(lambda a: a[None], data)
        out, values = self._executable(kind)(self._state().values, batch, np.ones((1,), bool))
        self._state().update(values)
        return out

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._assert_compiled("train_on_batch")
        source = self._source(x, y, sample_weight, class_weight, len(jax.tree.leaves(x)[0]), False, None)
        data = source.peek()
        self._prepare(data)
        logs = logs_to_floats(self._one_batch("train", data))
        return logs if return_dict else self._logs_as_list(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        source = self._source(x, y, sample_weight, None, len(jax.tree.leaves(x)[0]), False, None)
        data = source.peek()
        self._prepare(data)
        self._reset_metrics()
        logs = logs_to_floats(self._one_batch("test", data))
        return logs if return_dict else self._logs_as_list(logs)

    def predict_on_batch(self, x):
        source = self._source(x, None, None, None, len(jax.tree.leaves(x)[0]), False, None)
        data = source.peek()
        self._prepare_predict(data)
        out = self._one_batch("predict", data)
        return self._pack_outputs([np.asarray(o[0]) for o in out])

    # -- custom training loops (Keras 3 JAX API) -------------------------------------------------------------
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


def _unpack(data):
    if not isinstance(data, tuple):
        return data, None, None
    return (tuple(data) + (None, None))[:3]


def _unpack_validation(validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        return (tuple(validation_data) + (None,))[:3]
    if data_adapter.is_iterable_source(validation_data):
        return validation_data, None, None
    raise ValueError("`validation_data` must be a tuple (x, y) or (x, y, sample_weight), or a generator/dataset; "
                     f"received {type(validation_data).__name__}")


def _split(x, y, sample_weight, validation_split):
    from ...runtime.data import train_validation_split

    arrays = (data_adapter.to_arrays(x, "x"), data_adapter.to_arrays(y, "y"), data_adapter.to_arrays(sample_weight, "sample_weight"))
    return train_validation_split(arrays, validation_split)
