"""Custom training loops, as with Keras 3's JAX backend."""
import jax
import numpy as np
import pytest

import kerax
from kerax import layers

RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 5)).astype(np.float32)
Y = (X @ RNG.standard_normal((5, 1))).astype(np.float32)


def regression():
    return kerax.Sequential([kerax.Input((5,)), layers.Dense(8, activation="tanh"), layers.BatchNormalization(),
                             layers.Dense(1)])


def test_jax_value_and_grad_loop_over_stateless_call():
    kerax.utils.set_random_seed(0)
    model = regression()
    optimizer = kerax.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    loss_fn = kerax.losses.MeanSquaredError()

    def compute_loss(trainable, non_trainable, x, y):
        y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, y_pred), non_trainable

    @jax.jit
    def step(state, x, y):
        trainable, non_trainable, optimizer_vars = state
        (loss, non_trainable), grads = jax.value_and_grad(compute_loss, has_aux=True)(trainable, non_trainable, x, y)
        trainable, optimizer_vars = optimizer.stateless_apply(optimizer_vars, grads, trainable)
        return loss, (trainable, non_trainable, optimizer_vars)

    state = ([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables])
    losses = []
    for _ in range(60):
        loss, state = step(state, X, Y)
        losses.append(float(loss))
    assert losses[-1] < 0.2 * losses[0]
    for variable, value in zip(model.trainable_variables, state[0]):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, state[1]):
        variable.assign(value)
    batch_norm = model.layers[1]
    assert np.all(batch_norm.moving_mean.numpy() != 0)  # the state came back from stateless_call
    # The model with the state assigned back computes what the pure function computes on that state.
    trained = np.mean((np.asarray(model(X, training=True)) - Y) ** 2)
    final, _ = jax.jit(compute_loss)(state[0], state[1], X, Y)
    np.testing.assert_allclose(trained, float(final), rtol=1e-5)
    assert float(final) < losses[-1]  # the last step still lowered the loss


def loss_and_grads(model, trainable, non_trainable, x, y):
    """The JAX pattern of Keras's guides inside a train_step: (loss, y_pred, non_trainable, grads)."""

    def loss_of(trainable):
        y_pred, nt = model.stateless_call(trainable, non_trainable, x, training=True)
        return model.compute_loss(x, y, y_pred), (y_pred, nt)

    (loss, (y_pred, nt)), grads = jax.value_and_grad(loss_of, has_aux=True)(trainable)
    return loss, y_pred, nt, grads


