"""RNN: a recurrent cell run over the time axis, with Keras 3's arguments, masks and states.

The whole recurrence is one IR op (one `lax.scan`), emitted by the cell. With `stateful=True`
the final states are kept in non-trainable variables of the fixed batch size and read back as
the next call's initial states; the compiled steps thread them like any other state.
"""
from __future__ import annotations

from ... import naming, ops
from ...variables import Variable
from ..input_spec import InputSpec
from ..layer import Layer
from .cell import RecurrentCell
from .serialization import deserialize_layer, serialize_layer, serialize_object

__all__ = ["RNN"]


class RNN(Layer):
    """Runs `cell` over sequences of shape (batch, timesteps, features).

    >>> layer = RNN(LSTMCell(4), return_sequences=True)
    >>> layer(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            raise ValueError("RNN: a list of cells (StackedRNNCells) is not supported; stack RNN layers instead, "
                             f"received {len(cell)} cells")
        if not isinstance(cell, RecurrentCell):
            raise ValueError("RNN: argument `cell` must be a SimpleRNNCell, GRUCell or LSTMCell (each compiles to "
                             f"one scan op); received {cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted for Keras compatibility: the loop is a scan either way
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        size = cell.state_size
        self.state_size = list(size) if isinstance(size, (list, tuple)) else [size]
        self.single_state = not isinstance(size, (list, tuple))
        self.states = None
        self._state_variables = []
        self._expected_batch_size = None

    # -- weights and states ------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) != 3:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected ndim=3, "
                             f"found ndim={len(sequences_shape)}. Full shape received: {tuple(sequences_shape)}")
        self.cell._maybe_build((sequences_shape[0], *sequences_shape[2:]))
        if not self.stateful:
            return
        if self.states is not None:
            self.reset_state()
            return
        batch = sequences_shape[0]
        if batch is None:
            raise ValueError(f"Layer '{self.name}' is stateful, so it needs a fixed batch size to create its states, "
                             f"but its input shape is {tuple(sequences_shape)}. Give the model a fixed batch size: "
                             "Input(batch_shape=(batch, timesteps, features)) or Input(..., batch_size=batch)")
        variables = [Variable(ops.zeros((batch, size), self.cell.dtype), name="rnn_state", trainable=False,
                              kind="state", path=naming.current_path("rnn_state" if i == 0 else f"rnn_state_{i}"),
                              initializer_name="zeros")
                     for i, size in enumerate(self.state_size)]
        # Untracked, as Keras creates them (no_automatic_dependency_tracking): not weights, so
        # get_weights() and saved files match Keras; `variables` adds them so compiled steps thread them.
        self.__dict__["_state_variables"] = variables
        self.__dict__["states"] = list(variables)
        self._expected_batch_size = batch

    def _flatten_variables(self, weights_only: bool) -> list:
        out = super()._flatten_variables(weights_only)
        if not weights_only:
            out += [v for v in self._state_variables if all(v is not o for o in out)]
        return out

    def reset_state(self) -> None:
        """Zero the states of a stateful layer (eagerly)."""
        for variable in self._state_variables:
            variable.assign(ops.zeros(variable.shape, variable.dtype))

    def reset_states(self) -> None:
        self.reset_state()

    def get_initial_state(self, batch_size):
        return self.cell.get_initial_state(batch_size=batch_size)

    # -- calling -------------------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.stateful:
            self._check_batch(sequences)
        if initial_state is None:
            initial_state = self.states if self.stateful else None
        else:
            initial_state = self._standardize_initial_state(initial_state)
        output, states = self.cell.run_sequence(sequences, initial_state, mask, training, self.go_backwards,
                                                self.return_sequences, self.zero_output_for_mask)
        if self.stateful:
            for variable, state in zip(self._state_variables, states):
                variable.assign(state)
        return (output, *states) if self.return_state else output

    def _check_batch(self, sequences):
        batch = sequences.shape[0]
        if batch is None:
            raise ValueError(f"Layer '{self.name}' is stateful: it expects inputs with the fixed batch size "
                             f"{self._expected_batch_size}, received shape {tuple(sequences.shape)} whose batch size "
                             "is unknown. Give the model a fixed batch size (Input(batch_shape=...))")
        if batch != self._expected_batch_size:
            raise ValueError(f"Layer '{self.name}' is stateful: the batch size of its input must stay the one its "
                             f"states were built for. Expected batch size: {self._expected_batch_size}, received "
                             f"batch size: {batch} (input shape {tuple(sequences.shape)})")

    def _standardize_initial_state(self, initial_state) -> list:
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != len(self.state_size):
            raise ValueError(f"Layer '{self.name}': argument `initial_state` must hold {len(self.state_size)} "
                             f"tensor(s), one per state of shape (batch, {self.state_size}), received {len(states)}")
        for state, size in zip(states, self.state_size):
            if len(state.shape) != 2 or state.shape[-1] not in (None, size):
                raise ValueError(f"Layer '{self.name}': each initial state must have shape (batch, {size}), "
                                 f"received {tuple(state.shape)}")
        return states

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self):
        return {**super().get_config(), "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize_layer(self.cell)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_layer(config.pop("cell"), "RNN"), **config)


def delegate_to_cell(*names):
    """Class decorator: read-only properties that forward to `self.cell` (LSTM.units, …), as Keras's
    LSTM/GRU/SimpleRNN expose their cell's arguments."""

    def decorate(cls):
        for name in names:
            setattr(cls, name, property(lambda self, _name=name: getattr(self.cell, _name)))
        return cls

    return decorate


CELL_ARGUMENTS = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
                  "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                  "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")


class CellLayer(RNN):
    """Base of SimpleRNN, GRU and LSTM: an RNN that makes its own cell from the layer's arguments
    and whose config is the cell's arguments plus the RNN's (no nested `cell`)."""

    def get_config(self):
        config = super().get_config()
        cell_config = config.pop("cell")["config"]
        for key in ("name", "trainable", "dtype", "batch_input_shape"):
            cell_config.pop(key, None)
        return {**config, **cell_config, "activity_regularizer": serialize_object(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
