"""Random ops. Each draws from a key input folded with its own `salt`, so draws never repeat
within a step, and the key is advanced once per step by `rng_next`."""
import jax
import jax.numpy as jnp

from ..registry import RANDOM, register


@register("rng_next", RANDOM, "the key for the next step")
def _rng_next(key):
    return jax.random.fold_in(key, 0x7FFFFFFF)


@register("dropout", RANDOM, "x with elements zeroed at rate, the rest scaled by 1/(1-rate)")
def _dropout(x, key, *, rate, salt, noise_axes):
    shape = tuple(1 if i in noise_axes else d for i, d in enumerate(x.shape))
    keep = jax.random.bernoulli(jax.random.fold_in(key, salt), 1.0 - rate, shape)
    return jnp.where(keep, x / (1.0 - rate), jnp.zeros((), x.dtype)).astype(x.dtype)


@register("random_normal_like", RANDOM, "normal noise shaped like x")
def _random_normal_like(x, key, *, mean, stddev, salt):
    noise = jax.random.normal(jax.random.fold_in(key, salt), x.shape, x.dtype)
    return (noise * stddev + mean).astype(x.dtype)


@register("random_uniform_like", RANDOM, "uniform noise in [minval, maxval) shaped like x")
def _random_uniform_like(x, key, *, minval, maxval, salt):
    return jax.random.uniform(jax.random.fold_in(key, salt), x.shape, x.dtype, minval, maxval)


def _sized(shape, ref):
    """`shape` with each None taken from the same axis of the reference operand (the batch)."""
    return tuple(ref[0].shape[i] if d is None else d for i, d in enumerate(shape))


@register("random_normal", RANDOM, "normal noise of a given shape (None: the reference operand's size)")
def _random_normal(key, *ref, shape, dtype, mean, stddev, salt):
    noise = jax.random.normal(jax.random.fold_in(key, salt), _sized(shape, ref), dtype)
    return (noise * stddev + mean).astype(dtype)


@register("random_uniform", RANDOM, "uniform noise in [minval, maxval) of a given shape")
def _random_uniform(key, *ref, shape, dtype, minval, maxval, salt):
    return jax.random.uniform(jax.random.fold_in(key, salt), _sized(shape, ref), dtype, minval, maxval)
