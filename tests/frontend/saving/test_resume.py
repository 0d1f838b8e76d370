"""A loaded model trains on where it stopped: architecture, weights, compile config and the
optimizer's state come back, so one more step after loading equals one more step without
saving and loading, in kerax and from a Keras 3 file."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((8, 4)).astype("float32"), rng.standard_normal((8, 2)).astype("float32")


def _model(K, optimizer):
    model = K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="tanh"), K.layers.BatchNormalization(),
                          K.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd_momentum"])
def test_one_more_step_after_load_equals_one_more_step(optimizer, tmp_path):
    x, y = _data()
    make = {"adam": lambda: kerax.optimizers.Adam(0.01), "rmsprop": lambda: kerax.optimizers.RMSprop(0.01),
            "sgd_momentum": lambda: kerax.optimizers.SGD(0.1, momentum=0.9)}[optimizer]
    model = _model(kerax, make())
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = kerax.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is type(model.optimizer)
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy()) == 4
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a.value), np.asarray(b.value))
    model.train_on_batch(x[:4], y[:4])
    loaded.train_on_batch(x[:4], y[:4])
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("writer", ["keras", "kerax"])
def test_trained_file_resumes_in_the_other(writer, tmp_path):
    """Keras 3 trains and saves, kerax loads and takes the next step, or the other way round."""
    x, y = _data()
    source, reader = (keras, kerax) if writer == "keras" else (kerax, keras)
    saved = _model(source, source.optimizers.Adam(0.01))
    saved.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    saved.save(tmp_path / "m.keras")
    loaded = reader.models.load_model(tmp_path / "m.keras")
    assert int(np.asarray(loaded.optimizer.iterations)) == 2
    saved.train_on_batch(x[:4], y[:4])
    loaded.train_on_batch(x[:4], y[:4])
    for a, b in zip(loaded.get_weights(), saved.get_weights()):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)


def test_compile_config_round_trips(tmp_path):
    model = _model(kerax, kerax.optimizers.Adam(0.02, beta_1=0.8))
    model.save(tmp_path / "m.keras")
    loaded = kerax.models.load_model(tmp_path / "m.keras")
    assert loaded.compiled
    assert loaded.optimizer.get_config()["beta_1"] == pytest.approx(0.8)
    assert loaded.optimizer.get_config()["learning_rate"] == pytest.approx(0.02)
    assert loaded.get_compile_config()["loss"] == "mse"
    assert loaded.get_compile_config()["metrics"] == ["mae"]
    not_compiled = kerax.models.load_model(tmp_path / "m.keras", compile=False)
    assert not not_compiled.compiled
