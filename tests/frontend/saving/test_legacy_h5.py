"""The legacy Keras 2 `.h5` full-model file: Keras 3 writes it and kerax loads it, kerax
writes it and Keras 3 loads it, weights and optimizer state included."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerax  # noqa: E402

from twins import inputs_for, predictions, randomize  # noqa: E402


def _build(K):
    a, b = K.Input((3,)), K.Input((2,))
    h = K.layers.Concatenate()([K.layers.Dense(4, activation="relu")(a), b])
    model = K.Model([a, b], K.layers.Dense(2)(K.layers.BatchNormalization()(h)))
    # a loss object: Keras 3.15 itself cannot reload a legacy .h5 compiled with the string "mse"
    model.compile(K.optimizers.Adam(0.01), K.losses.MeanSquaredError())
    return model


def _train(model):
    x = inputs_for(model)
    model.train_on_batch(x, np.ones((2, 2), "float32"))
    return x


def test_keras_h5_loads_into_kerax(tmp_path):
    theirs = _build(keras)
    randomize(theirs)
    x = _train(theirs)
    theirs.save(tmp_path / "m.h5")
    ours = kerax.models.load_model(tmp_path / "m.h5")
    for a, b in zip(predictions(ours, x), predictions(theirs, x)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert int(ours.optimizer.iterations.numpy()) == 1
    theirs.train_on_batch(x, np.zeros((2, 2), "float32"))
    ours.train_on_batch(x, np.zeros((2, 2), "float32"))
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), atol=1e-5)


def test_kerax_h5_loads_into_keras_and_kerax(tmp_path):
    ours = _build(kerax)
    randomize(ours)
    x = _train(ours)
    ours.save(tmp_path / "m.h5")
    expected = predictions(ours, x)
    theirs = keras.models.load_model(tmp_path / "m.h5")
    again = kerax.models.load_model(tmp_path / "m.h5")
    for model in (theirs, again):
        for a, b in zip(predictions(model, x), expected):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert int(np.asarray(theirs.optimizer.iterations)) == int(again.optimizer.iterations.numpy()) == 1
    twin = _build(kerax)
    twin.load_weights(tmp_path / "m.h5")
    for a, b in zip(predictions(twin, x), expected):
        np.testing.assert_allclose(a, b, atol=1e-5)
