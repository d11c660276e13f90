"""InputSpec: the input checks a built layer applies to every call, with Keras's messages."""


class InputSpec:
    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def quick_ok(self, x):
        """Cheap pre-check of a tensor on the hot path; False sends it to check_input for the message."""
        nd = x.dim()
        if self.ndim is not None and nd != self.ndim and not self.allow_last_axis_squeeze:
            return False
        if self.min_ndim is not None and nd < self.min_ndim:
            return False
        if self.max_ndim is not None and nd > self.max_ndim:
            return False
        if self.axes:
            shape = x.shape
            for axis, value in self.axes.items():
                if value is not None and -nd <= axis < nd and shape[axis] != value:
                    return False
        if self.shape is not None:
            return False
        return True

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
                                          ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim),
                                          ("axes", self.axes or None)) if v is not None]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}


def _fmt_shape(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_input(spec, shape, layer_name, index=0):
    """Raise Keras's ValueError when `shape` (a tuple, may hold None) does not satisfy `spec`."""
    prefix = f'Input {index} of layer "{layer_name}" is incompatible with the layer: '
    ndim = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(f"{prefix}expected ndim={spec.ndim}, found ndim={ndim}. "
                         f"Full shape received: {_fmt_shape(shape)}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={ndim}. "
                         f"Full shape received: {_fmt_shape(shape)}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                         f"Full shape received: {_fmt_shape(shape)}")
    for axis, value in spec.axes.items():
        if value is None:
            continue
        if -ndim <= axis < ndim and shape[axis] is not None and shape[axis] != value:
            raise ValueError(f"{prefix}expected axis {axis} of input shape to have value {value}, "
                             f"but received input with shape {_fmt_shape(shape)}")
    if spec.shape is not None and ndim == len(spec.shape):
        for i, (want, got) in enumerate(zip(spec.shape, shape)):
            if want is not None and got is not None and want != got:
                raise ValueError(f"{prefix}expected shape={_fmt_shape(spec.shape)}, found shape={_fmt_shape(shape)}")
