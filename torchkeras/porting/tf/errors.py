"""tf.errors: TensorFlow's error classes (emulated ops raise these where TF does)."""

from torchkeras.porting.tf._core import (  # noqa: F401
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OpError,
    OutOfRangeError,
    ResourceExhaustedError,
    UnimplementedError,
    UnknownError,
    namespace_getattr,
)

__getattr__ = namespace_getattr("tf.errors")
del namespace_getattr
