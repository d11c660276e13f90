"""tf.dtypes: DType objects, as_dtype, cast and saturate_cast."""

from torchkeras.porting.tf._core import DTYPES, DType, as_dtype, namespace_getattr  # noqa: F401
from torchkeras.porting.tf.array_ops import cast, saturate_cast  # noqa: F401

__getattr__ = namespace_getattr("tf.dtypes")
globals().update(DTYPES)
half, double = DTYPES["float16"], DTYPES["float64"]
del namespace_getattr
