"""Bidirectional: one copy of an RNN reads the sequence forwards, another backwards, and their
outputs are merged."""
from __future__ import annotations

from ... import ops
from ..layer import Layer
from .serialization import deserialize_layer, serialize_layer

__all__ = ["Bidirectional"]

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _copy(layer, name: str, **overrides):
    """A fresh layer from `layer`'s config, as Keras's Bidirectional makes its two copies."""
    return type(layer).from_config({**layer.get_config(), "name": name, **overrides})


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Wraps an RNN layer to run over the sequence in both directions.

    Weights are the forward layer's, then the backward layer's (Keras's order).

    >>> Bidirectional(LSTM(4))(np.ones((2, 5, 3), "float32")).shape
    (2, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: argument `layer` must be a kerax Layer instance, received {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: argument `backward_layer` must be a kerax Layer instance, received "
                             f"{backward_layer!r}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: argument `merge_mode` must be one of {MERGE_MODES}, received "
                             f"{merge_mode!r}")
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, f"forward_{_strip(layer.name, 'forward_')}")
        if backward_layer is None:
            self.backward_layer = _copy(layer, f"backward_{_strip(layer.name, 'backward_')}", go_backwards=True)
        else:
            self.backward_layer = backward_layer
        self._verify_layer_config()
        for direction in (self.forward_layer, self.backward_layer):
            if getattr(direction, "zero_output_for_mask", None) is not None:
                # Keras: padded steps output zeros, so the reversed backward sequence lines up with the forward one
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(f"Layer '{self.name}': the forward and backward layers must have different `go_backwards` "
                             f"values, received forward_layer.go_backwards={forward.go_backwards}, "
                             f"backward_layer.go_backwards={backward.go_backwards}")
        for attribute in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attribute) != getattr(backward, attribute):
                raise ValueError(f"Layer '{self.name}': the forward and backward layers must agree on `{attribute}`, "
                                 f"received {getattr(forward, attribute)} (forward) and "
                                 f"{getattr(backward, attribute)} (backward)")

    def build(self, sequences_shape, initial_state_shape=None):
        self.forward_layer._maybe_build(sequences_shape)
        self.backward_layer._maybe_build(sequences_shape)
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_accepts("training"):
            kwargs["training"] = training
        if self.forward_layer._call_accepts("mask"):
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        output = self._merge(y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / 2
        if self.merge_mode == "mul":
            return y * y_rev
        return (y, y_rev)

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else [mask]
        else:
            output_mask = [None, None] if self.merge_mode is None else [None]
        if self.return_state:
            count = len(getattr(self.forward_layer, "state_size", [])) * 2
            return output_mask + [None] * count
        return output_mask if self.merge_mode is None else output_mask[0]

    @property
    def states(self):
        forward, backward = getattr(self.forward_layer, "states", None), getattr(self.backward_layer, "states", None)
        return tuple(forward + backward) if forward and backward else None

    def reset_state(self) -> None:
        """Zero the states of both directions (a no-op unless the layer is stateful)."""
        if self.stateful:
            self.forward_layer.reset_state()
            self.backward_layer.reset_state()

    def reset_states(self) -> None:
        self.reset_state()

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode, "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), "Bidirectional")
        backward = config.pop("backward_layer", None)
        return cls(layer, backward_layer=None if backward is None else deserialize_layer(backward, "Bidirectional"),
                   **config)

