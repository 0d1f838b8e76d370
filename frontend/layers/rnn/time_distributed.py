"""TimeDistributed: applies a layer to every timestep (axis 1) of its input."""
from __future__ import annotations

from ...tracing import apply_op
from ..layer import Layer
from .serialization import deserialize_layer, serialize_layer

__all__ = ["TimeDistributed"]


class TimeDistributed(Layer):
    """Applies `layer` to each slice `inputs[:, t]`, as one call on the timesteps folded into the
    batch (B*T, ...) and unfolded after; a mask passes through unchanged.

    Keras calls the layer once per timestep. The two agree for layers that treat samples
    independently (Dense, Conv, …); a BatchNormalization in training mode here takes its batch
    statistics over all timesteps together.

    >>> TimeDistributed(Dense(8))(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 8)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: argument `layer` must be a kerax Layer instance, received {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"Layer '{self.name}': TimeDistributed expects an input of rank >= 3 "
                             f"(batch, timesteps, ...), received shape {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        self.layer._maybe_build(self._child_input_shape(tuple(input_shape)))

    def call(self, inputs, training=None, mask=None):
        self._child_input_shape(tuple(inputs.shape))
        kwargs = {}
        if self.layer._call_accepts("training"):
            kwargs["training"] = training
        if mask is not None:
            self._check_mask(inputs, mask)
            if self.layer._call_accepts("mask"):
                kwargs["mask"] = apply_op("fold_time", mask)
        outputs = self.layer(apply_op("fold_time", inputs), **kwargs)
        return apply_op("unfold_time", outputs, inputs)

    def _check_mask(self, inputs, mask):
        if len(mask.shape) < 2:
            raise ValueError(f"Layer '{self.name}': the mask must be at least 2D (batch, timesteps), received a mask "
                             f"of shape {tuple(mask.shape)}")
        for axis, what in ((0, "batch size"), (1, "timesteps")):
            a, b = inputs.shape[axis], mask.shape[axis]
            if a is not None and b is not None and a != b:
                raise ValueError(f"Layer '{self.name}': the mask's {what} must match the input's: input shape "
                                 f"{tuple(inputs.shape)}, mask shape {tuple(mask.shape)}")

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_input_shape(tuple(input_shape)))
        return (child[0], input_shape[1], *child[1:])

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_layer(config.pop("layer"), "TimeDistributed"), **config)
