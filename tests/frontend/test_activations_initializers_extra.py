"""Keras 3's remaining activations (sparse_plus, sparse_sigmoid, sparsemax, glu, threshold) and
initializers (STFT, the *Initializer aliases), against Keras 3 or a NumPy reference."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerax
from parity import keras
from test_activations_initializers import X, _assert_same_function


@pytest.mark.parametrize("name", ["sparse_plus", "sparse_sigmoid"])
def test_activation_by_string(name):
    _assert_same_function(kerax.activations.get(name), keras().activations.get(name))


def test_threshold():
    _assert_same_function(lambda x: kerax.activations.threshold(x, 0.3, -2.0),
                          lambda x: keras().activations.threshold(x, 0.3, -2.0))


@pytest.mark.parametrize("axis", [-1, 0])
def test_glu_values_and_gradients(axis):
    def value_and_grad(fn):
        return fn(X), jax.grad(lambda x: jnp.sum(jnp.sin(fn(x))))(jnp.asarray(X))

    for got, want in zip(value_and_grad(lambda x: kerax.activations.glu(x, axis=axis)),
                         value_and_grad(lambda x: keras().activations.glu(x, axis=axis))):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6)


def _numpy_sparsemax(z, axis):
    z = np.moveaxis(z, axis, -1)
    ordered = -np.sort(-z, axis=-1)
    r = np.arange(1, z.shape[-1] + 1)
    cumsum = np.cumsum(ordered, axis=-1)
    k = np.sum(1 + r * ordered > cumsum, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumsum, k - 1, axis=-1) - 1) / k
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax_is_the_simplex_projection(axis):
    # Keras 3.15's JAX sparsemax sums the cumulative sums over the support instead of taking the
    # last one, so its rows do not sum to 1 once two or more scores are kept: compare with NumPy.
    x = X.copy()
    x[0, :2] = 1.5  # a tie
    got = np.asarray(kerax.activations.sparsemax(x, axis=axis))
    np.testing.assert_allclose(got, _numpy_sparsemax(x, axis), atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, atol=1e-6)
    one_kept = np.array([[3.0, 0.0, -1.0]], "float32")  # where Keras's formula is right
    np.testing.assert_allclose(kerax.activations.sparsemax(one_kept), keras().activations.sparsemax(one_kept))


def test_activations_inside_a_model_are_traced():
    layer = kerax.layers.Dense(4, activation="sparsemax")
    out = kerax.Sequential([kerax.Input((6,)), layer]).predict(X, verbose=0)
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-5)
    assert kerax.activations.deserialize("sparse_plus") is kerax.activations.sparse_plus


@pytest.mark.parametrize("kwargs", [{}, {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True},
                                    {"window": None, "scaling": None}])
def test_stft_matches_keras(kwargs):
    ours, theirs = kerax.initializers.STFT(**kwargs), keras().initializers.STFT(**kwargs)
    np.testing.assert_allclose(np.asarray(ours((8, 2, 5))), np.asarray(theirs((8, 2, 5))), atol=1e-6)
    assert ours.get_config() == theirs.get_config()
    assert type(kerax.initializers.get({"class_name": "STFT", "config": ours.get_config()})) is kerax.initializers.STFT


def test_initializer_aliases_and_errors():
    assert kerax.initializers.OrthogonalInitializer is kerax.initializers.Orthogonal
    assert kerax.initializers.IdentityInitializer is kerax.initializers.Identity
    assert kerax.initializers.STFTInitializer is kerax.initializers.STFT
    assert type(kerax.initializers.deserialize({"class_name": "Identity", "config": {"gain": 2.0}})) is \
        kerax.initializers.Identity
    with pytest.raises(ValueError, match="`side`"):
        kerax.initializers.STFT(side="both")
    with pytest.raises(ValueError, match="window 'kaiser'"):
        kerax.initializers.STFT(window="kaiser")
