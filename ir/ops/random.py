"""Random ops. Each draws from a key input folded with its own `salt`, so draws never repeat
within a step, and the key is advanced once per step by `rng_next`. Salt 0 draws from the key
as given: an int seed's key `[seed, 0]` draws what Keras draws for that seed.

Keras's key stream is the other scheme: the key `[seed, counter]` is used as it is and
`rng_count` advances the counter after every draw, as Keras's JAX backend uses its SeedGenerator
state; the preprocessing layers draw this way so that a seeded layer draws what Keras draws."""
import jax
import jax.numpy as jnp

from ..registry import RANDOM, register


def _salted(key, salt):
    return key if salt == 0 else jax.random.fold_in(key, salt)


@register("rng_next", RANDOM, "the key for the next step")
def _rng_next(key):
    return jax.random.fold_in(key, 0x7FFFFFFF)


@register("dropout", RANDOM, "x with elements zeroed at rate, the rest scaled by 1/(1-rate)")
def _dropout(x, key, *, rate, salt, noise_axes):
    shape = tuple(1 if i in noise_axes else d for i, d in enumerate(x.shape))
    keep = jax.random.bernoulli(_salted(key, salt), 1.0 - rate, shape)
    return jnp.where(keep, x / (1.0 - rate), jnp.zeros((), x.dtype)).astype(x.dtype)


@register("random_normal_like", RANDOM, "normal noise shaped like x")
def _random_normal_like(x, key, *, mean, stddev, salt):
    noise = jax.random.normal(_salted(key, salt), x.shape, x.dtype)
    return (noise * stddev + mean).astype(x.dtype)


@register("random_uniform_like", RANDOM, "uniform noise in [minval, maxval) shaped like x")
def _random_uniform_like(x, key, *, minval, maxval, salt):
    return jax.random.uniform(_salted(key, salt), x.shape, x.dtype, minval, maxval)


def _sized(shape, ref):
    """`shape` with each None taken from the same axis of the reference operand (the batch)."""
    return tuple(ref[0].shape[i] if d is None else d for i, d in enumerate(shape))


@register("random_normal", RANDOM, "normal noise of a given shape (None: the reference operand's size)")
def _random_normal(key, *ref, shape, dtype, mean, stddev, salt):
    noise = jax.random.normal(_salted(key, salt), _sized(shape, ref), dtype)
    return (noise * stddev + mean).astype(dtype)


@register("random_uniform", RANDOM, "uniform noise in [minval, maxval) of a given shape")
def _random_uniform(key, *ref, shape, dtype, minval, maxval, salt):
    return jax.random.uniform(_salted(key, salt), _sized(shape, ref), dtype, minval, maxval)


@register("rng_count", RANDOM, "the next key of Keras's key stream: [seed, counter + 1]")
def _rng_count(key):
    return key + jnp.array([0, 1], key.dtype)


@register("uniform_from_key", RANDOM, "uniform draws in [minval, maxval) from key as given, not folded")
def _uniform_from_key(key, *ref, shape, minval, maxval, dtype):
    return jax.random.uniform(key, _sized(shape, ref), dtype, minval, maxval)
