"""GroupNormalization and UnitNormalization, computed as Keras 3 computes them."""
from __future__ import annotations

from .. import initializers, ops
from .core import _serialize
from .input_spec import InputSpec
from .layer import Layer
from .normalization import AffineWeights, normalize

__all__ = ["GroupNormalization", "UnitNormalization"]


class GroupNormalization(AffineWeights, Layer):
    """Normalizes each sample over groups of channels (`groups=-1`: one channel per group,
    i.e. instance normalization), then scales by `gamma` and shifts by `beta` per channel.

    >>> GroupNormalization(groups=2)(np.ones((2, 5, 4), "float32")).shape
    (2, 5, 4)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError(f"Layer GroupNormalization: argument `groups` must be a positive integer or -1 (instance "
                             f"normalization), received {groups!r}")
        if not isinstance(axis, int):
            raise ValueError(f"Layer GroupNormalization: argument `axis` must be an integer, received {axis!r}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups, self.axis, self.epsilon, self.center, self.scale = groups, axis, epsilon, center, scale
        self._init_affine(beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
                          gamma_constraint)

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} is out of range for input shape {tuple(input_shape)}")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} of its input must be known, received shape "
                             f"{tuple(input_shape)}")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups or dim % self.groups:
            raise ValueError(f"Layer '{self.name}': the number of channels ({dim}) must be a multiple of, and at least, "
                             f"`groups` ({self.groups})")
        self._axis = self.axis % rank
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: dim})
        self._build_affine((dim,), self.scale, self.center)

    def call(self, inputs):
        rank, axis = len(inputs.shape), self._axis
        channels = inputs.shape[axis]
        # Channels go last so that the group split is a reshape of the trailing axis only
        # (other axes may have unknown sizes).
        perm = (*[i for i in range(rank) if i != axis], axis)
        x = inputs if axis == rank - 1 else ops.transpose(inputs, perm)
        dtype = str(x.dtype)
        x = ops.cast(x, "float32") if dtype in ("float16", "bfloat16") else x
        grouped = ops.reshape(x, (*[None] * (rank - 1), self.groups, channels // self.groups))
        mean, variance = ops.moments(grouped, tuple(range(1, rank - 1)) + (rank,), keepdims=True)
        shape = (*[1] * (rank - 1), self.groups, channels // self.groups)
        gamma = None if self.gamma is None else ops.reshape(self.gamma, shape)
        beta = None if self.beta is None else ops.reshape(self.beta, shape)
        out = normalize(grouped, mean, variance, gamma, beta, self.epsilon)
        out = ops.reshape(out, (*[None] * (rank - 1), channels))
        out = ops.cast(out, dtype) if str(out.dtype) != dtype else out
        return out if axis == rank - 1 else ops.transpose(out, tuple(perm.index(i) for i in range(rank)))

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": _serialize(self.beta_regularizer),
                "gamma_regularizer": _serialize(self.gamma_regularizer),
                "beta_constraint": _serialize(self.beta_constraint),
                "gamma_constraint": _serialize(self.gamma_constraint)}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along `axis` (an int or a list of axes).

    >>> UnitNormalization()(np.array([[3.0, 4.0]], "float32"))
    Array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f"Layer UnitNormalization: argument `axis` must be an int or a list/tuple of ints, "
                            f"received {axis!r}")
        self.supports_masking = True

    def call(self, inputs):
        axes = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        for a in axes if isinstance(axes, tuple) else (axes,):
            if not -len(inputs.shape) <= a < len(inputs.shape):
                raise ValueError(f"Layer '{self.name}': axis {a} is out of range for input shape {tuple(inputs.shape)}")
        # Keras's ops.normalize with order 2: x * min(rsqrt(sum(x**2)), 1 / epsilon), epsilon 1e-12.
        inv_norm = ops.rsqrt(ops.sum(ops.square(inputs), axis=axes, keepdims=True))
        return ops.multiply(inputs, ops.minimum(inv_norm, 1.0 / 1e-12))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
