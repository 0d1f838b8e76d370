"""What every hook of a user's callback receives (batch indices and logs) in fit, evaluate and
predict, against Keras 3 running the same callback on the same model, weights and data, under
steps_per_execution 1 and K, for both loop plans (a small MLP scans its K steps, a small conv net
runs them as K host dispatches on CPU), with a short last batch."""
import numpy as np
import pytest

import kerax
from parity import keras

X = np.random.default_rng(0).standard_normal((21, 4)).astype("float32")  # batch 4: 5 full batches + 1 of 1
Y = np.concatenate([X[:, :1] * 2, X[:, 1:2] - X[:, 2:3]], axis=1)


def mlp(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="tanh"), lib.layers.Dense(2)])


def conv(lib):
    return lib.Sequential([lib.Input((2, 2, 1)), lib.layers.Conv2D(3, 2, activation="tanh"), lib.layers.Flatten(),
                           lib.layers.Dense(2)])


def two_outputs(lib, as_dict=False):
    inputs = lib.Input((4,))
    hidden = lib.layers.Dense(3, activation="tanh")(inputs)
    first, second = lib.layers.Dense(2, name="first")(hidden), lib.layers.Dense(1, name="second")(hidden)
    return lib.Model(inputs, {"first": first, "second": second} if as_dict else [first, second])


def compiled(lib, build, k):
    model = build(lib)
    rng = np.random.default_rng(1)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse", steps_per_execution=k)
    return model


def recorder(lib, calls):
    """A callback that records (hook, batch or epoch index, logs as host values) for every hook."""

    class Record(lib.callbacks.Callback):
        pass

    def hook(name):
        def record(self, *args, **kwargs):
            logs = kwargs.get("logs", args[-1] if args and not isinstance(args[-1], int) else None)
            calls.append((name, [a for a in args if isinstance(a, int)],
                          {key: _host(value) for key, value in (logs or {}).items()}))
        return record

    for name in [n for n in vars(kerax.callbacks.Callback) if n.startswith("on_")]:
        setattr(Record, name, hook(name))
    return Record()


def _host(value):
    if isinstance(value, (list, tuple)):
        return [np.asarray(v) for v in value]
    return value if isinstance(value, float) else np.asarray(value)


def assert_same_calls(ours, theirs):
    """The same hooks with the same indices, and logs of the same keys, kinds, shapes and values."""
    assert [(name, index, sorted(logs)) for name, index, logs in ours] == \
           [(name, index, sorted(logs)) for name, index, logs in theirs]
    for (name, index, our_logs), (_, _, their_logs) in zip(ours, theirs):
        for key, mine in our_logs.items():
            keras_value = their_logs[key]
            assert type(mine) is type(keras_value), (name, index, key)
            for a, b in zip(*(v if isinstance(v, list) else [v] for v in (mine, keras_value))):
                assert np.shape(a) == np.shape(b), (name, index, key)
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"{name} {index} {key}")


def predict_calls(lib, build, k, x, batch_size=4):
    calls = []
    model = compiled(lib, build, k)
    predictions = model.predict(x, batch_size=batch_size, verbose=0, callbacks=[recorder(lib, calls)])
    return calls, predictions, model


PLANS = {"scan": (mlp, lambda x: x), "host": (conv, lambda x: x.reshape(-1, 2, 2, 1))}


@pytest.mark.parametrize("plan", list(PLANS))
@pytest.mark.parametrize("k", [1, 3])
def test_predict_hooks_get_each_executions_outputs_unpadded(plan, k):
    build, shape = PLANS[plan]
    ours, our_predictions, model = predict_calls(kerax, build, k, shape(X))
    theirs, _, _ = predict_calls(keras(), build, k, shape(X))
    assert_same_calls(ours, theirs)
    ends = [logs["outputs"] for name, _, logs in ours if name == "on_predict_batch_end"]
    assert [len(o) for o in ends] == ([4] * 5 + [1] if k == 1 else [12, 9])  # the last execution: 2 batches, 9 rows
    np.testing.assert_array_equal(np.concatenate(ends), our_predictions)
    if k > 1:
        assert model.execution_stats.loops["predict"].strategy == plan


