"""SimpleRNNCell and SimpleRNN: h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)."""
from __future__ import annotations

from ..input_spec import InputSpec
from .cell import RecurrentCell
from .rnn import CELL_ARGUMENTS, CellLayer, delegate_to_cell

__all__ = ["SimpleRNNCell", "SimpleRNN"]


class SimpleRNNCell(RecurrentCell):
    """One step of a fully-connected RNN.

    >>> cell = SimpleRNNCell(4)
    >>> out, [h] = cell(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")])
    >>> out.shape
    (2, 4)
    """

    op = "simple_rnn"
    gates = 1

    def _dropout_active(self, rate: float) -> bool:
        return rate > 0.0  # Keras's SimpleRNNCell drops whenever the rate is positive


@delegate_to_cell(*CELL_ARGUMENTS)
class SimpleRNN(CellLayer):
    """Fully-connected RNN where the output is fed back as the next input.

    >>> SimpleRNN(4)(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                             recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                             dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                             dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                             name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
