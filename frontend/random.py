"""Randomness: seed generators (random-key state variables) and `set_random_seed`.

A SeedGenerator's key is a variable of kind "rng": inside a traced step it is read, used and
advanced, so every step of a `steps_per_execution` scan draws fresh randomness.

>>> kerax.utils.set_random_seed(1337)  # Python, NumPy and kerax, as Keras does
"""
from __future__ import annotations

import random as _py_random

import jax
import jax.numpy as jnp
import numpy as np

from . import config
from .tracing import SymbolicTensor, apply_op, current_trace
from .variables import Variable


def set_random_seed(seed: int) -> None:
    """Seed Python's `random`, NumPy and every kerax initializer and seed generator made after."""
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"set_random_seed: expected an integer seed, received {seed!r}")
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))


def draw_seed() -> int:
    """A fresh seed from the (seeded) Python generator, as Keras's make_default_seed does."""
    return _py_random.randint(1, int(1e9))


class SeedGenerator:
    """Holds a random key as state.

    >>> gen = SeedGenerator(42)
    >>> key = gen.next()
    """

    _advance = "rng_next"  # the op that turns this step's key into the next one

    def __init__(self, seed=None, name="seed_generator"):
        seed = draw_seed() if seed is None else int(seed)
        self.seed = seed
        self.state = Variable(self._initial_key(seed), name=f"{name}_state", trainable=False, kind="rng",
                              dtype="uint32")

    @staticmethod
    def _initial_key(seed: int) -> np.ndarray:
        return np.asarray(jax.random.PRNGKey(seed))

    def next(self):
        trace = current_trace()
        if trace is not None:
            key = SymbolicTensor(trace, trace.read(self.state))
            self.state.assign(apply_op(self._advance, key))
            return key
        key = self.state.value
        self.state.assign(apply_op(self._advance, key))
        return key


class KerasSeedStream(SeedGenerator):
    """The key stream of Keras's own SeedGenerator: the state `[seed, counter]` is itself the
    key of a draw and the counter counts draws, so a layer seeded like its Keras twin draws the
    same numbers (Keras's preprocessing layers draw this way on the JAX backend).

    >>> stream = KerasSeedStream(7)
    >>> [int(v) for v in stream.next()], [int(v) for v in stream.next()]
    ([7, 0], [7, 1])
    """

    _advance = "rng_count"

    @staticmethod
    def _initial_key(seed: int) -> np.ndarray:
        return np.array([seed, 0], "uint32")


def _salt() -> int:
    trace = current_trace()
    return trace.next_salt() if trace is not None else 0


def int_seed_key(seed: int):
    """The key Keras's JAX backend draws with for an int seed: `[seed, 0]`, used unfolded, so
    `normal(shape, seed=3)` gives the numbers `keras.random.normal(shape, seed=3)` gives."""
    return jnp.asarray([int(seed) & 0xFFFFFFFF, 0], dtype="uint32")


def _keyed(seed) -> tuple:
    """(key, salt) of one draw: an int seed draws from Keras's key as given (salt 0), the same
    numbers every call, as in Keras; a SeedGenerator's or a fresh key is folded with the
    trace's next salt, so that two draws of one step differ."""
    if isinstance(seed, SeedGenerator):
        return seed.next(), _salt()
    if seed is None:
        return jax.random.PRNGKey(draw_seed()), _salt()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int_seed_key(seed), 0
    raise ValueError(f"kerax.random: argument `seed` must be an int or a kerax.random.SeedGenerator, received "
                     f"{seed!r} (of type {type(seed).__name__})")


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero elements at `rate`, scale the rest by 1/(1 - rate). `noise_shape` entries of 1 share
    one draw along that axis."""
    noise_axes = ()
    if noise_shape is not None:
        noise_axes = tuple(i for i, d in enumerate(noise_shape) if d == 1)
    key, salt = _keyed(seed)
    return apply_op("dropout", inputs, key, rate=float(rate), salt=salt, noise_axes=noise_axes)


def normal_like(x, mean=0.0, stddev=1.0, seed=None):
    key, salt = _keyed(seed)
    return apply_op("random_normal_like", x, key, mean=float(mean), stddev=float(stddev), salt=salt)


def uniform_like(x, minval=0.0, maxval=1.0, seed=None):
    key, salt = _keyed(seed)
    return apply_op("random_uniform_like", x, key, minval=float(minval), maxval=float(maxval), salt=salt)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws of `shape`; inside a traced call, a `random_normal` node of the IR.

    >>> normal((2, 3), seed=SeedGenerator(1)).shape
    (2, 3)
    """
    return _draw("random_normal", shape, dtype, seed, mean=float(mean), stddev=float(stddev))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform draws in [minval, maxval) of `shape`; inside a traced call, a `random_uniform` node."""
    return _draw("random_uniform", shape, dtype, seed, minval=float(minval), maxval=float(maxval))


def _draw(op, shape, dtype, seed, **attrs):
    shape = tuple(None if d is None else int(d) for d in shape)
    dtype = dtype or config.floatx()
    trace = current_trace()
    refs = []
    if None in shape:  # an unknown size (the batch, from ops.shape) is read off a data input's same axis
        if trace is None:
            raise ValueError(f"kerax.random: `shape` {shape} has unknown sizes, which only a traced call can resolve")
        refs = [_reference_input(trace, shape)]
    key, salt = _keyed(seed)
    return apply_op(op, key, *refs, shape=shape, dtype=str(dtype), salt=salt, **attrs)


def _reference_input(trace, shape) -> SymbolicTensor:
    for gi in trace.builder.inputs:
        dims = gi.value.type.shape
        if gi.kind == "input" and all(d is not None or (i < len(dims) and dims[i] is None) for i, d in enumerate(shape)):
            return SymbolicTensor(trace, gi.value)
    raise ValueError(f"kerax.random: no input of the traced call has unknown sizes where `shape` {shape} has them")


from .random_draws import *  # noqa: E402,F401,F403  (categorical, randint, shuffle, …)
