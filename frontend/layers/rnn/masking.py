"""Masking: marks the timesteps whose features all equal `mask_value` as masked."""
from __future__ import annotations

from ... import ops
from ..layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """Masks timesteps where every feature equals `mask_value` and zeroes them; downstream layers
    that take a mask (LSTM, GRU, …) skip those steps.

    >>> x = np.array([[[1.0], [0.0]]], "float32")
    >>> Masking(0.0)(x).shape
    (1, 2, 1)
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(mask_value, (int, float)) or isinstance(mask_value, bool):
            raise ValueError(f"Layer '{self.name}': argument `mask_value` must be a number, received {mask_value!r}")
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, previous_mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.where(keep, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
