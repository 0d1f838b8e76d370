"""Keras 3's callbacks and hook order, compared with Keras itself on the same model and data."""
import csv

import numpy as np
import pytest

import kerax
from parity import keras

X = np.random.default_rng(0).standard_normal((48, 4)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")).astype("float32")


def twin_models(lib, k=1, optimizer=None, metrics=None):
    """The same Dense model in kerax and Keras: identical initial weights."""
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="tanh"), lib.layers.Dense(1)])
    rng = np.random.default_rng(1)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    model.compile(optimizer=optimizer or lib.optimizers.SGD(0.05), loss="mse", metrics=metrics,
                  steps_per_execution=k)
    return model


def recorder(lib, events):
    hooks = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
             "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
             "on_batch_begin", "on_batch_end"]

    class Recorder(lib.callbacks.Callback):
        pass

    def make(name):
        def hook(self, *args, **kwargs):
            events.append((name, *[a for a in args if isinstance(a, int)]))
            if name in ("on_train_batch_begin", "on_train_batch_end"):
                getattr(lib.callbacks.Callback, name)(self, *args, **kwargs)
        return hook

    for name in hooks:
        setattr(Recorder, name, make(name))
    return Recorder()


@pytest.mark.parametrize("k", [3])
def test_hook_order_is_keras_order(k):
    runs = {}
    for lib in (kerax, keras()):
        events = []
        twin_models(lib, k).fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[recorder(lib, events)],
                                validation_data=[X[:16], Y[:16]])
        runs[lib.__name__] = events
    assert runs["kerax"][:4] == [("on_train_begin",), ("on_epoch_begin", 0), ("on_train_batch_begin", 0),
                                 ("on_batch_begin", 0)]
    # Keras ends its last short execution at step + K - 1; kerax at the real last step.
    assert [e[0] for e in runs["kerax"]] == [e[0] for e in runs["keras"]]


@pytest.mark.parametrize("k", [1, 4])
def test_stop_training_is_read_after_every_execution(k):
    batches = []

    class Stop(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)
            if batch >= 2:
                self.model.stop_training = True

    model = twin_models(kerax, k)
    history = model.fit(X, Y, batch_size=4, epochs=3, verbose=0, callbacks=[Stop()])
    assert batches == ([0, 1, 2] if k == 1 else [3])
    assert history.epoch == [0]
    assert int(model.optimizer.iterations.numpy()) == len(batches) * k


def fit_both(callback_factory, epochs=6, k=1, **fit_kwargs):
    results = {}
    for lib in (kerax, keras()):
        model = twin_models(lib, k)
        callback = callback_factory(lib)
        history = model.fit(X, Y, batch_size=8, epochs=epochs, verbose=0, shuffle=False, callbacks=[callback],
                            **fit_kwargs)
        results[lib.__name__] = (model, callback, history)
    return results


def test_early_stopping_matches_keras():
    def make(lib):
        return lib.callbacks.EarlyStopping(monitor="loss", min_delta=0.5, patience=1, restore_best_weights=True,
                                           start_from_epoch=1)

    runs = fit_both(make, epochs=30)
    (km, kc, kh), (rm, rc, rh) = runs["kerax"], runs["keras"]
    assert kh.epoch == rh.epoch and len(kh.epoch) < 30
    assert (kc.stopped_epoch, kc.best_epoch) == (rc.stopped_epoch, rc.best_epoch)
    for a, b in zip(km.get_weights(), rm.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_early_stopping_baseline_and_unknown_mode():
    runs = fit_both(lambda lib: lib.callbacks.EarlyStopping(monitor="loss", baseline=1e-6, patience=2), epochs=10)
    assert runs["kerax"][2].epoch == runs["keras"][2].epoch
    assert runs["kerax"][1].wait == runs["keras"][1].wait == 10  # never beat the baseline, never reset
    with pytest.raises(ValueError, match="mode='max'"):
        twin_models(kerax).fit(X, Y, epochs=1, verbose=0, callbacks=[kerax.callbacks.EarlyStopping(monitor="mean")])


def test_reduce_lr_on_plateau_and_scheduler_match_keras():
    def make(lib):
        return lib.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.3, cooldown=1,
                                               min_lr=0.01)

    runs = fit_both(make, epochs=8)
    np.testing.assert_allclose(runs["kerax"][2].history["learning_rate"], runs["keras"][2].history["learning_rate"])
    assert min(runs["kerax"][2].history["learning_rate"]) < 0.05
    np.testing.assert_allclose(runs["kerax"][2].history["loss"], runs["keras"][2].history["loss"], rtol=1e-4)

    runs = fit_both(lambda lib: lib.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1)), epochs=3)
    np.testing.assert_allclose(runs["kerax"][2].history["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    np.testing.assert_allclose(runs["kerax"][2].history["loss"], runs["keras"][2].history["loss"], rtol=1e-4)


def test_learning_rate_change_mid_fit_applies_without_recompiling():
    model = twin_models(kerax, k=2)
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    compiled = model.execution_stats.compilations
    zero_lr = kerax.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: setattr(model.optimizer, "learning_rate", 0.0))
    before = [w.copy() for w in model.get_weights()]
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[zero_lr])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.execution_stats.compilations == compiled


