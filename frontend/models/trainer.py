"""fit / evaluate / predict and the *_on_batch methods.

Training runs as one jitted program per K steps (`lax.scan` over a stacked super-batch), on
Keras's JAX state tuple (trainable, non_trainable, optimizer, metrics), which stays on device
between calls (runtime.DeviceState). `train_step(state, data)` may be overridden as in Keras 3's
JAX backend, and is honoured with steps_per_execution > 1.
"""
from __future__ import annotations

import warnings

import jax
import numpy as np

from ...runtime.loops import fit_loop, logs_to_floats, outputs_on_host, run_steps
from .. import callbacks as callbacks_module
from ..config_flags import capped
from . import data_adapter
from .compiled import CompiledModel
from .steps import Steps


class Trainer(CompiledModel, Steps):
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
        """Keras's rank adjustment: an input with one extra trailing axis of size 1 is squeezed,
        one missing its last axis gets it, relative to the model's Input shapes."""
        try:
            expected = [t.shape for t in self.inputs]
            flat = self._flatten_inputs(x)
        except (AttributeError, TypeError, ValueError):
            return x  # not a model built from Inputs, or inputs its own checks will report
        adjusted = {}
        for want, array in zip(expected, flat):
            if array.ndim == len(want) + 1 and array.shape[-1] == 1:
                adjusted[id(array)] = np.squeeze(array, axis=-1)
            elif array.ndim == len(want) - 1 and array.ndim >= 1:
                adjusted[id(array)] = np.expand_dims(array, axis=-1)
        if not adjusted:
            return x
        return jax.tree.map(lambda a: adjusted.get(id(a), a), x)

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
        epochs, steps_per_epoch = capped(epochs, steps_per_epoch)  # kerax.config.set_max_epochs & co.
        verbose = _verbosity(verbose)
        if validation_split and validation_data is None:
            if data_adapter.is_iterable_source(x):
                raise ValueError("`validation_split` is only supported for array inputs, not generators or datasets")
            (x, y, sample_weight), validation_data = _split(x, y, sample_weight, validation_split)
        source = self._source(x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch)
        self._prepare(source.peek())
        if y is not None and self._compiled_loss is not None:
            self._compiled_loss.check_targets(self._flatten_targets(data_adapter.to_arrays(y, "y")))
        validation = self._validation_source(validation_data, validation_batch_size or batch_size, validation_steps)
        _check_validation_freq(validation_freq)
        state = self._state()
        history = callbacks_module.History()
        cbs = self._callback_list(callbacks, history, verbose, epochs=epochs, steps=source.steps)
        self.stop_training = False
        self._resume_position = None

        def validate(epoch):
            if not _should_validate(epoch, validation_freq):
                return {}
            return self._run_test(validation, cbs)

        self.history = history
        try:
            with state.guarded():  # callbacks and logs read results: an accelerator reports errors there
                fit_loop(program=self._training_program(cbs), state=state, data=source, epochs=epochs,
                         initial_epoch=initial_epoch, k=self.steps_per_execution, callbacks=cbs,
                         reset_metrics=self._reset_metrics, validate=validate if validation is not None else None,
                         should_stop=lambda: self.stop_training, resume=self._take_resume_position)
        finally:
            state.recovery = None  # a backup to fall back on belongs to this fit only
            self._checkpoint_writer().wait()  # fit returns when the last checkpoint is on disk
        if epochs > 0 and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self._state_lists()[0])  # EMA weights, as Keras
        return history

    def _validation_source(self, validation_data, batch_size, steps):
        """The validation batches, or None; empty validation data warns and skips validation, as Keras."""
        if validation_data is None:
            return None
        val_x, val_y, val_sw = _unpack_validation(validation_data)
        if not data_adapter.is_iterable_source(val_x):
            leaves = jax.tree.leaves(data_adapter.to_arrays(val_x, "validation_data"))
            if not leaves or len(leaves[0]) == 0:
                warnings.warn("`validation_data` holds no samples; validation is skipped", stacklevel=3)
                return None
        return self._source(val_x, val_y, val_sw, None, batch_size, False, steps, "validation_data")

    def _take_resume_position(self):
        """Where a restored backup (BackupAndRestore) says training resumes, once."""
        position, self._resume_position = self._resume_position, None
        return position

    def _training_program(self, cbs):
        """The train executable; with TerminateOnNaN the guarded one, which stops applying
        updates at the first non-finite loss inside an execution and reports its step."""
        if not any(getattr(c, "guards_nonfinite_loss", False) for c in cbs):
            return self._executable("train")
        guarded = self._executable("train_guarded")

        def program(values, superbatch, commit):
            def commit_applied(values, steps, out):  # a non-finite step and those after it left the state as it was
                logs, bad = out
                commit(values, steps if int(bad) < 0 else int(bad), logs)

            (logs, bad_step), values = guarded(values, superbatch, commit_applied)
            # the step index inside this execution (-1: none), and the execution's length
            self._nonfinite_step = (bad_step, len(jax.tree.leaves(superbatch)[0]))
            return logs, values

        # A block of K steps that comes as several super-batches (runtime.data) ends at a
        # non-finite loss, before the next one trains on: its hooks then see the bad step's logs.
        program.halted = lambda: int(self._nonfinite_step[0]) >= 0
        return program

    def _callback_list(self, callbacks, history, verbose, **params):
        items = list(callbacks or [])
        if history is not None:
            items.append(history)
        if verbose != 0 and not any(isinstance(c, callbacks_module.ProgbarLogger) for c in items):
            items.append(callbacks_module.ProgbarLogger())
        return callbacks_module.CallbackList(items, model=self, verbose=verbose, **params)

    def _run_test(self, source, cbs):
        self._reset_metrics()
        self.stop_evaluating = False
        cbs.on_test_begin()
        last = run_steps(self._executable("test"), self._state(), source, self.steps_per_execution,
                         on_begin=cbs.on_test_batch_begin,
                         on_end=lambda step, logs, steps: cbs.on_test_batch_end(step, logs),
                         should_stop=lambda: self.stop_evaluating)
        if last is None:
            raise ValueError("The evaluation data produced no batches")
        logs = logs_to_floats(last)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None,
                 return_dict=False):
        self._assert_compiled("evaluate")
        verbose = _verbosity(verbose)
        source = self._source(x, y, sample_weight, None, batch_size, False, steps)
        self._prepare(source.peek(), "test")
        cbs = self._callback_list(callbacks, None, verbose, epochs=1, steps=source.steps)
        with self._state().guarded():
            logs = self._run_test(source, cbs)
        return logs if return_dict else self._logs_as_list(logs)

    def _logs_as_list(self, logs: dict):
        names = ["loss"] if self._compiled_metrics is None else self._compiled_metrics.log_names
        values = [logs[n] for n in names if n in logs]
        return values[0] if len(values) == 1 else values

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    @property
    def metrics(self) -> list:
        """As Keras lists them from `compile()` on: the loss tracker, `compile_metrics` (every
        compiled metric as one Metric), then the per-output loss trackers once fit has seen the outputs."""
        if self._compiled_metrics is not None:
            return self._compiled_metrics.keras_metrics
        return [m for m in self._compile_trackers if m is not None] if self.compiled else []

    @property
    def metrics_variables(self) -> list:
        """The variables of every metric in `metrics`: the last part of Keras's state tuple."""
        return [v for m in self.metrics for v in m.variables]

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        verbose = _verbosity(verbose)
        source = self._source(x, None, None, None, batch_size, False, steps)
        sample = source.peek()
        self._prepare_predict(sample)
        cbs = self._callback_list(callbacks, None, verbose, epochs=1, steps=source.steps)
        self.stop_predicting = False
        cbs.on_predict_begin()
        # As Keras: once per execution, the outputs of all its batches, without padded rows. Only
        # a user's hook gets them: gathering them waits for the device, which kerax's hooks never do.
        listens = cbs.user_listens("on_predict_batch_end")

        def on_end(step, block, steps):
            logs = {"outputs": self._pack_outputs(list(outputs_on_host(block)))} if listens else None
            cbs.on_predict_batch_end(step, logs)

        with self._state().guarded():
            outputs = run_steps(self._executable("predict"), self._state(), source, self.steps_per_execution,
                                on_begin=cbs.on_predict_batch_begin, on_end=on_end, collect=True,
                                pad=not self._fixed_batch(), should_stop=lambda: self.stop_predicting)
        cbs.on_predict_end()
        return self._pack_outputs(list(outputs))

    def _prepare_predict(self, sample):
        x = self._flatten_inputs(sample[0])
        self._program(x, False, "predict")
        if self._compile_args is None:
            self._state_lists()

    # -- single batches ---------------------------------------------------------------------------------------
    def _one_batch(self, kind, data):
        batch = jax.tree.map(lambda a: a[None], data)
        return self._state().execute(self._executable(kind), batch)

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
        self._prepare(data, "test")
        self._reset_metrics()
        logs = logs_to_floats(self._one_batch("test", data))
        return logs if return_dict else self._logs_as_list(logs)

    def predict_on_batch(self, x):
        source = self._source(x, None, None, None, len(jax.tree.leaves(x)[0]), False, None)
        data = source.peek()
        self._prepare_predict(data)
        out = jax.device_get(self._one_batch("predict", data)[0])
        return self._pack_outputs(list(out))

    # -- custom training loops (Keras 3 JAX API) -------------------------------------------------------------

def _verbosity(verbose):
    """"auto" stays "auto" in the callbacks' params, as in Keras (ProgbarLogger reads it as 1)."""
    return verbose if verbose == "auto" else int(verbose)


def _check_validation_freq(validation_freq):
    if isinstance(validation_freq, bool) or not isinstance(validation_freq, (int, list, tuple)):
        raise ValueError("Expected `validation_freq` to be a list or int. Received: "
                         f"validation_freq={validation_freq!r} of the type {type(validation_freq)}.")


def _should_validate(epoch: int, validation_freq) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _unpack_validation(validation_data):
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        return (tuple(validation_data) + (None,))[:3]
    if data_adapter.is_iterable_source(validation_data):
        return validation_data, None, None
    raise ValueError("`validation_data` must be a tuple (x, y) or (x, y, sample_weight), or a generator/dataset; "
                     f"received {type(validation_data).__name__}")


def _split(x, y, sample_weight, validation_split):
    from ...runtime.data import train_validation_split

    arrays = (data_adapter.to_arrays(x, "x"), data_adapter.to_arrays(y, "y"), data_adapter.to_arrays(sample_weight, "sample_weight"))
    return train_validation_split(arrays, validation_split)
