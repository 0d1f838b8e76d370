"""Normalization: `(x - mean) / sqrt(variance)` per feature, with `mean` and `variance` given
or learned by `adapt` (kept as the non-trainable weights mean, variance, count, as Keras does)."""
from __future__ import annotations

import math

import numpy as np

from ... import config, ops
from ..layer import Layer
from .adapt_data import batches

__all__ = ["Normalization"]


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 along the kept `axis`.

    >>> layer = Normalization()
    >>> layer.adapt(np.array([[0.0], [2.0]]))
    >>> layer(np.array([[2.0]], "float32")).tolist()
    [[1.0]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is None) != (variance is None):
            raise ValueError("Layer Normalization: set both `mean` and `variance` or neither, received "
                             f"mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Layer Normalization: `mean` and `variance` must have one shape, received "
                                 f"{np.shape(mean)} and {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"Layer Normalization: the rank of `mean` must be at most the number of axes "
                                 f"({len(self.axis)}), received mean of shape {np.shape(mean)} for axis {self.axis}")

    def build(self, input_shape):
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Layer '{self.name}' (Normalization): every `axis` must be in [-{ndim}, {ndim}) for "
                             f"inputs of rank {ndim}, received axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"Layer '{self.name}' (Normalization): the kept axis {d} must have a known size, "
                                 f"received input shape {tuple(input_shape)}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=shape, initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros", trainable=False)
        else:
            self._fixed = tuple(self._given(v) for v in (self.input_mean, self.input_variance))

    def _given(self, value):
        value = np.asarray(value, "float64")
        if value.ndim:  # its axes are the last kept axes
            expanded = [1] * len(self._broadcast_shape)
            for i in range(1, value.ndim + 1):
                expanded[self._keep_axis[-i]] = value.shape[-i]
            value = value.reshape(expanded)
        return np.broadcast_to(value, self._broadcast_shape).astype(self.compute_dtype)

    def adapt(self, data) -> None:
        """Learn the mean and variance of `data` (an array, or an iterable of batches)."""
        data = batches("Normalization", data)
        if not self.built:
            self._maybe_build(data[0].shape)
        for part in data:
            for d in self._keep_axis:
                if part.shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"Layer '{self.name}' (Normalization).adapt: the layer was built with input "
                                     f"shape {self._build_input_shape}, but received data of shape {part.shape}")
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' (Normalization): `adapt` learns mean and variance, but they "
                             "were given to the constructor")
        if len(data) == 1:
            mean, var = np.mean(data[0], axis=self._reduce_axis), np.var(data[0], axis=self._reduce_axis)
        else:  # Keras's running combination of per-batch moments
            mean = var = np.zeros(self.adapt_mean.shape, "float32")
            total = 0
            for part in data:
                part = part.astype("float32")
                batch_mean, batch_var = np.mean(part, axis=self._reduce_axis), np.var(part, axis=self._reduce_axis)
                count = math.prod(part.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
                total += count
                weight = float(count) / total
                new_mean = mean * (1.0 - weight) + batch_mean * weight
                var = ((var + (mean - new_mean) ** 2) * (1.0 - weight)
                       + (batch_var + (batch_mean - new_mean) ** 2) * weight)
                mean = new_mean
        self.adapt_mean.assign(mean)
        self.adapt_variance.assign(var)

    def call(self, inputs):
        dtype = self.compute_dtype
        if self.input_mean is None:
            mean = ops.cast(ops.reshape(self.adapt_mean, self._broadcast_shape), dtype)
            variance = ops.cast(ops.reshape(self.adapt_variance, self._broadcast_shape), dtype)
        else:
            mean, variance = self._fixed
        inputs = ops.cast(inputs, dtype)
        scale = ops.maximum(ops.sqrt(variance), config.epsilon())
        if self.invert:
            return mean + inputs * scale
        return (inputs - mean) / scale

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()}

    def get_build_config(self):
        return {"input_shape": self._build_input_shape} if self._build_input_shape else None
