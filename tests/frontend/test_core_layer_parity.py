"""Core layers of the foundation give Keras 3's numbers for Keras's weights."""
import numpy as np
import pytest

import kerax
from parity import assert_layer_parity, keras

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 6)).astype(np.float32)
X3 = RNG.standard_normal((4, 5, 6)).astype(np.float32)


@pytest.mark.parametrize("kwargs", [{}, {"activation": "relu"}, {"use_bias": False, "activation": "tanh"}])
def test_dense(kwargs):
    assert_layer_parity(lambda: kerax.layers.Dense(3, **kwargs), lambda: keras().layers.Dense(3, **kwargs), X)


def test_dense_on_rank_3_inputs():
    assert_layer_parity(lambda: kerax.layers.Dense(3), lambda: keras().layers.Dense(3), X3)


@pytest.mark.parametrize("kwargs", [{}, {"center": False}, {"scale": False}, {"axis": 1, "momentum": 0.5}])
def test_batch_normalization(kwargs):
    # Keras's moving statistics start at 0/1; give them other values so inference mode is tested too.
    ours, theirs = assert_layer_parity(lambda: kerax.layers.BatchNormalization(**kwargs),
                                       lambda: keras().layers.BatchNormalization(**kwargs), X3)
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]


def test_batch_normalization_with_nontrivial_statistics():
    def with_stats(layer):
        layer(X3)
        w = layer.get_weights()
        w[-2] = np.linspace(-1, 1, 6).astype(np.float32)
        w[-1] = np.linspace(0.5, 2, 6).astype(np.float32)
        layer.set_weights(w)
        return layer

    assert_layer_parity(lambda: with_stats(kerax.layers.BatchNormalization()),
                        lambda: with_stats(keras().layers.BatchNormalization()), X3, training=(False,))


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2]}, {"center": False}, {"rms_scaling": True}])
def test_layer_normalization(kwargs):
    assert_layer_parity(lambda: kerax.layers.LayerNormalization(**kwargs),
                        lambda: keras().layers.LayerNormalization(**kwargs), X3)


def test_embedding_and_its_mask():
    ids = RNG.integers(0, 10, (4, 7)).astype(np.int32)
    ids[:, -2:] = 0
    assert_layer_parity(lambda: kerax.layers.Embedding(10, 3, mask_zero=True),
                        lambda: keras().layers.Embedding(10, 3, mask_zero=True), ids)


@pytest.mark.parametrize("name", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"])
def test_merging(name):
    a, b = X3, RNG.standard_normal((4, 5, 6)).astype(np.float32)
    assert_layer_parity(lambda: getattr(kerax.layers, name)(), lambda: getattr(keras().layers, name)(), [a, b])


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.Flatten(),
    lambda lib: lib.layers.Reshape((6, 5)),
    lambda lib: lib.layers.Reshape((-1, 3)),
    lambda lib: lib.layers.Activation("gelu"),
    lambda lib: lib.layers.Activation("softmax"),
    lambda lib: lib.layers.Dropout(0.5),
])
def test_shape_and_activation_layers(make):
    assert_layer_parity(lambda: make(kerax), lambda: make(keras()), X3, training=(False,))


def test_dot_layer():
    a, b = X, RNG.standard_normal((4, 6)).astype(np.float32)
    assert_layer_parity(lambda: kerax.layers.Dot(axes=1), lambda: keras().layers.Dot(axes=1), [a, b])


def test_activity_regularizer_penalty_matches_keras_per_batch_size():
    x = RNG.standard_normal((24, 6)).astype(np.float32)
    y = RNG.standard_normal((24, 3)).astype(np.float32)

    def build(lib):
        model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(3, activity_regularizer="l2")])
        model.compile(optimizer="sgd", loss="mse")
        return model

    ours, theirs = build(kerax), build(keras())
    ours.set_weights(theirs.get_weights())
    for batch in (4, 8):  # the penalty is divided by the batch size, as Keras does
        np.testing.assert_allclose(ours.evaluate(x, y, batch_size=batch, verbose=0),
                                   theirs.evaluate(x, y, batch_size=batch, verbose=0), rtol=1e-5)


def test_dropout_at_rate_one_drops_everything():
    out = kerax.layers.Dropout(1.0)(X, training=True)
    np.testing.assert_array_equal(out, 0)
