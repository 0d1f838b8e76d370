"""Weight initializers with Keras 3's names, arguments and defaults.

>>> kerax.initializers.get("glorot_uniform")((3, 4)).shape
(3, 4)
"""
from __future__ import annotations

import contextlib
import math

import jax
import jax.numpy as jnp
import numpy as np

from . import config
from .random import draw_seed


class Initializer:
    """Base class: `__call__(shape, dtype=None)` returns the initial array.

    >>> class Twos(kerax.initializers.Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return jnp.full(shape, 2.0, dtype or "float32")
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


class _Seeded(Initializer):
    """Draws on the host with NumPy: one transfer per weight, where JAX's random functions would
    compile a program for every new weight shape (about 0.4 s each on a small CPU)."""

    def __init__(self, seed=None):
        self.seed = seed

    def _generator(self) -> np.random.Generator:
        return np.random.default_rng(draw_seed() if self.seed is None else int(self.seed))


def _normal(generator, shape):
    return generator.standard_normal(tuple(shape), dtype=np.float32)


def _uniform(generator, shape, low, high):
    return generator.uniform(low, high, tuple(shape)).astype(np.float32)


def _truncated_normal(generator, shape):
    """Unit normal draws redrawn until all lie within two standard deviations."""
    values = _normal(generator, shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = _normal(generator, (int(outside.sum()),))
        outside = np.abs(values) > 2.0
    return values


def _device(array, dtype):
    return jnp.asarray(np.asarray(array, dtype=np.float32), dtype)


class Zeros(Initializer):
    """All zeros.

    >>> kerax.initializers.Zeros()((2,))
    Array([0., 0.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return jnp.asarray(np.zeros(shape, np.float32), dtype or config.floatx())


class Ones(Initializer):
    """All ones.

    >>> kerax.initializers.Ones()((2,))
    Array([1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return jnp.asarray(np.ones(shape, np.float32), dtype or config.floatx())


class Constant(Initializer):
    """Every element equal to the scalar `value`.

    >>> kerax.initializers.Constant(3.0)((2,))
    Array([3., 3.], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return jnp.asarray(np.full(shape, self.value, np.float32), dtype or config.floatx())

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_Seeded):
    """Normal draws of `mean` and `stddev`.

    >>> kerax.initializers.RandomNormal(seed=1)((2, 2)).shape
    (2, 2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        return _device(_normal(self._generator(), shape) * self.stddev + self.mean, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    """Uniform draws in [minval, maxval).

    >>> kerax.initializers.RandomUniform(seed=1)((2, 2)).shape
    (2, 2)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        return _device(_uniform(self._generator(), shape, self.minval, self.maxval), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Seeded):
    """Normal draws of `mean` and `stddev`, re-drawn beyond two standard deviations.

    >>> kerax.initializers.TruncatedNormal(seed=1)((2, 2)).shape
    (2, 2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        return _device(_truncated_normal(self._generator(), shape) * self.stddev + self.mean, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape; `input_axes`/`output_axes` name them explicitly
    (EinsumDense kernels), else the last two axes do, times the receptive field (convolutions)."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_Seeded):
    """Draws with variance `scale / n`, n the fan given by `mode` (Keras 3's definition).

    >>> kerax.initializers.VarianceScaling(2.0, "fan_in", "uniform")((64, 32)).shape
    (64, 32)
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: argument `scale` must be positive, received {scale}")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: argument `mode` expected one of {self._MODES}, received {mode!r}")
        distribution = distribution.lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution  # as Keras reads "normal"
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: argument `distribution` expected one of {self._DISTRIBUTIONS}, "
                             f"received {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        fan_in, fan_out = compute_fans(tuple(shape), self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        generator = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.87962566103423978  # the std of a unit normal truncated at +-2
            return _device(_truncated_normal(generator, shape) * stddev, dtype)
        if self.distribution == "untruncated_normal":
            return _device(_normal(generator, shape) * math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return _device(_uniform(generator, shape, -limit, limit), dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed,
                "input_axes": self.input_axes, "output_axes": self.output_axes}


def _preset(name, scale, mode, distribution):
    class Preset(VarianceScaling):
        def __init__(self, seed=None, input_axes=None, output_axes=None):
            super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

        def get_config(self):
            return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    Preset.__name__ = Preset.__qualname__ = name
    Preset.__doc__ = (f"VarianceScaling(scale={scale}, mode={mode!r}, distribution={distribution!r}).\n\n"
                      f"    >>> kerax.initializers.{name}(seed=1)((4, 3)).shape\n    (4, 3)\n    ")
    return Preset


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(_Seeded):
    """An orthogonal matrix (QR of a normal draw) times `gain`; higher ranks are flattened to
    (prod(shape[:-1]), shape[-1]).

    >>> w = kerax.initializers.Orthogonal(seed=1)((3, 3))
    >>> bool(jnp.allclose(w @ w.T, jnp.eye(3), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer: expected a shape of rank >= 2, received {tuple(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _normal(self._generator(), (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _device(self.gain * q.reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only).

    >>> kerax.initializers.Identity()((2, 2))
    Array([[1., 0.],
           [0., 1.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer: expected a 2-D shape, received {tuple(shape)}")
        return _device(self.gain * np.eye(*shape), dtype or config.floatx())

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
_ALIASES = {"uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros,
            "OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity}


class _FromArray(Initializer):
    """Keras's `initializers.get(array)`: the array itself, for a request of its shape."""

    def __init__(self, array):
        self.array = np.asarray(array)

    def __call__(self, shape, dtype=None):
        if tuple(shape) != self.array.shape:
            raise ValueError(f"Initializer from an array of shape {self.array.shape}: a weight of shape "
                             f"{tuple(shape)} was requested; the shapes must be equal")
        return jnp.asarray(self.array, dtype or config.floatx())


_PLACEHOLDERS = [False]


@contextlib.contextmanager
def placeholders():
    """While a file is loaded: new weights start as zeros instead of random draws, since the
    file's values replace them at once (the draws were two thirds of loading 100 MB)."""
    _PLACEHOLDERS.append(True)
    try:
        yield
    finally:
        _PLACEHOLDERS.pop()


def placeholders_active() -> bool:
    return _PLACEHOLDERS[-1]


def get(identifier):
    """An initializer from a name ("he_normal"), a class name, a config dict, an object or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, (np.ndarray, jax.Array)):
        return _FromArray(identifier)
    if isinstance(identifier, str):
        cls = (_BY_NAME.get(identifier) or _BY_NAME.get(identifier.lower()) or _BY_CLASS.get(identifier)
               or _ALIASES.get(identifier))
        if cls is None:
            raise ValueError(f"Unknown initializer {identifier!r}: expected one of {sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier.get("class_name")) or _ALIASES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown initializer class {identifier.get('class_name')!r} in config {identifier}: "
                             f"expected one of {sorted(_BY_CLASS)}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    raise ValueError(f"Could not interpret initializer: expected a name, config or Initializer, received {identifier!r}")


def serialize(initializer) -> dict:
    """The Keras config dict of an initializer."""
    return {"module": "keras.initializers", "class_name": type(initializer).__name__, "config": initializer.get_config()}


def describe(initializer) -> str:
    """A short name for the IR: the Keras snake_case name where there is one."""
    for name, cls in _BY_NAME.items():
        if type(initializer) is cls:
            return name
    return type(initializer).__name__ if isinstance(initializer, Initializer) else getattr(initializer, "__name__", "custom")


def deserialize(config_, custom_objects=None):
    """An initializer from its Keras config, as `keras.initializers.deserialize`."""
    if isinstance(config_, dict) and custom_objects and config_.get("class_name") in custom_objects:
        return custom_objects[config_["class_name"]].from_config(config_.get("config", {}))
    return get(config_)


# Keras's function-style aliases: kerax.initializers.glorot_uniform(seed=...)
globals().update({name: cls for name, cls in _BY_NAME.items()})
OrthogonalInitializer, IdentityInitializer = Orthogonal, Identity

from .initializers_stft import STFT  # noqa: E402  (it subclasses Initializer)

STFTInitializer = stft = STFT
_BY_NAME["stft"] = STFT
_BY_CLASS["STFT"] = STFT
_ALIASES["STFTInitializer"] = STFT
