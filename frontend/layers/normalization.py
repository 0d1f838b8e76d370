"""BatchNormalization and LayerNormalization, computed as Keras 3 computes them."""
from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from .input_spec import InputSpec
from .layer import Layer


def normalize(x, mean, variance, gamma, beta, epsilon):
    """Keras's batch_normalization arithmetic: x * inv + (beta - mean * inv), inv = gamma / sqrt(var + eps)."""
    inv = ops.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    if beta is not None:
        res = res + beta
    return x * inv + res


class AffineWeights:
    """The learned scale (gamma) and offset (beta) that the normalization layers share."""

    def _init_affine(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
                     gamma_constraint):
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _build_affine(self, shape, scale: bool, center: bool) -> None:
        """gamma then beta, Keras's order."""
        if scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)


class BatchNormalization(AffineWeights, Layer):
    """Normalizes with batch statistics in training, moving statistics in inference.

    A layer with trainable=False runs in inference mode and its statistics do not move.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum, self.epsilon, self.center, self.scale = float(momentum), float(epsilon), center, scale
        self._init_affine(beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
                          gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        axis = self.axis % rank
        if input_shape[axis] is None:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} of its input must be known, received {tuple(input_shape)}")
        shape = (input_shape[axis],)
        self._build_affine(shape, self.scale, self.center)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=rank, axes={axis: input_shape[axis]})
        self._reduction_axes = tuple(i for i in range(rank) if i != axis)
        self._axis = axis

    def call(self, inputs, training=None, mask=None):
        rank = len(inputs.shape)
        shape = [inputs.shape[i] if i == self._axis else 1 for i in range(rank)]

        def expand(v):
            return None if v is None else ops.reshape(v, shape)

        if training and self.trainable:
            mean, variance = ops.moments(inputs, self._reduction_axes, keepdims=False)
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return normalize(inputs, expand(mean), expand(variance), expand(self.gamma), expand(self.beta), self.epsilon)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}


class LayerNormalization(AffineWeights, Layer):
    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale, self.rms_scaling = float(epsilon), center, scale, rms_scaling
        self._init_affine(beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
                          gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        self._axes = tuple(sorted(a % rank for a in axes))
        shape = tuple(input_shape[a] for a in self._axes)
        self._build_affine(shape, self.scale or self.rms_scaling, self.center and not self.rms_scaling)
        self._broadcast = [input_shape[i] if i in self._axes else 1 for i in range(rank)]

    def call(self, inputs):
        def expand(v):
            return None if v is None else ops.reshape(v, self._broadcast)

        if self.rms_scaling:
            variance = ops.var(inputs, axis=self._axes, keepdims=True)
            return inputs * ops.rsqrt(variance + self.epsilon) * expand(self.gamma)
        mean, variance = ops.moments(inputs, self._axes, keepdims=True)
        return normalize(inputs, mean, variance, expand(self.gamma), expand(self.beta), self.epsilon)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "rms_scaling": self.rms_scaling}
