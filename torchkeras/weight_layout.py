"""Keras layout <-> torch layout, one pair of pure functions per layer family.

Each `to_keras(torch_tensor)` returns a differentiable view/expression in Keras's layout; each
`to_torch(keras_tensor)` is its inverse. Layers bind them to their parameters through Variable.
"""


def dense_to_keras(weight):
    # nn.Linear stores (units, in); Keras's kernel is (in, units).
    return weight.t()


dense_to_torch = dense_to_keras
