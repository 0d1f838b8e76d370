"""Weight constraints, applied to a weight after each optimizer update (Keras 3's formulas).

>>> kerax.constraints.NonNeg()(np.array([-1.0, 2.0]))
Array([0., 2.], dtype=float32)
"""
from __future__ import annotations

import jax.numpy as jnp

from . import config, lookup


class Constraint:
    """Base class: `__call__(w)` returns the projected weight.

    >>> class Clip(kerax.constraints.Constraint):
    ...     def __call__(self, w):
    ...         return jnp.clip(w, -1, 1)
    """

    keras_module = "keras.constraints"  # where Keras finds the class when it reads a config

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


def _norms(w, axis):
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales slices along `axis` whose L2 norm exceeds `max_value` down to it.

    >>> kerax.constraints.MaxNorm(1.0)(np.array([[3.0], [4.0]])).round(3)
    Array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = jnp.asarray(w)
        norms = _norms(w, self.axis)
        desired = jnp.clip(norms, 0, self.max_value)
        return w.astype(norms.dtype) * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero.

    >>> kerax.constraints.NonNeg()(np.array([-1.0, 1.0]))
    Array([0., 1.], dtype=float32)
    """

    def __call__(self, w):
        return jnp.maximum(jnp.asarray(w), 0)


class UnitNorm(Constraint):
    """Scales slices along `axis` to unit L2 norm.

    >>> kerax.constraints.UnitNorm()(np.array([[3.0], [4.0]])).round(3)
    Array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = jnp.asarray(w)
        norms = _norms(w, self.axis)
        return w.astype(norms.dtype) / (config.epsilon() + norms)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves slice norms along `axis` into [min_value, max_value], a fraction `rate` of the way.

    >>> kerax.constraints.MinMaxNorm(1.0, 2.0)(np.array([[0.3], [0.4]])).round(3)
    Array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = jnp.asarray(w)
        norms = _norms(w, self.axis)
        desired = self.rate * jnp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w.astype(norms.dtype) * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
            "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm,
            "Constraint": Constraint, "constraint": Constraint}


def get(identifier):
    """A constraint from a name ("non_neg"), a Keras config dict, a class, an object or a callable.

    >>> type(kerax.constraints.get("max_norm")).__name__
    'MaxNorm'
    """
    return lookup.resolve(identifier, kind="constraint", base=Constraint, by_name=_BY_NAME)


def serialize(constraint):
    """The Keras config dict of a constraint (None for None)."""
    return lookup.serialize(constraint)
