"""LSTMCell and LSTM (Hochreiter 1997), gates in Keras's order: input, forget, cell, output."""
from __future__ import annotations

from ... import initializers, ops
from ..input_spec import InputSpec
from .cell import RecurrentCell
from .rnn import CELL_ARGUMENTS, CellLayer, delegate_to_cell

__all__ = ["LSTMCell", "LSTM"]


class LSTMCell(RecurrentCell):
    """One step of an LSTM; states [h, c].

    >>> cell = LSTMCell(4)
    >>> out, [h, c] = cell(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")] * 2)
    >>> out.shape
    (2, 4)
    """

    op = "lstm"
    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._set_recurrent_activation(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        # Keras: recurrent dropout switches to implementation 1, which draws one mask per gate.
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        self.dropout_mask_count = 4 if self.implementation == 1 else 1
        self.state_size = [units, units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, units = self.bias_initializer, self.units

        def unit_forget_bias(shape, dtype=None):  # forget gate starts at 1 (Jozefowicz et al. 2015)
            return ops.concatenate([base((units,), dtype=dtype), initializers.get("ones")((units,), dtype=dtype),
                                    base((units * 2,), dtype=dtype)])

        return unit_forget_bias

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


@delegate_to_cell(*CELL_ARGUMENTS, "recurrent_activation", "unit_forget_bias")
class LSTM(CellLayer):
    """Long Short-Term Memory layer; the whole sequence runs as one `lax.scan`.

    >>> LSTM(4, return_sequences=True)(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"LSTM: argument `use_cudnn` must be one of 'auto', True, False, received {use_cudnn!r}")
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                        bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                        kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
                        trainable=kwargs.get("trainable", True), name="lstm_cell",
                        implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn  # XLA compiles the scan; there is no separate cuDNN path

    def get_config(self):
        return {**super().get_config(), "use_cudnn": self.use_cudnn}
