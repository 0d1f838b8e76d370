"""Layers that merge a list of tensors: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, and their functional forms (`add([a, b])`, …)."""
from __future__ import annotations

import functools

from .. import ops
from .layer import Layer


class _Merge(Layer):
    _min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            count = len(inputs) if isinstance(inputs, (list, tuple)) else "a single tensor"
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects a list of at least "
                             f"{self._min_inputs} inputs, received {count}")
        shapes = [tuple(t.shape) for t in inputs]
        for shape in shapes[1:]:
            if not _broadcastable(shapes[0], shape):
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs inputs of the same shape, "
                                 f"received shapes {shapes}")

    def build(self, input_shape):
        pass

    def call(self, inputs):
        self._check(inputs)
        return self._merge(list(inputs))

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)):
            return None
        masks = [m for m in previous_mask if m is not None]
        return functools.reduce(ops.logical_and, masks) if masks else None


def _broadcastable(a, b) -> bool:
    if len(a) != len(b):
        return False
    return all(x is None or y is None or x == y or x == 1 or y == 1 for x, y in zip(a, b))


class Add(_Merge):
    def _merge(self, xs): return functools.reduce(ops.add, xs)


class Subtract(_Merge):
    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Layer '{self.name}' (Subtract) expects a list of exactly 2 inputs, "
                             f"received {len(inputs) if isinstance(inputs, (list, tuple)) else 'a single tensor'}")
        super()._check(inputs)

    def _merge(self, xs): return ops.subtract(xs[0], xs[1])


class Multiply(_Merge):
    def _merge(self, xs): return functools.reduce(ops.multiply, xs)


class Average(_Merge):
    def _merge(self, xs): return ops.divide(functools.reduce(ops.add, xs), float(len(xs)))


class Maximum(_Merge):
    def _merge(self, xs): return functools.reduce(ops.maximum, xs)


class Minimum(_Merge):
    def _merge(self, xs): return functools.reduce(ops.minimum, xs)


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 1:
            raise ValueError(f"Layer '{self.name}' (Concatenate) expects a list of inputs, received {inputs!r}")
        shapes = [tuple(t.shape) for t in inputs]
        rank = len(shapes[0])
        axis = self.axis % rank
        for shape in shapes:
            if len(shape) != rank or any(a is not None and b is not None and a != b
                                         for i, (a, b) in enumerate(zip(shapes[0], shape)) if i != axis):
                raise ValueError(f"Layer '{self.name}' (Concatenate) needs inputs with matching shapes except on "
                                 f"the concatenation axis {self.axis}, received shapes {shapes}")

    def _merge(self, xs): return ops.concatenate(xs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)) or all(m is None for m in previous_mask):
            return None
        masks = [ops.ones_like(x[..., 0], dtype="bool") if m is None else m for x, m in zip(inputs, previous_mask)]
        if self.axis in (-1, len(inputs[0].shape) - 1):
            return functools.reduce(ops.logical_and, masks)
        return ops.concatenate(masks, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes, self.normalize = axes, normalize

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Layer '{self.name}' (Dot) expects a list of exactly 2 inputs")

    def _merge(self, xs):
        a, b = xs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        axes = [ax % len(t.shape) for ax, t in zip(axes, xs)]
        if self.normalize:
            a = a / ops.sqrt(ops.maximum(ops.sum(ops.square(a), axis=axes[0], keepdims=True), 1e-12))
            b = b / ops.sqrt(ops.maximum(ops.sum(ops.square(b), axis=axes[1], keepdims=True), 1e-12))
        letters = "abcdefghij"
        sa = "z" + letters[: len(a.shape) - 1]
        sb = "z" + letters[len(a.shape) - 1: len(a.shape) + len(b.shape) - 2]
        sb = sb[: axes[1]] + sa[axes[0]] + sb[axes[1] + 1:]
        out = "z" + "".join(c for c in sa[1:] + sb[1:] if c != sa[axes[0]])
        result = ops.einsum(f"{sa},{sb}->{out}", a, b)
        return ops.expand_dims(result, -1) if len(result.shape) == 1 else result

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs): return Add(**kwargs)(inputs)
def subtract(inputs, **kwargs): return Subtract(**kwargs)(inputs)
def multiply(inputs, **kwargs): return Multiply(**kwargs)(inputs)
def average(inputs, **kwargs): return Average(**kwargs)(inputs)
def maximum(inputs, **kwargs): return Maximum(**kwargs)(inputs)
def minimum(inputs, **kwargs): return Minimum(**kwargs)(inputs)
def concatenate(inputs, axis=-1, **kwargs): return Concatenate(axis=axis, **kwargs)(inputs)
def dot(inputs, axes=-1, **kwargs): return Dot(axes=axes, **kwargs)(inputs)