def test_callbacks_read_and_write_weights_mid_fit():
    model = twin_models(kerax, k=2)
    seen = []

    def on_batch_end(batch, logs):
        seen.append(model.get_weights()[0].copy())
        if batch == 1:
            model.set_weights([np.zeros_like(w) for w in model.get_weights()])

    model.fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False,
              callbacks=[kerax.callbacks.LambdaCallback(on_train_batch_end=on_batch_end)])
    assert not np.array_equal(seen[0], seen[1])
    # After zeroing, the next execution trains from zeros: tanh'(0) = 1 and the gradient of
    # the hidden kernel is zero because the output kernel is zero.
    np.testing.assert_array_equal(seen[2], np.zeros_like(seen[2]))


def conv_twin(k):
    """A tiny convolution net: on CPU its training runs host-side (the loop plan's rule)."""
    model = kerax.Sequential([kerax.Input((2, 2, 1)), kerax.layers.Conv2D(3, 2, activation="tanh"),
                              kerax.layers.Flatten(), kerax.layers.Dense(1)])
    rng = np.random.default_rng(1)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    model.compile(optimizer=kerax.optimizers.SGD(0.05), loss="mse", steps_per_execution=k)
    return model


NAN_CASES = {"scan": (lambda k: twin_models(kerax, k), 4, lambda x: x),
             "single": (lambda k: twin_models(kerax, k), 1, lambda x: x),
             "host": (conv_twin, 4, lambda x: x.reshape(-1, 2, 2, 1))}


@pytest.mark.parametrize("plan", list(NAN_CASES))
def test_terminate_on_nan_stops_at_the_bad_step_inside_an_execution(plan, capsys):
    build, k, shape = NAN_CASES[plan]
    x = X.copy()
    x[8 * 5 + 3] = np.nan  # batch 5 (batch_size 8)
    x, clean = shape(x), shape(X)
    model = build(k)
    model.fit(clean[:8], Y[:8], batch_size=8, epochs=1, verbose=0)
    history = model.fit(x, Y, batch_size=8, epochs=3, verbose=0, shuffle=False,
                        callbacks=[kerax.callbacks.TerminateOnNaN()])
    assert model.execution_stats.loops["train_guarded"].strategy == plan  # the guard follows the plan
    assert "Batch 5: Invalid loss, terminating training" in capsys.readouterr().out
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])
    # The weights are those after batch 4: the same as training on the first five batches only.
    reference = build(1)
    reference.fit(clean[:8], Y[:8], batch_size=8, epochs=1, verbose=0)
    reference.fit(x[:40], Y[:40], batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(model.optimizer.iterations.numpy()) == 6
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 5"):
        model.fit(x, Y, batch_size=8, epochs=1, verbose=0, shuffle=False,
                  callbacks=[kerax.callbacks.TerminateOnNaN(raise_error=True)])
    assert int(model.optimizer.iterations.numpy()) == 11


def test_csv_logger_writes_keras_rows(tmp_path):
    rows = {}
    for lib in (kerax, keras()):
        path = tmp_path / f"{lib.__name__}.csv"
        model = twin_models(lib, metrics=["mae"])
        model.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[lib.callbacks.CSVLogger(path)])
        model.fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False,
                  callbacks=[lib.callbacks.CSVLogger(path, separator=";", append=True)])
        rows[lib.__name__] = path.read_text().splitlines()
    assert [r.split(",")[0] for r in rows["kerax"]] == [r.split(",")[0] for r in rows["keras"]]
    assert rows["kerax"][0] == rows["keras"][0] == "epoch,loss,mae,val_loss,val_mae"
    for a, b in zip(rows["kerax"][1:], rows["keras"][1:]):
        sep = ";" if ";" in b else ","
        np.testing.assert_allclose([float(v) for v in a.split(sep)[:3]], [float(v) for v in b.split(sep)[:3]], rtol=1e-4)
        assert a.split(sep)[3:] == b.split(sep)[3:] == ["NA", "NA"]


