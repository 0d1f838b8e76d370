"""steps_per_execution=K: K steps per dispatch, compiled once per input signature."""
import numpy as np
import pytest

import kerax

RNG = np.random.default_rng(0)


def mlp(k, dropout=0.0):
    model = kerax.Sequential([kerax.Input((6,)), kerax.layers.Dense(8, activation="relu"),
                              kerax.layers.Dropout(dropout), kerax.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"], steps_per_execution=k)
    return model


@pytest.mark.parametrize("samples, batch, k, programs", [
    (64, 8, 4, 1),   # 8 steps: two full executions
    (56, 8, 4, 2),   # 7 steps: 4 + a 3-step execution, one more program
    (60, 8, 4, 3),   # 7 full batches and a short batch of 4: 4 + 3 + 1, three programs
])
def test_one_compilation_per_signature_over_many_epochs(samples, batch, k, programs):
    model = mlp(k)
    x = RNG.standard_normal((samples, 6)).astype(np.float32)
    y = RNG.standard_normal((samples, 2)).astype(np.float32)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    assert model.execution_stats.compilations == programs
    steps = -(-samples // batch)
    executions_per_epoch = -(-(samples // batch) // k) + (samples % batch > 0)
    before = model.execution_stats.dispatches
    model.fit(x, y, batch_size=batch, epochs=5, verbose=0)
    assert model.execution_stats.compilations == programs  # no recompilation, epoch after epoch
    assert model.execution_stats.dispatches - before == 5 * executions_per_epoch
    assert executions_per_epoch < steps


def test_batch_callbacks_run_once_per_execution_with_the_last_step_index():
    seen = []

    class Record(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, sorted(logs)))

    model = mlp(4)
    x, y = RNG.standard_normal((80, 6)).astype(np.float32), RNG.standard_normal((80, 2)).astype(np.float32)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[Record()])
    assert [b for b, _ in seen] == [3, 7, 9]
    assert seen[0][1] == ["loss", "mae"]


def test_metrics_accumulate_across_the_scan():
    model = mlp(4)
    x, y = RNG.standard_normal((60, 6)).astype(np.float32), RNG.standard_normal((60, 2)).astype(np.float32)
    loss, mae = model.evaluate(x, y, batch_size=8, verbose=0)
    prediction = model.predict(x, batch_size=8, verbose=0)
    np.testing.assert_allclose(mae, np.mean(np.abs(prediction - y)), rtol=1e-5)
    # Keras weights the loss of each batch by its size: here equal to the mean over all samples
    np.testing.assert_allclose(loss, np.mean((prediction - y) ** 2), rtol=1e-5)


def test_dropout_draws_fresh_randomness_at_every_step_of_the_scan():
    def changed_after(k):
        kerax.utils.set_random_seed(7)
        inputs = kerax.Input((64,))
        outputs = kerax.layers.Dense(1, use_bias=False, kernel_initializer="ones")(kerax.layers.Dropout(0.5)(inputs))
        model = kerax.Model(inputs, outputs)
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=k)
        x = np.ones((k, 64), np.float32)  # the same sample at every step
        model.fit(x, np.zeros((k, 1), np.float32), batch_size=1, verbose=0, shuffle=False)
        return np.count_nonzero(model.get_weights()[0] != 1.0)

    one, eight = changed_after(1), changed_after(8)
    assert 16 < one < 48          # one mask: about half of the 64 inputs were kept
    assert eight > 60             # eight fresh masks: nearly every input was kept at least once


def test_learning_rate_change_takes_effect_without_recompiling():
    model = mlp(2)
    x, y = RNG.standard_normal((32, 6)).astype(np.float32), RNG.standard_normal((32, 2)).astype(np.float32)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    compiled = model.execution_stats.compilations
    model.optimizer.learning_rate = 0.0
    frozen = model.get_weights()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert model.execution_stats.compilations == compiled
    for a, b in zip(model.get_weights(), frozen):
        np.testing.assert_array_equal(a, b)
