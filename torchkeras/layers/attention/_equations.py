"""Einsum equations of multi-head attention, built as Keras builds them (they fix the weight shapes)."""

import string


def _letter(i):
    return string.ascii_lowercase[i]


def build_attention_equation(rank, attn_axes):
    """(dot-product equation, combine equation, scores rank) for projected tensors of `rank`.

    Projected tensors are (batch, <non-attention axes>, <attention axes>, heads, channels); every
    axis but the attention axes and the channels acts as a batch axis (heads included). Scores come
    out as (<batch axes>, <query attention axes>, <key attention axes>).
    """
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    offset = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(offset)
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def build_proj_equation(free_dims, bound_dims, output_dims):
    """Equation, bias axes and output rank of a projection contracting `bound_dims` trailing axes."""
    input_str = kernel_str = output_str = bias_axes = ""
    for i in range(free_dims):
        input_str += _letter(i)
        output_str += _letter(i)
    for i in range(bound_dims):
        char = _letter(free_dims + i)
        input_str += char
        kernel_str += char
    for i in range(output_dims):
        char = _letter(free_dims + bound_dims + i)
        kernel_str += char
        output_str += char
        bias_axes += char
    return f"{input_str},{kernel_str}->{output_str}", bias_axes, len(output_str)


def partial_output_shape(output_rank, known_last_dims):
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)
