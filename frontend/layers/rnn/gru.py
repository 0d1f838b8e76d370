"""GRUCell and GRU (Cho et al. 2014), gates in Keras's order: update z, reset r, candidate h."""
from __future__ import annotations

from ..input_spec import InputSpec
from .cell import RecurrentCell
from .rnn import CELL_ARGUMENTS, CellLayer, delegate_to_cell

__all__ = ["GRUCell", "GRU"]


class GRUCell(RecurrentCell):
    """One step of a GRU. `reset_after=True` (Keras's default, cuDNN-compatible) applies the reset
    gate after the recurrent matmul and keeps a separate recurrent bias: bias shape (2, 3*units).

    >>> cell = GRUCell(4)
    >>> out, h = cell(np.ones((2, 3), "float32"), np.zeros((2, 4), "float32"))
    >>> out.shape
    (2, 4)
    """

    op = "gru"
    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._set_recurrent_activation(recurrent_activation)
        self.reset_after = bool(reset_after)
        # Keras: recurrent dropout switches to implementation 1, which draws one mask per gate.
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        self.dropout_mask_count = 3 if self.implementation == 1 else 1

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _op_attrs(self):
        return {**super()._op_attrs(), "reset_after": self.reset_after}

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


@delegate_to_cell(*CELL_ARGUMENTS, "recurrent_activation", "reset_after")
class GRU(CellLayer):
    """Gated Recurrent Unit layer; the whole sequence runs as one `lax.scan`.

    >>> GRU(4, return_state=True)(np.ones((2, 5, 3), "float32"))[1].shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"GRU: argument `use_cudnn` must be one of 'auto', True, False, received {use_cudnn!r}")
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                       kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                       kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                       bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                       reset_after=reset_after, seed=seed, dtype=kwargs.get("dtype"),
                       trainable=kwargs.get("trainable", True), name="gru_cell",
                       implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn  # XLA compiles the scan; there is no separate cuDNN path

    def get_config(self):
        return {**super().get_config(), "use_cudnn": self.use_cudnn}
