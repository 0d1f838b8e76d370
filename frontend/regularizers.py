"""Weight and activity regularizers: their value is added to the training loss.

>>> kerax.regularizers.L2(0.01)(np.ones((2, 2)))
Array(0.04, dtype=float32)
"""
from __future__ import annotations

import math

from . import lookup, ops


class Regularizer:
    """Base class: `__call__(x)` returns the scalar penalty for weight `x`.

    >>> class Sum(kerax.regularizers.Regularizer):
    ...     def __call__(self, x):
    ...         return kerax.ops.sum(x)
    """

    keras_module = "keras.regularizers"  # where Keras finds the class when it reads a config

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


def _factor(cls: str, name: str, value) -> float:
    if (not isinstance(value, (int, float)) or isinstance(value, bool) or math.isinf(value) or math.isnan(value)
            or value < 0):
        raise ValueError(f"{cls}: argument `{name}` must be a finite number >= 0, received {value!r}")
    return float(value)


def _zero_like_sum(x):
    """A zero penalty that is still a tensor of x's dtype, as Keras returns."""
    return ops.sum(ops.zeros_like(x))


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)` (both default to 0 here, as in Keras).

    >>> kerax.regularizers.L1L2(l1=0.1, l2=0.1)(np.ones((2,)))
    Array(0.4, dtype=float32)
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(type(self).__name__, "l1", 0.0 if l1 is None else l1)
        self.l2 = _factor(type(self).__name__, "l2", 0.0 if l2 is None else l2)

    def __call__(self, x):
        total = None
        if self.l1:
            total = ops.multiply(self.l1, ops.sum(ops.absolute(x)))
        if self.l2:
            term = ops.multiply(self.l2, ops.sum(ops.square(x)))
            total = term if total is None else ops.add(total, term)
        return _zero_like_sum(x) if total is None else total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|x|)`.

    >>> kerax.regularizers.L1(0.5)(np.array([-1.0, 2.0]))
    Array(1.5, dtype=float32)
    """

    def __init__(self, l1=0.01):
        self.l1 = _factor("L1", "l1", 0.01 if l1 is None else l1)

    def __call__(self, x):
        return ops.multiply(self.l1, ops.sum(ops.absolute(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x**2)`.

    >>> kerax.regularizers.L2(0.5)(np.array([-1.0, 2.0]))
    Array(2.5, dtype=float32)
    """

    def __init__(self, l2=0.01):
        self.l2 = _factor("L2", "l2", 0.01 if l2 is None else l2)

    def __call__(self, x):
        return ops.multiply(self.l2, ops.sum(ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalizes non-orthogonal rows (or columns) of a 2-D weight: `factor` times the mean
    absolute cosine similarity between distinct pairs.

    >>> kerax.regularizers.OrthogonalRegularizer(0.1)(np.eye(3, dtype="float32"))
    Array(0., dtype=float32)
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor("OrthogonalRegularizer", "factor", factor)
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: argument `mode` expected 'rows' or 'columns', received {mode!r}")
        self.mode = mode

    def __call__(self, x):
        if len(x.shape) != 2:
            raise ValueError(f"OrthogonalRegularizer: the weight must have rank 2, received shape {tuple(x.shape)}")
        import numpy as np

        axis = 1 if self.mode == "rows" else 0
        unit = ops.multiply(x, ops.minimum(ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True)), 1e12))
        product = ops.matmul(unit, ops.transpose(unit)) if axis == 1 else ops.matmul(ops.transpose(unit), unit)
        size = x.shape[0] if axis == 1 else x.shape[1]
        off_diagonal = ops.multiply(product, (1.0 - np.eye(size)).astype(str(x.dtype)))
        pairs = size * (size - 1.0) / 2.0
        return ops.divide(ops.multiply(self.factor * 0.5, ops.sum(ops.absolute(off_diagonal))), pairs)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer
_BY_NAME = {"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer,
            "L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer}


def get(identifier):
    """A regularizer from a name ("l2"), a Keras config dict, a class, an object or a callable.

    >>> kerax.regularizers.get("l2").l2
    0.01
    """
    return lookup.resolve(identifier, kind="regularizer", base=Regularizer, by_name=_BY_NAME)


def serialize(regularizer):
    """The Keras config dict of a regularizer (None for None)."""
    return lookup.serialize(regularizer)
