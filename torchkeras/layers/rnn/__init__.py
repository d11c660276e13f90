"""Recurrent layers: RNN cells, SimpleRNN / LSTM / GRU on torch's fused kernels, wrappers."""

from torchkeras.layers.rnn.bidirectional import Bidirectional
from torchkeras.layers.rnn.conv_lstm1d import ConvLSTM1D
from torchkeras.layers.rnn.conv_lstm2d import ConvLSTM2D
from torchkeras.layers.rnn.conv_lstm3d import ConvLSTM3D
from torchkeras.layers.rnn.gru import GRU, GRUCell
from torchkeras.layers.rnn.lstm import LSTM, LSTMCell
from torchkeras.layers.rnn.rnn import RNN
from torchkeras.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from torchkeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
from torchkeras.layers.rnn.time_distributed import TimeDistributed

__all__ = ["RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "StackedRNNCells",
           "Bidirectional", "TimeDistributed", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