@pytest.mark.parametrize("as_dict", [False, True])
def test_predict_hooks_of_a_two_output_model(as_dict):
    build = lambda lib: two_outputs(lib, as_dict)  # noqa: E731
    ours = predict_calls(kerax, build, 2, X)[0]
    theirs = predict_calls(keras(), build, 2, X)[0]
    assert_same_calls(ours, theirs)
    # Keras flattens dict outputs into the logs, keyed by output name.
    assert sorted(ours[2][2]) == (["first", "second"] if as_dict else ["outputs"])


@pytest.mark.parametrize("plan", list(PLANS))
def test_train_and_test_hooks_carry_each_executions_last_step(plan):
    """Under K=3 every batch hook, and the logs of each execution's last step, as Keras."""
    build, shape = PLANS[plan]
    runs = []
    for lib in (kerax, keras()):
        calls = []
        model = compiled(lib, build, 3)
        model.fit(shape(X), Y, batch_size=4, epochs=2, verbose=0, shuffle=False, callbacks=[recorder(lib, calls)],
                  validation_data=(shape(X)[:12], Y[:12]))
        model.evaluate(shape(X), Y, batch_size=4, verbose=0, callbacks=[recorder(lib, calls)])
        runs.append(calls)
        if lib is kerax:
            assert model.execution_stats.loops["train"].strategy == plan
    assert_same_calls(*runs)
    assert [index for name, index, _ in runs[0] if name == "on_train_batch_end"] == [[2], [5]] * 2


def test_a_last_execution_shorter_than_k_ends_at_its_last_real_step():
    """Keras names the end of every execution `begin + K - 1`, past the data for a short last
    one; kerax names its last real batch. Everything else is Keras's."""
    calls = {}
    for lib in (kerax, keras()):
        calls[lib.__name__] = predict_calls(lib, mlp, 2, X[:10])[0]  # 3 batches: executions (0, 1) and (2)
    ours, theirs = calls["kerax"], calls["keras"]
    assert [(name, index) for name, index, _ in ours] == [
        ("on_predict_begin", []), ("on_predict_batch_begin", [0]), ("on_predict_batch_end", [1]),
        ("on_predict_batch_begin", [2]), ("on_predict_batch_end", [2]), ("on_predict_end", [])]
    assert theirs[4][:2] == ("on_predict_batch_end", [3])
    theirs[4] = (theirs[4][0], [2], theirs[4][2])
    assert_same_calls(ours, theirs)


def test_predict_waits_for_the_device_only_for_a_users_batch_hook(monkeypatch):
    """Gathering an execution's outputs waits for the device: kerax's own hooks (the progress
    bar) never ask for it, a user's hook gets it once per execution."""
    from kerax.frontend.models import trainer
    from kerax.runtime import loops

    gathered = []

    def counting(collected):
        gathered.append(len(collected))
        return outputs_on_host(collected)

    outputs_on_host = loops.outputs_on_host
    monkeypatch.setattr(loops, "outputs_on_host", counting)
    monkeypatch.setattr(trainer, "outputs_on_host", counting)
    model = compiled(kerax, mlp, 2)
    model.predict(X, batch_size=4, verbose=1)
    assert gathered == [4]  # the result only: four dispatches (2 + 2 + 1 + 1 steps) in one transfer
    gathered.clear()
    model.predict(X, batch_size=4, verbose=0, callbacks=[recorder(kerax, [])])
    assert gathered == [1, 1, 2, 4]  # one per execution (the last: two super-batches), then the result


