"""Transposed-convolution geometry as torchkeras computes it, in the form Keras's backend_utils gives
it: the output shape of a ConvTranspose layer, and the padding of the equivalent input-dilated
convolution (JAX's `conv_general_dilated` view, which NumPy references of the op are written in).
"""

from torchkeras.layers.convolutional.padding import effective_kernel, transpose_output_length


def _per_dim(value, rank):
    if value is None or isinstance(value, int):
        return (value,) * rank
    return tuple(value)


def compute_conv_transpose_output_shape(input_shape, kernel_size, filters, strides, padding,
                                        output_padding=None, data_format="channels_last",
                                        dilation_rate=1):
    """[batch, *spatial, filters] (or channels first) for a transposed conv of `input_shape`;
    `kernel_size` may be the whole kernel shape (its first entries are the spatial sizes)."""
    rank = len(input_shape) - 2
    spatial = input_shape[1:-1] if data_format == "channels_last" else input_shape[2:]
    out = [transpose_output_length(n, k, s, d, padding.lower(), op) for n, k, s, d, op in
           zip(spatial, kernel_size[:rank], _per_dim(strides, rank), _per_dim(dilation_rate, rank),
               _per_dim(output_padding, rank))]
    if data_format == "channels_last":
        return [input_shape[0], *out, filters]
    return [input_shape[0], filters, *out]


def _dilated_conv_padding(n, k, s, d, padding, output_padding):
    """(left, right) padding of the stride-dilated input that a stride-1 conv with the flipped kernel
    turns into the transposed conv's output: the full result cropped (or grown at the far edge) to
    the output length, the crop split as torchkeras splits it."""
    k_eff = effective_kernel(k, d)
    out = transpose_output_length(n, k, s, d, padding, output_padding)
    full = (n - 1) * s + k_eff
    before = max(full - out, 0) // 2 if padding == "same" else 0
    left = k_eff - 1 - before
    right = out + k_eff - 1 - ((n - 1) * s + 1) - left
    return left, right


def compute_conv_transpose_padding_args_for_jax(input_shape, kernel_shape, strides, padding,
                                                output_padding, dilation_rate):
    """[(left, right)] per spatial dim (channels-last `input_shape`, kernel (*spatial, out, in))."""
    rank = len(input_shape) - 2
    # The padding does not depend on the input length; any length gives the same split.
    return [_dilated_conv_padding(n if n is not None else 1, k, s, d, padding.lower(), op)
            for n, k, s, d, op in zip(input_shape[1:-1], kernel_shape[:rank], _per_dim(strides, rank),
                                      _per_dim(dilation_rate, rank), _per_dim(output_padding, rank))]
