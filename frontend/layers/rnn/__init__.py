"""Recurrent layers: the SimpleRNN, GRU and LSTM cells and layers, the generic RNN wrapper,
Bidirectional, TimeDistributed and Masking."""
from .bidirectional import Bidirectional
from .gru import GRU, GRUCell
from .lstm import LSTM, LSTMCell
from .masking import Masking
from .rnn import RNN
from .simple_rnn import SimpleRNN, SimpleRNNCell
from .time_distributed import TimeDistributed

__all__ = ["RNN", "SimpleRNNCell", "SimpleRNN", "GRUCell", "GRU", "LSTMCell", "LSTM", "Bidirectional",
           "TimeDistributed", "Masking"]
