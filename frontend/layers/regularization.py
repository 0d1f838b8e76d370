"""Regularization layers: GaussianNoise, GaussianDropout, SpatialDropout1D/2D/3D and
ActivityRegularization. The random ones draw from a SeedGenerator, so every training step
(including every step of a `steps_per_execution` scan) draws fresh noise."""
from __future__ import annotations

import math

from .. import config, ops, random, regularizers
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["ActivityRegularization", "GaussianDropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D",
           "SpatialDropout3D"]


def _unit_interval(layer, name, value):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"Layer {layer}: argument `{name}` must be a number in [0, 1], received {value!r}")
    return value


class GaussianNoise(Layer):
    """Adds zero-mean normal noise of `stddev` in training; identity in inference.

    >>> GaussianNoise(0.1)(np.ones((2, 3), "float32")).shape  # inference: unchanged
    (2, 3)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _unit_interval("GaussianNoise", "stddev", stddev)
        self.seed = seed
        if stddev > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            return ops.add(inputs, random.normal_like(inputs, 0.0, self.stddev, seed=self.seed_generator))
        return inputs

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies by normal noise of mean 1 and std `sqrt(rate / (1 - rate))` in training.

    >>> GaussianDropout(0.2)(np.ones((2, 3), "float32")).shape
    (2, 3)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _unit_interval("GaussianDropout", "rate", rate)
        self.seed = seed
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            return ops.multiply(inputs, random.normal_like(inputs, 1.0, stddev, seed=self.seed_generator))
        return inputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class _SpatialDropout(Layer):
    """Dropout of whole feature maps: one draw per (sample, channel)."""

    _rank = 0

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.rate = float(_unit_interval(type(self).__name__, "rate", rate))
        self.seed = seed
        self.data_format = config.standardize_data_format(data_format)
        self.seed_generator = random.SeedGenerator(seed)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return ops.zeros_like(inputs)
        rank = len(inputs.shape)
        channel = 1 if self.data_format == "channels_first" else rank - 1
        noise_shape = tuple(None if i in (0, channel) else 1 for i in range(rank))
        return random.dropout(inputs, self.rate, noise_shape, seed=self.seed_generator)

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of (batch, steps, channels) inputs in training.

    >>> SpatialDropout1D(0.5)(np.ones((2, 4, 3), "float32")).shape
    (2, 4, 3)
    """

    _rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, "channels_last", seed, name, dtype)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of 4-D inputs in training (`data_format` says where channels are).

    >>> SpatialDropout2D(0.5)(np.ones((2, 4, 4, 3), "float32")).shape
    (2, 4, 4, 3)
    """

    _rank = 2

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(_SpatialDropout):
    """Drops whole feature volumes of 5-D inputs in training.

    >>> SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3), "float32")).shape
    (1, 2, 2, 2, 3)
    """

    _rank = 3

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class ActivityRegularization(Layer):
    """Identity that adds `l1 * sum(|x|) + l2 * sum(x**2)`, divided by the batch size (as
    Keras does for activity regularizers), to the loss.

    >>> ActivityRegularization(l2=0.01)(np.ones((2, 3), "float32")).shape
    (2, 3)
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = l1, l2
        # Kept apart from `activity_regularizer` so the penalty is added once, normalized here.
        self.penalty = regularizers.L1L2(l1=l1, l2=l2)
        self.supports_masking = True

    def call(self, inputs):
        if self.l1 or self.l2:
            loss = self.penalty(inputs)
            if len(inputs.shape) > 0:
                loss = ops.divide(loss, batch_size(inputs))
            self.add_loss(loss)
        return inputs

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


def batch_size(x):
    """The (possibly symbolic) size of axis 0 of `x`, as a float scalar tensor."""
    if x.shape[0] is not None:
        return float(x.shape[0])
    first = ops.getitem(x, (slice(None),) + (0,) * (len(x.shape) - 1))
    return ops.sum(ops.ones_like(first))
