"""Normalization, Discretization and CategoryEncoding against Keras 3: adapted statistics and
boundaries, outputs and dtypes, weights, and use inside a trained model."""
import numpy as np
import pytest

import kerax
from kerax import layers
from parity import keras

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((20, 3, 4)) * 3 + 1).astype("float32")
V = RNG.standard_normal((50, 3)).astype("float32")


@pytest.mark.parametrize("kwargs", [{}, {"axis": (1, 2)}, {"axis": None}, {"axis": 1, "invert": True}])
def test_normalization_adapt_matches_keras(kwargs):
    ours, theirs = layers.Normalization(**kwargs), keras().layers.Normalization(**kwargs)
    ours.adapt(X)
    theirs.adapt(X)
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-6, atol=1e-6)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_normalization_adapts_over_batches_to_the_moments_of_all_data():
    layer = layers.Normalization(axis=-1)
    layer.adapt([X[:7], X[7:15], X[15:]])  # a list of batches, as from a generator
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, X.mean(axis=(0, 1)), rtol=1e-5)
    np.testing.assert_allclose(variance, X.var(axis=(0, 1)), rtol=1e-5)


@pytest.mark.parametrize("mean,variance", [(2.0, 4.0), ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])])
def test_normalization_with_given_statistics(mean, variance):
    ours = layers.Normalization(mean=mean, variance=variance)
    theirs = keras().layers.Normalization(mean=mean, variance=variance)
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-6)
    assert ours.weights == [] and layers.Normalization.from_config(ours.get_config()).input_mean == mean


def test_normalization_errors_name_the_argument():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="built with input shape"):
        layer = layers.Normalization()
        layer.adapt(X)
        layer.adapt(X[:, :, :2])


def test_normalization_inside_a_model_keeps_its_statistics_through_fit():
    norm = layers.Normalization()
    norm.adapt(V)
    model = kerax.Sequential([kerax.Input((3,)), norm, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = norm.get_weights()
    model.fit(V, V[:, :1], epochs=1, batch_size=10, verbose=0)
    for a, b in zip(before, norm.get_weights()):
        np.testing.assert_array_equal(a, b)
    dense = model.layers[-1]
    expected = ((V - V.mean(0)) / V.std(0)) @ dense.get_weights()[0] + dense.get_weights()[1]
    np.testing.assert_allclose(model.predict(V, verbose=0), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"num_bins": 4}, {"num_bins": 5, "output_mode": "one_hot"},
                                    {"num_bins": 3, "output_mode": "count", "epsilon": 0.1},
                                    {"bin_boundaries": [-1.0, 0.0, 1.0], "output_mode": "multi_hot"}])
def test_discretization_matches_keras(kwargs):
    ours, theirs = layers.Discretization(**kwargs), keras().layers.Discretization(**kwargs)
    if "num_bins" in kwargs:
        ours.adapt([V[:20], V[20:]])
        # Keras's adapt is reset + update_state per batch + finalize (its adapt itself needs TensorFlow).
        theirs.update_state(V[:20])
        theirs.update_state(V[20:])
        theirs.finalize_state()
        np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    expected, got = np.asarray(theirs(V)), np.asarray(ours(V))
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_discretization_needs_boundaries():
    with pytest.raises(ValueError, match="either `num_bins`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=3)(V)


@pytest.mark.parametrize("kwargs", [{"num_tokens": 4}, {"num_tokens": 4, "output_mode": "one_hot"},
                                    {"num_tokens": 5, "output_mode": "count"}])
def test_category_encoding_matches_keras(kwargs):
    ids = np.array([[1, 2, 2], [0, 3, 3]])
    expected = np.asarray(keras().layers.CategoryEncoding(**kwargs)(ids))
    np.testing.assert_array_equal(np.asarray(layers.CategoryEncoding(**kwargs)(ids)), expected)


def test_category_encoding_count_weights_and_errors():
    ids, weights = np.array([[1, 2, 2], [0, 3, 3]]), np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 0.25]], "float32")
    expected = np.asarray(keras().layers.CategoryEncoding(5, "count")(ids, count_weights=weights))
    np.testing.assert_allclose(np.asarray(layers.CategoryEncoding(5, "count")(ids, count_weights=weights)), expected)
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(3, output_mode="tf_idf")
