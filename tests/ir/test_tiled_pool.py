"""Max pooling whose windows tile the input lowers without reduce_window, with select-and-scatter's
exact gradient (the whole gradient of a window goes to its first maximum)."""
import itertools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerax
from kerax.ir.ops.tiled_pool import tiled_max_pool

CASES = [((2, 7, 3), (2,)), ((2, 6, 7, 3), (2, 2)), ((2, 9, 8, 3), (3, 2)), ((2, 5, 6, 7, 2), (2, 3, 2))]


def _reduce_window(x, pool_size, padding, data_format):
    window = (1, *pool_size, 1) if data_format == "channels_last" else (1, 1, *pool_size)
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, window, padding.upper())


@pytest.mark.parametrize("shape, pool_size", CASES)
@pytest.mark.parametrize("padding, data_format", itertools.product(["valid", "same"], ["channels_last", "channels_first"]))
def test_values_and_gradients_equal_reduce_window_even_with_ties(shape, pool_size, padding, data_format):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.integers(0, 3, shape).astype(np.float32))  # small integers: many tied maxima
    expected = _reduce_window(x, pool_size, padding, data_format)
    weights = jnp.asarray(rng.standard_normal(expected.shape).astype(np.float32))

    def grad(pool):
        return jax.grad(lambda x: (pool(x, pool_size, padding, data_format) * weights).sum())(x)

    np.testing.assert_array_equal(tiled_max_pool(x, pool_size, padding, data_format), expected)
    np.testing.assert_array_equal(grad(tiled_max_pool), grad(_reduce_window))


def _opcodes(hlo: str) -> set:
    return set(re.findall(r" ([a-z][\w-]+)\(", hlo))


def test_a_convnet_gradient_compiles_without_window_ops():
    # XLA:CPU expands select-and-scatter into reduce-window plus scatter: neither may remain.
    model = kerax.Sequential([kerax.Input((8, 8, 1)), kerax.layers.Conv2D(4, 3, activation="relu"),
                              kerax.layers.MaxPooling2D(), kerax.layers.Flatten(), kerax.layers.Dense(2)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 8, 8, 1), "float32"), np.ones((4, 2), "float32")
    grad = jax.jit(jax.grad(lambda x: model(x).sum()))
    opcodes = _opcodes(grad.lower(jnp.asarray(x)).compile().as_text())
    assert not opcodes & {"select-and-scatter", "reduce-window", "scatter"}, opcodes
    overlapping = kerax.Sequential([kerax.Input((8, 8, 1)), kerax.layers.MaxPooling2D(3, strides=2)])
    opcodes = _opcodes(jax.jit(jax.grad(lambda x: overlapping(x).sum())).lower(jnp.asarray(x)).compile().as_text())
    assert opcodes & {"select-and-scatter", "scatter"}, opcodes  # overlapping windows keep reduce_window
    model.fit(x, y, verbose=0)