def test_lambda_callback_hooks_and_extra_hooks():
    calls = []
    callback = kerax.callbacks.LambdaCallback(on_train_begin=lambda logs: calls.append("begin"),
                                              on_epoch_end=lambda epoch, logs: calls.append(("epoch", epoch)),
                                              on_test_end=lambda logs: calls.append("test"))
    twin_models(kerax).fit(X, Y, epochs=2, verbose=0, validation_split=0.25, callbacks=[callback])
    assert calls == ["begin", "test", ("epoch", 0), "test", ("epoch", 1)]


def test_a_non_callback_is_a_clear_error():
    with pytest.raises(TypeError, match="expected kerax.callbacks.Callback instances, received"):
        twin_models(kerax).fit(X, Y, epochs=1, verbose=0, callbacks=[print])


def log_types(lib, hooks):
    """Per hook of a user's callback, the (key, type) of every log value it received first."""
    seen = {}

    class Record(lib.callbacks.Callback):
        pass

    for name in hooks:
        def hook(self, *args, name=name, **kwargs):
            logs = kwargs["logs"] if "logs" in kwargs else args[-1]
            seen.setdefault(name, [(key, type(value).__module__.split(".")[0] + "." + type(value).__name__)
                                   for key, value in (logs or {}).items()])
        setattr(Record, name, hook)
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", steps_per_execution=2,
                  metrics=["accuracy", lib.metrics.F1Score(average=None)])  # F1Score: a per-class array
    y = np.eye(3, dtype="float32")[np.arange(48) % 3]
    model.fit(X, y, batch_size=8, epochs=1, verbose=0, validation_data=(X, y), callbacks=[Record()])
    model.predict(X, batch_size=8, verbose=0, callbacks=[Record()])
    return seen


def test_logs_reach_a_users_hooks_as_keras_gives_them():
    """Keras hands every hook `pythonify_logs(logs)`: keys sorted, Python floats, NumPy arrays."""
    hooks = ["on_train_batch_end", "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end",
             "on_predict_batch_end", "on_batch_end"]
    ours, theirs = log_types(kerax, hooks), log_types(keras(), hooks)
    assert ours == theirs
    assert ("loss", "builtins.float") in ours["on_train_batch_end"]
    assert ("f1_score", "numpy.ndarray") in ours["on_train_batch_end"]
    assert ours["on_predict_batch_end"] == [("outputs", "numpy.ndarray")]


def test_kerax_callbacks_alone_never_wait_for_the_device_between_executions():
    """Converting batch logs waits for the device; with only kerax's own batch hooks (the
    progress bar, History) nothing converts them, and fit keeps dispatching ahead."""
    from kerax.frontend.callbacks.callback import CallbackList

    class User(kerax.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    quiet = CallbackList([kerax.callbacks.History(), kerax.callbacks.ProgbarLogger()])
    assert not quiet.user_listens("on_train_batch_end")
    assert CallbackList([User()]).user_listens("on_train_batch_end")
    assert CallbackList([kerax.callbacks.LambdaCallback(on_batch_end=print)]).user_listens("on_train_batch_end")
    seen = []
    quiet.append(kerax.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs)))
    quiet.on_train_batch_end(0, {"loss": jax_scalar()})
    assert type(seen[0]["loss"]) is float


def jax_scalar():
    import jax.numpy as jnp

    return jnp.float32(0.5)


def test_a_callback_defined_by_execd_code_is_called():
    # Functions that `exec` defines (`python -c`, some notebooks) have `__module__` None.
    namespace = {"kerax": kerax}
    exec("class Counting(kerax.callbacks.Callback):\n"
         "    def on_train_batch_end(self, batch, logs=None):\n"
         "        self.calls = getattr(self, 'calls', 0) + 1\n", namespace)
    counting = namespace["Counting"]()
    assert counting.on_train_batch_end.__func__.__module__ is None
    twin_models(kerax).fit(X, Y, batch_size=16, epochs=1, verbose=0, callbacks=[counting])
    assert counting.calls == 3
