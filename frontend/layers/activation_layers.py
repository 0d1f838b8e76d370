"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (with Keras's masking)."""
from __future__ import annotations

from .. import activations, constraints, initializers, ops, regularizers
from .core import _serialize
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]


def _non_negative(layer, name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if value is None or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"Layer {layer}: argument `{name}` must be a number >= 0, received {value!r}")
    return value


class ReLU(Layer):
    """`min(max(x, 0), max_value)` above `threshold`, `negative_slope * (x - threshold)` below.

    >>> ReLU(max_value=1.0)(np.array([-1.0, 0.5, 2.0], "float32"))
    Array([0. , 0.5, 1. ], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)
        self.supports_masking = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """`x` for x >= 0, `negative_slope * x` below (Keras's default slope here is 0.3).

    >>> LeakyReLU()(np.array([-1.0, 2.0], "float32"))
    Array([-0.3,  2. ], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2's name, still accepted by Keras 3
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _non_negative("LeakyReLU", "negative_slope", negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(Layer):
    """Leaky ReLU with a learned slope `alpha` per element (shared along `shared_axes`).

    >>> PReLU(shared_axes=[1])(np.ones((2, 3, 4), "float32")).shape
    (2, 3, 4)
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"Layer '{self.name}': `shared_axes` must name axes 1..{len(input_shape) - 1} of its "
                                 f"input, received {self.shared_axes} for input shape {tuple(input_shape)}")
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"Layer '{self.name}': alpha needs known sizes on every non-shared axis, received input "
                             f"shape {tuple(input_shape)}; share the unknown axes with `shared_axes`")
        self.alpha = self.add_weight(shape=param_shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in (self.shared_axes or ())}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        positive = activations.relu(inputs)
        negative = ops.multiply(ops.negative(self.alpha), activations.relu(ops.negative(inputs)))
        return ops.add(positive, negative)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": _serialize(self.alpha_regularizer),
                "alpha_constraint": _serialize(self.alpha_constraint), "shared_axes": self.shared_axes}


class ELU(Layer):
    """`x` for x > 0, `alpha * (exp(x) - 1)` below.

    >>> ELU()(np.array([0.0, 1.0], "float32"))
    Array([0., 1.], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """Softmax along `axis` (an int or several axes). With a `mask`, masked positions get
    probability 0 (Keras: logits set to -1e9, then the output zeroed where masked).

    >>> Softmax()(np.array([[1.0, 1.0]], "float32"))
    Array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            self._check_mask(inputs, mask)
            if str(mask.dtype) != "bool":
                mask = ops.greater(mask, ops.cast(0.5, mask.dtype))
            large = -3e4 if str(inputs.dtype) == "float16" else -1e9
            inputs = ops.where(mask, inputs, large)
        axes = tuple(self.axis) if isinstance(self.axis, (list, tuple)) else (self.axis,)
        if len(axes) > 1:
            outputs = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=axes, keepdims=True)))
        else:
            outputs = activations.softmax(inputs, axis=axes[0])
        if mask is not None:
            # A fully masked row would otherwise be uniform.
            outputs = ops.where(mask, outputs, 0.0)
        return outputs

    def _check_mask(self, inputs, mask):
        if len(mask.shape) > len(inputs.shape) or any(
                m is not None and i is not None and m not in (1, i)
                for m, i in zip(reversed(mask.shape), reversed(inputs.shape))):
            raise ValueError(f"Layer '{self.name}': the mask must broadcast to the inputs (each mask dimension 1 or "
                             f"equal to the input's), received inputs {tuple(inputs.shape)} and mask "
                             f"{tuple(mask.shape)}")

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
