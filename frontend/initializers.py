"""Weight initializers with Keras 3's names, arguments and defaults.

>>> kerax.initializers.get("glorot_uniform")((3, 4)).shape
(3, 4)
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from . import config
from .random import draw_seed


class Initializer:
    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _key(self):
        return jax.random.PRNGKey(draw_seed() if self.seed is None else int(self.seed))


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return jnp.zeros(shape, dtype or config.floatx())


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return jnp.ones(shape, dtype or config.floatx())


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return jnp.full(shape, self.value, dtype or config.floatx())

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        return (jax.random.normal(self._key(), shape, dtype) * self.stddev + self.mean).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        return jax.random.uniform(self._key(), shape, dtype, self.minval, self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        return (jax.random.truncated_normal(self._key(), -2.0, 2.0, shape, dtype) * self.stddev + self.mean).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def compute_fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_Seeded):
    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: `scale` must be positive, received {scale}")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: `mode` expected one of {self._MODES}, received {mode!r}")
        distribution = "untruncated_normal" if distribution == "normal" else distribution
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: `distribution` expected one of {self._DISTRIBUTIONS}, received {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        fan_in, fan_out = compute_fans(tuple(shape))
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        key = self._key()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.87962566103423978
            return (jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype) * stddev).astype(dtype)
        if self.distribution == "untruncated_normal":
            return (jax.random.normal(key, shape, dtype) * math.sqrt(scale)).astype(dtype)
        limit = math.sqrt(3.0 * scale)
        return jax.random.uniform(key, shape, dtype, -limit, limit)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _preset(name, scale, mode, distribution):
    class Preset(VarianceScaling):
        def __init__(self, seed=None):
            super().__init__(scale, mode, distribution, seed)

        def get_config(self):
            return {"seed": self.seed}

    Preset.__name__ = Preset.__qualname__ = name
    return Preset


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(_Seeded):
    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer: expected a shape of rank >= 2, received {tuple(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = jax.random.normal(self._key(), (max(rows, cols), min(rows, cols)), "float32")
        q, r = jnp.linalg.qr(a)
        q = q * jnp.sign(jnp.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer: expected a 2-D shape, received {tuple(shape)}")
        return (self.gain * jnp.eye(*shape)).astype(dtype or config.floatx())

    def get_config(self):
        return {"gain": self.gain}


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
    "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity,
}
_BY_CLASS = {cls.__name__: cls for cls in _BY_NAME.values()}
_ALIASES = {"uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros}


def get(identifier):
    """An initializer from a name ("he_normal"), a class name, a config dict, an object or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, str):
        cls = (_BY_NAME.get(identifier) or _BY_NAME.get(identifier.lower()) or _BY_CLASS.get(identifier)
               or _ALIASES.get(identifier))
        if cls is None:
            raise ValueError(f"Unknown initializer {identifier!r}: expected one of {sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, dict):
        return _BY_CLASS[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    raise ValueError(f"Could not interpret initializer: expected a name, config or Initializer, received {identifier!r}")


def serialize(initializer) -> dict:
    return {"module": "keras.initializers", "class_name": type(initializer).__name__, "config": initializer.get_config()}


def describe(initializer) -> str:
    """A short name for the IR: the Keras snake_case name where there is one."""
    for name, cls in _BY_NAME.items():
        if type(initializer) is cls:
            return name
    return type(initializer).__name__ if isinstance(initializer, Initializer) else getattr(initializer, "__name__", "custom")


# Keras's function-style aliases: kerax.initializers.glorot_uniform(seed=...)
globals().update({name: cls for name, cls in _BY_NAME.items()})
