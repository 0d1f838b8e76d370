"""What the recurrent cells share: argument checks, weights, the dropout masks drawn once per
call, and the composite IR op that runs the cell over a whole sequence as one `lax.scan`.

A cell is still a Keras cell: `cell(x_t, states)` computes one step (as a length-1 sequence of
the same op), and `RNN(cell)` runs it over time.
"""
from __future__ import annotations

from ....ir.ops.recurrent import ACTIVATIONS
from ... import activations, constraints, initializers, ops, random, regularizers
from ...tracing import apply_op
from ..layer import Layer
from .serialization import serialize_initializer, serialize_object

__all__ = ["RecurrentCell"]


def activation_name(owner: str, argument: str, identifier) -> str:
    """The Keras name of a built-in activation: the recurrent op carries activations by name."""
    fn = activations.get(identifier)
    name = activations.serialize(fn)
    try:
        known = isinstance(name, str) and name in ACTIVATIONS and activations.get(name) is fn
    except ValueError:
        known = False
    if not known:
        raise ValueError(f"{owner}: argument `{argument}` must be one of the activations the recurrent op knows by "
                         f"name, {sorted(ACTIVATIONS)} (the whole recurrence compiles to one op whose attrs name its "
                         f"activations); received {identifier!r}")
    return name


class RecurrentCell(Layer):
    """Base of SimpleRNNCell, GRUCell and LSTMCell (not for direct use).

    Subclasses set `op` (the IR op), `gates` (blocks of `units` in the kernels) and
    `dropout_mask_count` (masks per dropout: 1, or one per gate in Keras's implementation 1).
    """

    op = ""
    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} '{self.name}'"
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{owner}: argument `units` must be a positive integer, received {units!r}")
        for argument, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate <= 1.0:
                raise ValueError(f"{owner}: argument `{argument}` must be a number in [0, 1], received {rate!r}")
        self.units = units
        self.activation = activations.get(activation)
        self._activation_name = activation_name(owner, "activation", activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = units
        self.output_size = units
        self.dropout_mask_count = 1
        self.bias = None
        self._recurrent_activation_name = None

    def _set_recurrent_activation(self, identifier) -> None:
        """LSTM and GRU gate with a second activation."""
        self.recurrent_activation = activations.get(identifier)
        self._recurrent_activation_name = activation_name(f"{type(self).__name__} '{self.name}'",
                                                          "recurrent_activation", identifier)

    # -- weights ------------------------------------------------------------------------------------------
    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer '{self.name}': the last axis of its input must be known, received shape "
                             f"{tuple(input_shape)}")
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(input_dim, width), name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=self._bias_shape(), name="bias", initializer=self._bias_init(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    # -- the op ---------------------------------------------------------------------------------------------
    def _op_attrs(self) -> dict:
        """The cell's own attrs of its IR op (activations by name, …)."""
        attrs = {"activation": self._activation_name}
        if self._recurrent_activation_name is not None:
            attrs["recurrent_activation"] = self._recurrent_activation_name
        return attrs

    def _dropout_active(self, rate: float) -> bool:
        return 0.0 < rate < 1.0  # LSTM and GRU; SimpleRNN also drops at rate 1

    def _dropout_masks(self, sequences, training):
        """(input masks (B, n, D), recurrent masks (B, n, U)) or None each: drawn once per call, as
        Keras's DropoutRNNCell does, and shared by every step."""
        if not training:
            return None, None
        n = self.dropout_mask_count
        first = sequences[:, 0:1, :]
        input_masks = recurrent_masks = None
        if self._dropout_active(self.dropout):
            ones = ops.broadcast_to(ops.ones_like(first), (None, n, first.shape[-1]))
            input_masks = random.dropout(ones, self.dropout, seed=self.seed_generator)
        if self._dropout_active(self.recurrent_dropout):
            ones = ops.broadcast_to(ops.ones_like(first[:, :, :1]), (None, n, self.units))
            recurrent_masks = random.dropout(ones, self.recurrent_dropout, seed=self.seed_generator)
        return input_masks, recurrent_masks

    def run_sequence(self, sequences, initial_state=None, mask=None, training=False, go_backwards=False,
                     return_sequences=False, zero_output_for_mask=False):
        """The cell over a (B, T, D) sequence: (output, final states), from one IR op."""
        input_masks, recurrent_masks = self._dropout_masks(sequences, training)
        operands = [sequences, self.kernel, self.recurrent_kernel]
        if self.use_bias:
            operands.append(self.bias)
        if initial_state is not None:
            operands.extend(s if s.dtype == sequences.dtype else ops.cast(s, sequences.dtype) for s in initial_state)
        if mask is not None:
            if mask.ndim > 2:  # Keras: a step is masked when every entry of its mask is False
                mask = ops.any(mask, axis=tuple(range(2, mask.ndim)))
            operands.append(mask)
        operands.extend(m for m in (input_masks, recurrent_masks) if m is not None)
        outputs = apply_op(self.op, *operands, use_bias=self.use_bias, initial_state=initial_state is not None,
                           masked=mask is not None, dropout=input_masks is not None,
                           recurrent_dropout=recurrent_masks is not None, go_backwards=bool(go_backwards),
                           return_sequences=bool(return_sequences), zero_output_for_mask=bool(zero_output_for_mask),
                           **self._op_attrs())
        return outputs[0], list(outputs[1:])

    # -- the Keras cell contract ---------------------------------------------------------------------------
    def call(self, inputs, states, training=False):
        """One step: (output, new states), states as given (a list, or one tensor)."""
        nested = isinstance(states, (list, tuple))
        states = list(states) if nested else [states]
        output, new_states = self.run_sequence(ops.expand_dims(inputs, 1), states, training=training)
        return output, (new_states if nested or len(new_states) > 1 else new_states[0])

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, size), self.compute_dtype) for size in sizes]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self._activation_name,
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_initializer(self.kernel_initializer),
                "recurrent_initializer": serialize_initializer(self.recurrent_initializer),
                "bias_initializer": serialize_initializer(self.bias_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer),
                "recurrent_regularizer": serialize_object(self.recurrent_regularizer),
                "bias_regularizer": serialize_object(self.bias_regularizer),
                "kernel_constraint": serialize_object(self.kernel_constraint),
                "recurrent_constraint": serialize_object(self.recurrent_constraint),
                "bias_constraint": serialize_object(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
                **({} if self._recurrent_activation_name is None
                   else {"recurrent_activation": self._recurrent_activation_name})}