class ClippedModel(kerax.Model):
    """Keras 3's JAX-style train_step override: gradients clipped to [-0.01, 0.01]."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)
        self.steps_seen = 0

    def call(self, x):
        return self.dense(x)

    def train_step(self, state, data):
        self.steps_seen += 1  # counted while tracing: one trace per compiled program
        trainable, non_trainable, optimizer_vars, metric_vars = state
        x, y = data
        loss, y_pred, nt, grads = loss_and_grads(self, trainable, non_trainable, x, y)
        grads = [jax.numpy.clip(g, -0.01, 0.01) for g in grads]
        trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads, trainable)
        logs, new_metric_vars, start = {}, [], 0
        for metric in self.metrics:
            own = metric_vars[start:start + len(metric.variables)]
            start += len(metric.variables)
            own = metric.stateless_update_state(own, loss) if metric.name == "loss" else \
                metric.stateless_update_state(own, y, y_pred)
            logs[metric.name] = metric.stateless_result(own)
            new_metric_vars += own
        return logs, (trainable, nt, optimizer_vars, new_metric_vars)


def test_overridden_train_step_is_used_by_fit_with_several_steps_per_execution():
    model = ClippedModel()
    model.compile(optimizer=kerax.optimizers.SGD(1.0), loss="mse", metrics=["mae"], steps_per_execution=4)
    model(X[:1])
    before = model.get_weights()
    history = model.fit(X, Y * 100, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert model.execution_stats.dispatches == 2  # 8 steps, 4 per dispatch
    change = np.abs(model.get_weights()[0] - before[0])
    assert np.all(change <= 8 * 0.01 + 1e-6) and np.any(change > 0.05)  # clipped steps, all 8 applied
    assert set(history.history) == {"loss", "mae"}


def test_an_overridden_train_step_receives_the_optimizer_values_as_keras_lays_them_out():
    seen = []

    class Inspecting(kerax.Model):
        def train_step(self, state, data):
            seen.append([(tuple(value.shape), variable.path) for value, variable in zip(state[2], self.optimizer.variables)
                         if tuple(value.shape) != tuple(variable.shape)])
            seen.append(len(state[2]) == len(self.optimizer.variables))
            return super().train_step(state, data)

    inputs = kerax.Input((5,))
    model = Inspecting(inputs, layers.Dense(1)(layers.Dense(4, activation="relu")(inputs)))
    model.compile(optimizer=kerax.optimizers.Adam(1e-2), loss="mse")
    before = model.evaluate(X, Y, verbose=0)
    model.fit(X, Y, batch_size=16, epochs=3, verbose=0)
    # one value per slot and weight, in optimizer.variables' order, as Keras hands them over
    assert seen[:2] == [[], True]
    assert model.evaluate(X, Y, verbose=0) < before


def _guide_model(lib):
    """The custom_train_step_in_jax guide's pattern: the logs are the last metric's result."""

    class GuideModel(lib.Model):
        def train_step(self, state, data):
            trainable, non_trainable, optimizer_vars, metric_vars = state
            x, y = data
            loss, y_pred, nt, grads = loss_and_grads(self, trainable, non_trainable, x, y)
            trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads, trainable)
            new_metric_vars, logs = [], []
            for metric in self.metrics:
                own = metric_vars[len(new_metric_vars):len(new_metric_vars) + len(metric.variables)]
                own = metric.stateless_update_state(own, loss) if metric.name == "loss" else \
                    metric.stateless_update_state(own, y, y_pred)
                logs = metric.stateless_result(own)
                new_metric_vars += own
            return logs, (trainable, nt, optimizer_vars, new_metric_vars)

    inputs = lib.Input((5,))
    return GuideModel(inputs, lib.layers.Dense(1)(inputs))


def test_compiled_metrics_are_one_compile_metrics_entry_whose_result_is_a_dict_as_in_keras():
    import keras

    theirs, ours = _guide_model(keras), _guide_model(kerax)
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae", "mse"])
    ours.compile(optimizer=kerax.optimizers.SGD(0.1), loss="mse", metrics=["mae", "mse"])
    expected = theirs.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    got = ours.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    assert [m.name for m in ours.metrics] == [m.name for m in theirs.metrics] == ["loss", "compile_metrics"]
    assert set(got) == set(expected) == {"mae", "mse"}  # the dict's entries, not a "compile_metrics" key
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5)
    assert ours.metrics[1].result().keys() == {"mae", "mse"}


def test_logs_that_are_not_a_dict_are_named_as_the_step_error():
    class BareLogs(kerax.Model):
        def train_step(self, state, data):
            return state[0][0].sum(), state

    inputs = kerax.Input((5,))
    model = BareLogs(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    try:
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    except TypeError as error:
        assert "expected the logs" in str(error) and "received" in str(error)
    else:
        raise AssertionError("fit accepted logs that are not a dict")


def _metric_objects(lib, compile_kwargs, outputs):
    inputs = lib.Input((5,))
    heads = [lib.layers.Dense(1, name=f"out{i}")(inputs) for i in range(outputs)]
    model = lib.Model(inputs, heads if outputs > 1 else heads[0])
    model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
    listed = [[(type(m).__name__, m.name) for m in model.metrics], list(model.metrics_names)]
    model.fit(X, [Y] * outputs if outputs > 1 else Y, batch_size=32, epochs=1, verbose=0)
    return listed + [[(type(m).__name__, m.name) for m in model.metrics]]


@pytest.mark.parametrize("compile_kwargs, outputs", [({}, 1), (dict(metrics=["mae"]), 1), (dict(metrics=[]), 1),
                                                     (dict(weighted_metrics=["mse"]), 1),
                                                     (dict(metrics={"out0": ["mae"]}), 2)])
def test_model_metrics_after_compile_and_after_fit_are_keras(compile_kwargs, outputs):
    import keras

    ours, theirs = _metric_objects(kerax, compile_kwargs, outputs), _metric_objects(keras, compile_kwargs, outputs)
    assert ours == theirs
    assert ours[0][0] == ("Mean", "loss")  # right after compile, before any fit
