"""Keras layout <-> torch layout, one pair of pure functions per layer family.

Each `to_keras(torch_tensor)` returns a differentiable view/expression in Keras's layout; each
`to_torch(keras_tensor)` is its inverse. Layers bind them to their parameters through Variable.
"""


def dense_to_keras(weight):
    # nn.Linear stores (units, in); Keras's kernel is (in, units).
    return weight.t()


dense_to_torch = dense_to_keras


# --- Convolutions (any rank). Keras kernel (k..., in/groups, filters); torch ConvNd weight
# (filters, in/groups, k...). ConvTranspose: Keras (k..., filters, in), torch (in, filters, k...), the
# same permute. Neither flips the kernel: TF and torch both compute cross-correlation.
def conv_to_torch(kernel):
    nd = kernel.dim()
    return kernel.permute(nd - 1, nd - 2, *range(nd - 2))


def conv_to_keras(weight):
    nd = weight.dim()
    return weight.permute(*range(2, nd), 1, 0)


conv_transpose_to_torch = conv_to_torch
conv_transpose_to_keras = conv_to_keras


def depthwise_layout(depth_multiplier):
    """(to_keras, to_torch) for a depthwise kernel: Keras (k..., C, M) <-> torch (C*M, 1, k...).

    torch's grouped conv (groups=C) emits output channel c*M + m, which is Keras's (c, m) flattened.
    """
    def to_torch(kernel):
        k = tuple(kernel.shape[:-2])
        return conv_to_torch(kernel.reshape(*k, 1, kernel.shape[-2] * kernel.shape[-1]))

    def to_keras(weight):
        k = conv_to_keras(weight)
        return k.reshape(*k.shape[:-2], weight.shape[0] // depth_multiplier, depth_multiplier)

    return to_keras, to_torch


# ---- recurrent layers (nn.RNN / nn.LSTM / nn.GRU parameters <-> Keras cell weights) ----------------
def rnn_kernel_to_keras(weight):
    # torch stacks gates on the rows (gates*units, in); Keras on the columns (in, gates*units).
    # LSTM gate order i,f,c,o is the same in both.
    return weight.t()


rnn_kernel_to_torch = rnn_kernel_to_keras


def gru_swap_gates(t, axis=0):
    # Keras orders GRU gates z,r,h; torch r,z,n. Swapping the first two blocks is its own inverse.
    import torch

    u = t.shape[axis] // 3
    return torch.cat([t.narrow(axis, u, u), t.narrow(axis, 0, u), t.narrow(axis, 2 * u, u)], dim=axis)


def gru_kernel_to_keras(weight):
    return gru_swap_gates(weight, 0).t()


def gru_kernel_to_torch(kernel):
    return gru_swap_gates(kernel, 1).t()
