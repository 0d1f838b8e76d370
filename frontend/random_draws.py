"""keras.random's other draws: categorical, randint, truncated_normal, shuffle, gamma,
binomial, beta. An int seed draws Keras's own numbers (its key is `[seed, 0]`, as Keras
makes it on JAX); a SeedGenerator gives its next key; None a fresh seed.

They run on arrays: inside a traced model, use the layers that draw (Dropout, GaussianNoise…)
or kerax.random.dropout.

>>> kerax.random.randint((2, 3), 0, 10, seed=1).shape
(2, 3)
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import config

__all__ = ["categorical", "randint", "truncated_normal", "shuffle", "gamma", "binomial", "beta"]


def keras_key(seed, name: str):
    """The JAX key Keras draws with for `seed` (an int, a SeedGenerator or None)."""
    from .keras_tensor import KerasTensor
    from .random import SeedGenerator, draw_seed, int_seed_key
    from .tracing import SymbolicTensor

    if isinstance(seed, SeedGenerator):
        key = seed.next()
    elif seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        seed = draw_seed() if seed is None else int(seed)
        key = int_seed_key(seed)
    elif isinstance(seed, jax.Array):
        key = seed
    else:
        raise ValueError(f"kerax.random.{name}: argument `seed` must be an int or a kerax.random.SeedGenerator, "
                         f"received {seed!r} (of type {type(seed).__name__})")
    if isinstance(key, (SymbolicTensor, KerasTensor)):
        raise ValueError(f"kerax.random.{name} draws on arrays only, not inside a model being traced; use a layer "
                         "that draws (Dropout, GaussianNoise, …) or kerax.random.dropout there")
    return key


def _dtype(dtype):
    return dtype or config.floatx()


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (batch, classes)."""
    logits = jnp.asarray(logits)
    shape = list(logits.shape)
    shape[1] = int(num_samples)
    out = jax.random.categorical(keras_key(seed, "categorical"), logits[..., None], shape=tuple(shape), axis=1)
    return out.astype(dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in [minval, maxval)."""
    return jax.random.randint(keras_key(seed, "randint"), shape=tuple(shape), minval=minval, maxval=maxval,
                              dtype=dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws re-drawn beyond two standard deviations."""
    sample = jax.random.truncated_normal(keras_key(seed, "truncated_normal"), -2.0, 2.0, tuple(shape), _dtype(dtype))
    return sample * stddev + mean


def shuffle(x, axis=0, seed=None):
    """x with its slices along `axis` in random order."""
    return jax.random.permutation(keras_key(seed, "shuffle"), jnp.asarray(x), axis, independent=True)


def gamma(shape, alpha, dtype=None, seed=None):
    return jax.random.gamma(keras_key(seed, "gamma"), alpha, shape=tuple(shape), dtype=_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    return jax.random.binomial(keras_key(seed, "binomial"), jnp.asarray(counts), jnp.asarray(probabilities),
                               shape=tuple(shape), dtype=_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):  # noqa: F811  (Keras's argument name)
    return jax.random.beta(keras_key(seed, "beta"), jnp.asarray(alpha), jnp.asarray(beta), shape=tuple(shape),
                           dtype=_dtype(dtype))
