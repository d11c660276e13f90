"""Static shape helpers in the form of Keras's `ops.operation_utils`, answered by torchkeras itself:
each one asks the op or layer that owns the rule (a symbolic op on a KerasTensor, a conv or pooling
layer's `compute_output_shape`), so its answer is always the one torchkeras's models get.
"""


def _spec(shape):
    from torchkeras.keras_tensor import KerasTensor

    return KerasTensor(tuple(shape), dtype="float32")


def reduce_shape(shape, axis=None, keepdims=False):
    from torchkeras import ops

    return tuple(ops.sum(_spec(shape), axis=axis, keepdims=keepdims).shape)


def compute_expand_dims_output_shape(input_shape, axis):
    from torchkeras import ops

    return tuple(ops.expand_dims(_spec(input_shape), axis).shape)


def validate_reshape_shape(newshape, newshape_arg_name="newshape"):
    """Refuse a target shape with more than one -1 or another negative size (non-int entries are
    dynamic sizes and pass)."""
    from torchkeras import ops

    ops.reshape(_spec((None,)), tuple(newshape))


def compute_reshape_output_shape(input_shape, newshape, newshape_arg_name="newshape"):
    from torchkeras import ops

    return tuple(ops.reshape(_spec(input_shape), newshape).shape)


def _layer(kind, rank, **kwargs):
    from torchkeras import layers

    return getattr(layers, f"{kind}{rank}D")(**kwargs)


def compute_pooling_output_shape(input_shape, pool_size, strides, padding="valid",
                                 data_format="channels_last"):
    rank = len(input_shape) - 2
    layer = _layer("MaxPooling", rank, pool_size=pool_size, strides=strides, padding=padding,
                   data_format=data_format)
    return tuple(layer.compute_output_shape(tuple(input_shape)))


def compute_conv_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid",
                              data_format="channels_last", dilation_rate=1):
    rank = len(input_shape) - 2
    layer = _layer("Conv", rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                   data_format=data_format, dilation_rate=dilation_rate)
    return tuple(layer.compute_output_shape(tuple(input_shape)))
