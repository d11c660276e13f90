"""Keras 2 / tf.keras dtypes were tf.DType objects (`x.dtype.name`, `x.dtype.base_dtype`); Keras 3's are
strings. Under the porting runner, the dtype of symbolic tensors and variables is a string that also
answers those DType attributes, so `print('x.dtype: %s' % x.dtype.name)` (TF's mixed-precision guide)
runs while every string use of the dtype stays as in Keras 3."""

import numpy as np


class DTypeName(str):
    """`"float16"`, with tf.DType's `name`, `base_dtype`, `as_numpy_dtype` and `is_floating`."""

    __slots__ = ()

    @property
    def name(self):
        return str(self)

    @property
    def base_dtype(self):
        return self

    @property
    def as_numpy_dtype(self):
        return np.dtype(str(self)).type

    @property
    def is_floating(self):
        return str(self).startswith(("float", "bfloat"))


def _named(value):
    return DTypeName(value) if type(value) is str else value


def attach(cls, attr="dtype"):
    """Make `cls().dtype` a DTypeName: wraps a property, or an instance attribute set in __init__."""
    current = cls.__dict__.get(attr)
    if getattr(getattr(current, "fget", None), "_k2_dtype", False):
        return
    if isinstance(current, property):
        new = property(lambda self: _named(current.fget(self)), current.fset, current.fdel, current.__doc__)
    else:
        key = "_k2_" + attr

        def fget(self):
            try:
                return _named(self.__dict__[key])
            except KeyError:
                raise AttributeError(attr) from None

        def fset(self, value):
            self.__dict__[key] = value

        new = property(fget, fset)
    new.fget._k2_dtype = True
    setattr(cls, attr, new)