def test_terminate_on_nan_stops_inside_an_execution_split_by_the_short_batch(capsys):
    """Steps 3-5 are one execution that comes as two super-batches (steps 3-4, then the short
    step 5): a NaN loss at step 4 ends it there, and step 5 does not train on."""
    x = X.copy()
    x[17] = np.nan  # batch 4
    model = compiled(kerax, mlp, 3)
    history = model.fit(x, Y, batch_size=4, epochs=2, verbose=0, shuffle=False,
                        callbacks=[kerax.callbacks.TerminateOnNaN()])
    assert "Batch 4: Invalid loss, terminating training" in capsys.readouterr().out
    assert history.epoch == [0] and int(model.optimizer.iterations.numpy()) == 4
    reference = compiled(kerax, mlp, 1)
    reference.fit(x[:16], Y[:16], batch_size=4, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("k", [1, 2])
def test_stop_evaluating_and_stop_predicting_end_the_loop_after_the_execution(k):
    """Keras 3's `model.stop_evaluating` / `model.stop_predicting`, set by a callback, end
    evaluate and predict after that execution: the metrics and predictions so far are returned."""
    results = []
    for lib in (kerax, keras()):
        calls = []
        model = compiled(lib, mlp, k)

        class Stop(lib.callbacks.Callback):
            def on_test_batch_end(self, batch, logs=None):
                self.model.stop_evaluating = batch >= 2

            def on_predict_batch_end(self, batch, logs=None):
                self.model.stop_predicting = batch >= 2

        loss = model.evaluate(X, Y, batch_size=4, verbose=0, callbacks=[Stop(), recorder(lib, calls)])
        predictions = model.predict(X, batch_size=4, verbose=0, callbacks=[Stop(), recorder(lib, calls)])
        again = model.predict(X, batch_size=4, verbose=0)  # the flag is reset by the next call
        results.append((calls, loss, predictions, again))
    (ours, loss, predictions, again), (theirs, keras_loss, keras_predictions, _) = results
    assert_same_calls(ours, theirs)
    assert len(predictions) == (12 if k == 1 else 16) and len(again) == 21
    np.testing.assert_allclose(loss, keras_loss, rtol=1e-5)
    np.testing.assert_allclose(predictions, keras_predictions, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:Your input ran out of data")  # Keras's, at the end of any generator
@pytest.mark.parametrize("k", [1, 3])
def test_a_generator_with_an_odd_batch_inside_an_execution(k):
    """Batches of 4, 4, 1, 4, 4, 4 from a generator: at K=3 the odd batch ends the first
    execution, which the hooks see as one, with its 9 rows, as Keras. (Keras then calls
    `on_predict_batch_begin` once more, for an execution the exhausted generator no longer fills.)"""
    def batches():
        for lo, hi in [(0, 4), (4, 8), (8, 9), (9, 13), (13, 17), (17, 21)]:
            yield (X[lo:hi],)

    ours, predictions, _ = predict_calls(kerax, mlp, k, batches(), batch_size=None)
    theirs = predict_calls(keras(), mlp, k, batches(), batch_size=None)[0]
    assert theirs[-2][:2] == ("on_predict_batch_begin", [6])
    assert_same_calls(ours, theirs[:-2] + theirs[-1:])
    np.testing.assert_allclose(predictions, predict_calls(kerax, mlp, 1, X)[1], rtol=1e-5, atol=1e-6)


def test_callbacks_params_are_keras_params():
    seen = {}
    for lib in (kerax, keras()):
        params = seen.setdefault(lib.__name__, [])

        class Params(lib.callbacks.Callback):
            def on_train_begin(self, logs=None):
                params.append(dict(self.params))

            on_test_begin = on_predict_begin = on_train_begin

        model = compiled(lib, mlp, 2)
        model.fit(X, Y, batch_size=4, epochs=2, verbose=0, callbacks=[Params()], validation_data=(X, Y))
        model.evaluate(X, Y, batch_size=4, verbose="auto", callbacks=[Params()])
        model.predict(X, batch_size=4, verbose=0, callbacks=[Params()])
    assert seen["kerax"] == seen["keras"]
    assert seen["kerax"][-1] == {"verbose": 0, "epochs": 1, "steps": 6}
