"""Dtype helpers of Keras's `utils.dtype_utils`: bit sizes, float checks, and the common float dtype
that layers mixing tensors of several dtypes (merging layers, attention masks) cast to."""

DTYPE_TO_SIZE = {
    **{f"float{i}": i for i in (16, 32, 64)},
    **{f"int{i}": i for i in (8, 16, 32, 64)},
    **{f"uint{i}": i for i in (8, 16, 32, 64)},
    "bfloat16": 16,
    "bool": 1,
}


def dtype_size(dtype):
    """Bits per element of a standardized dtype name."""
    size = DTYPE_TO_SIZE.get(dtype)
    if size is None:
        raise ValueError(f"Invalid dtype: {dtype}. Expected one of {sorted(DTYPE_TO_SIZE)}.")
    return size


def is_float(dtype):
    return "float" in dtype


def cast_to_common_dtype(tensors):
    """Cast every tensor to the widest float dtype among them (float16 with bfloat16 -> float32);
    tensors are returned unchanged when none is a float."""
    from torchkeras import backend, ops

    dtypes = [backend.standardize_dtype(x.dtype) for x in tensors]
    floats = [d for d in dtypes if is_float(d)]
    if not floats:
        return tensors
    widest = max(floats, key=dtype_size)  # the first of equal sizes, as Keras keeps it
    if "float16" in floats and "bfloat16" in floats and dtype_size(widest) < 32:
        widest = "float32"
    return [ops.cast(x, widest) for x in tensors]
