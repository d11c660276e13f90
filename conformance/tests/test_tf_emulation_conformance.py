"""The porting runner's TensorFlow emulation (torchkeras.porting.tf) against real TensorFlow, op by op:
values, shapes, dtypes, and whether the call raises (TF refuses to mix dtypes; so must we).

Rows are data: (id, op path, args, kwargs[, check]). `T(array)` is a tensor argument (tf.constant on
each side); other arguments go to both as they are. The emulation is imported as
`torchkeras.porting.tf`; real TensorFlow keeps `sys.modules["tensorflow"]`.
"""

import numpy as np
import pytest
import torch  # noqa: F401  (torch before TensorFlow)

tf = pytest.importorskip("tensorflow")
from torchkeras.porting import tf as emu  # noqa: E402
from torchkeras.porting.tf._core import dtype_of  # noqa: E402


class T:
    """A tensor argument: built with each side's tf.constant."""

    def __init__(self, value, dtype=None):
        self.value = np.asarray(value) if dtype is None else np.asarray(value, dtype=dtype)


def _build(arg, side):
    if isinstance(arg, T):
        return side.constant(arg.value)
    if isinstance(arg, list) and any(isinstance(a, T) for a in arg):
        return [_build(a, side) for a in arg]
    return arg


def _resolve(module, path):
    for part in path.split("."):
        module = getattr(module, part)
    return module


def _np(x):
    if isinstance(x, (tf.Tensor, tf.Variable)):
        return x.numpy(), x.dtype.name
    if isinstance(x, torch.Tensor):
        return x.detach().numpy(), dtype_of(x).name
    if hasattr(x, "numpy") and isinstance(x, np.ndarray):  # StringTensor
        return x.numpy(), "string"
    return np.asarray(x), None


def _compare(real, ours, check, rtol, atol):
    if isinstance(real, (tuple, list)) and not isinstance(real, tf.Tensor):
        assert len(real) == len(ours), (len(real), len(ours))
        for r, o in zip(real, ours):
            _compare(r, o, check, rtol, atol)
        return
    (rv, rd), (ov, od) = _np(real), _np(ours)
    assert np.shape(rv) == np.shape(ov), (np.shape(rv), np.shape(ov))
    if rd is not None:
        assert rd == od, (rd, od)
    if check == "shape":
        return
    if rd == "string" or np.asarray(rv).dtype == object:
        assert np.array_equal(np.asarray(rv, dtype=object), np.asarray(ov, dtype=object)), (rv, ov)
    elif np.asarray(rv).dtype.kind in "biu":
        np.testing.assert_array_equal(ov, rv)
    else:
        np.testing.assert_allclose(np.asarray(ov, dtype=np.float64), np.asarray(rv, dtype=np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)


# -- the table ---------------------------------------------------------------------------------
rng = np.random.RandomState(0)
F32 = rng.uniform(-2, 2, (3, 4)).astype(np.float32)
POS = rng.uniform(0.1, 0.9, (3, 4)).astype(np.float32)
F64 = rng.uniform(-2, 2, (3, 4))
I32 = rng.randint(-5, 6, (3, 4)).astype(np.int32)
NZ = (np.abs(I32) + 1).astype(np.int32)
B = rng.rand(3, 4) > 0.5
ROWS = []

UNARY_FLOAT = ["exp", "math.log", "sqrt", "math.rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "math.log1p",
               "math.expm1", "math.erf", "math.erfc", "math.softplus", "math.log_sigmoid", "floor", "math.ceil",
               "math.rint", "math.is_nan", "math.is_finite", "math.is_inf", "asin", "acos", "atan", "sinh", "cosh",
               "asinh", "math.lgamma", "math.digamma", "nn.elu", "nn.selu", "nn.softsign", "nn.gelu",
               "nn.silu", "nn.leaky_relu", "nn.softmax", "nn.log_softmax", "math.reciprocal"]
UNARY_ANY = ["abs", "negative", "square", "sign", "round", "nn.relu", "nn.relu6"]
DOMAIN = {"math.log": POS, "sqrt": POS, "math.rsqrt": POS, "asin": POS, "acos": POS, "math.lgamma": POS + 0.5,
          "math.digamma": POS + 0.5, "math.log1p": POS}
for op in UNARY_FLOAT + UNARY_ANY:
    base = DOMAIN.get(op, F32)
    ROWS.append((f"{op}-f32", op, (T(base),), {}))
    ROWS.append((f"{op}-f64", op, (T(base.astype(np.float64)),), {}))
    ROWS.append((f"{op}-i32", op, (T(I32 if op not in DOMAIN else NZ),), {}))

BINARY = ["add", "subtract", "multiply", "divide", "truediv", "maximum", "minimum", "math.floordiv",
          "math.floormod", "math.squared_difference", "equal", "not_equal", "greater", "greater_equal", "less",
          "less_equal", "math.divide_no_nan", "math.xlogy", "truncatemod", "atan2", "pow", "realdiv",
          "math.multiply_no_nan"]
for op in BINARY:
    rhs = POS if op in ("pow", "math.xlogy") else F32[::-1].copy()
    ROWS += [(f"{op}-f32-f32", op, (T(F32 if op != "pow" else POS), T(rhs)), {}),
             (f"{op}-i32-i32", op, (T(NZ), T(NZ[::-1].copy())), {}),
             (f"{op}-f32-i32", op, (T(F32), T(NZ)), {}),
             (f"{op}-f32-f64", op, (T(F32), T(F64)), {}),
             (f"{op}-f32-pyfloat", op, (T(POS), 1.5), {}),
             (f"{op}-i32-pyint", op, (T(NZ), 2), {}),
             (f"{op}-i32-pyfloat", op, (T(NZ), 2.5), {}),
             (f"{op}-f32-npf64", op, (T(POS), F64.copy()), {})]
for op in ("logical_and", "logical_or", "math.logical_xor"):
    ROWS += [(f"{op}-bool", op, (T(B), T(B[::-1].copy())), {}), (f"{op}-int", op, (T(I32), T(I32)), {})]
ROWS.append(("logical_not-bool", "logical_not", (T(B),), {}))

REDUCE = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp",
          "math.reduce_std", "math.reduce_variance", "math.reduce_euclidean_norm"]
for op in REDUCE:
    for axis in (None, 0, -1, [0, 1], 1):
        for keepdims in (False, True):
            ROWS.append((f"{op}-f32-{axis}-{keepdims}", op, (T(F32),), {"axis": axis, "keepdims": keepdims}))
    ROWS.append((f"{op}-i32", op, (T(I32),), {"axis": 1}))
for op in ("reduce_all", "reduce_any"):
    for axis in (None, 0, 1):
        ROWS.append((f"{op}-{axis}", op, (T(B),), {"axis": axis}))
    ROWS.append((f"{op}-int", op, (T(I32),), {}))
ROWS += [("reduce_sum-badaxis", "reduce_sum", (T(F32),), {"axis": 2}),
         ("reduce_max-empty", "reduce_max", (T(np.zeros((0,), np.float32)),), {}),
         ("count_nonzero", "math.count_nonzero", (T(I32),), {"axis": 0}),
         ("argmax-0", "argmax", (T(F32),), {}), ("argmax-1", "argmax", (T(F32),), {"axis": 1}),
         ("argmin-1-i32", "argmin", (T(I32),), {"axis": 1, "output_type": tf.int32}),
         ("cumsum", "cumsum", (T(F32),), {"axis": 1}),
         ("cumsum-excl-rev", "cumsum", (T(F32),), {"axis": 1, "exclusive": True, "reverse": True}),
         ("cumprod", "math.cumprod", (T(POS),), {"axis": 0, "exclusive": True}),
         ("top_k", "math.top_k", (T(F32),), {"k": 2}), ("nn.top_k", "nn.top_k", (T(I32[0]),), {"k": 3}),
         ("add_n", "add_n", ([T(F32), T(F32), T(F32)],), {}),
         ("in_top_k", "math.in_top_k", (T(np.array([1, 0, 3], np.int32)), T(F32), 2), {}),
         ("l2_normalize", "math.l2_normalize", (T(F32),), {"axis": 1}),
         ("segment_sum", "math.segment_sum", (T(F32), T(np.array([0, 0, 1], np.int32))), {}),
         ("unsorted_segment_sum", "math.unsorted_segment_sum", (T(F32), T(np.array([2, 0, 2], np.int32)), 3), {}),
         ("bincount", "math.bincount", (T(np.abs(I32)),), {}),
         ("confusion_matrix", "math.confusion_matrix", ([0, 1, 2, 1], [0, 2, 2, 1]), {}),
         ("polyval", "math.polyval", ([T(np.float32(2)), T(np.float32(1))], T(F32)), {}),
         ("cumulative_logsumexp", "math.cumulative_logsumexp", (T(F32),), {"axis": 1})]

ARRAY = [
    ("constant-float", "constant", ([1.0, 2.0],), {}), ("constant-int", "constant", ([1, 2],), {}),
    ("constant-np64", "constant", (F64,), {}), ("constant-dtype", "constant", ([1, 2],), {"dtype": tf.float64}),
    ("constant-shape", "constant", (0.5,), {"shape": (2, 3)}), ("constant-bool", "constant", ([True],), {}),
    ("constant-reshape", "constant", ([1, 2, 3, 4],), {"shape": [2, 2]}),
    ("constant-float-to-int", "constant", (1.5,), {"dtype": tf.int32}),
    ("convert_to_tensor-hint", "convert_to_tensor", ([1, 2],), {"dtype_hint": tf.float32}),
    ("convert_to_tensor-np", "convert_to_tensor", (F64,), {"dtype": tf.float32}),
    ("shape", "shape", (T(F32),), {}), ("size", "size", (T(F32),), {}), ("rank", "rank", (T(F32),), {}),
    ("shape-int64", "shape", (T(F32),), {"out_type": tf.int64}),
    ("reshape", "reshape", (T(F32), [2, -1]), {}), ("reshape-bad", "reshape", (T(F32), [5, -1]), {}),
    ("reshape-tensor", "reshape", (T(F32), T(np.array([4, 3], np.int32))), {}),
    ("concat-0", "concat", ([T(F32), T(F32)], 0), {}), ("concat--1", "concat", ([T(F32), T(F32)], -1), {}),
    ("concat-mixed", "concat", ([T(F32), T(I32)], 0), {}), ("concat-np", "concat", ([T(F32), F64], 0), {}),
    ("stack", "stack", ([T(F32), T(F32)],), {"axis": 1}), ("stack-mixed", "stack", ([T(F32), T(I32)],), {}),
    ("unstack", "unstack", (T(F32),), {"axis": 1}),
    ("split-2", "split", (T(F32), 2, 1), {}), ("split-sizes", "split", (T(F32), [1, -1], 1), {}),
    ("split-uneven", "split", (T(F32), 3, 1), {}),
    ("gather", "gather", (T(F32), [2, 0]), {}), ("gather-axis1", "gather", (T(F32), [[1, 3], [0, 0]]), {"axis": 1}),
    ("gather-oob", "gather", (T(F32), [7]), {}),
    ("gather-batch", "gather", (T(F32), T(np.array([[1, 0], [2, 2], [0, 3]], np.int32))),
     {"axis": 1, "batch_dims": 1}),
    ("gather_nd", "gather_nd", (T(F32), [[0, 1], [2, 3]]), {}), ("gather_nd-rows", "gather_nd", (T(F32), [[1]]), {}),
    ("where-1", "where", (T(B),), {}), ("where-3", "where", (T(B), T(F32), T(-F32)), {}),
    ("where-scalar", "where", (T(B), T(F32), 0.0), {}), ("where-mixed", "where", (T(B), T(F32), T(I32)), {}),
    ("where-int-float", "where", (T(B), 1, 2.0), {}),
    ("cast-f2i", "cast", (T(F32), tf.int32), {}), ("cast-i2f", "cast", (T(I32), tf.float16), {}),
    ("cast-f2b", "cast", (T(F32), tf.bool), {}), ("cast-b2f", "cast", (T(B), tf.float32), {}),
    ("cast-f2u8", "cast", (T(np.abs(F32) * 50), tf.uint8), {}),
    ("one_hot", "one_hot", ([0, 2, -1, 5], 3), {}),
    ("one_hot-vals", "one_hot", ([0, 2], 3), {"on_value": 5, "off_value": -1}),
    ("one_hot-axis0", "one_hot", ([0, 2], 3), {"axis": 0}),
    ("one_hot-dtype", "one_hot", ([[0], [1]], 2), {"dtype": tf.int64}),
    ("expand_dims", "expand_dims", (T(F32), 1), {}), ("expand_dims--1", "expand_dims", (T(F32), -1), {}),
    ("squeeze", "squeeze", (T(F32[None, :, None]),), {}),
    ("squeeze-axis", "squeeze", (T(F32[None, :, None]), [0]), {}),
    ("squeeze-bad", "squeeze", (T(F32), [0]), {}),
    ("transpose", "transpose", (T(F32),), {}), ("transpose-perm", "transpose", (T(F32[None]), [2, 0, 1]), {}),
    ("tile", "tile", (T(F32), [2, 1]), {}), ("tile-bad", "tile", (T(F32), [2]), {}),
    ("matmul", "matmul", (T(F32), T(F32.T.copy())), {}),
    ("matmul-tb", "matmul", (T(F32), T(F32)), {"transpose_b": True}),
    ("matmul-ta", "matmul", (T(F32), T(F32)), {"transpose_a": True}),
    ("matmul-batch", "matmul", (T(np.stack([F32, F32])), T(F32.T.copy())), {}),
    ("matmul-int", "matmul", (T(I32), T(I32.T.copy())), {}),
    ("matmul-mixed", "matmul", (T(F32), T(F64.T.copy())), {}),
    ("matmul-bad", "matmul", (T(F32), T(F32)), {}), ("matmul-1d", "matmul", (T(F32[0]), T(F32[0])), {}),
    ("einsum", "einsum", ("ij,kj->ik", T(F32), T(F32)), {}),
    ("tensordot", "tensordot", (T(F32), T(F32.T.copy()), 1), {}),
    ("range-5", "range", (5,), {}), ("range-float", "range", (0.0, 1.0, 0.25), {}),
    ("range-mixed", "range", (1, 2.5), {}), ("range-neg", "range", (5, 0, -2), {}),
    ("range-dtype", "range", (3,), {"dtype": tf.int64}), ("range-zero-delta", "range", (0, 5, 0), {}),
    ("zeros", "zeros", ((2, 3),), {}), ("ones-int", "ones", ([2],), {"dtype": tf.int32}),
    ("zeros_like", "zeros_like", (T(I32),), {}), ("ones_like-dtype", "ones_like", (T(I32),), {"dtype": tf.float32}),
    ("fill", "fill", ([2, 2], 7), {}), ("fill-float", "fill", ([2], 0.5), {}),
    ("eye", "eye", (3,), {}), ("eye-rect", "eye", (2, 3), {"dtype": tf.int32}),
    ("linspace-int", "linspace", (0, 1, 5), {}), ("linspace-float", "linspace", (0.0, 1.0, 5), {}),
    ("linspace-tensor", "linspace", (T(np.float32(1.0)), T(np.float32(3.0)), 3), {}),
    ("argsort", "argsort", (T(F32),), {}), ("argsort-desc", "argsort", (T(F32),), {"direction": "DESCENDING"}),
    ("sort", "sort", (T(F32),), {"axis": 0}), ("sort-desc", "sort", (T(I32),), {"direction": "DESCENDING"}),
    ("boolean_mask", "boolean_mask", (T(F32), T(B)), {}),
    ("boolean_mask-rows", "boolean_mask", (T(F32), T(np.array([True, False, True]))), {}),
    ("boolean_mask-axis", "boolean_mask", (T(F32), T(np.array([True, False, True, True]))), {"axis": 1}),
    ("sequence_mask", "sequence_mask", ([1, 3, 0],), {}),
    ("sequence_mask-maxlen", "sequence_mask", ([1, 3],), {"maxlen": 5, "dtype": tf.float32}),
    ("pad", "pad", (T(F32), [[1, 0], [0, 2]]), {}), ("pad-value", "pad", (T(F32), [[1, 1], [0, 0]]),
                                                    {"constant_values": 9.0}),
    ("pad-reflect", "pad", (T(F32), [[2, 1], [1, 2]]), {"mode": "REFLECT"}),
    ("pad-symmetric", "pad", (T(F32), [[2, 1], [1, 3]]), {"mode": "SYMMETRIC"}),
    ("clip_by_value", "clip_by_value", (T(F32), -0.5, 0.5), {}),
    ("clip_by_value-int", "clip_by_value", (T(I32), -1, 1), {}),
    ("clip_by_value-mixed", "clip_by_value", (T(I32), -0.5, 0.5), {}),
    ("clip_by_norm", "clip_by_norm", (T(F32), 1.0), {}), ("clip_by_norm-axes", "clip_by_norm", (T(F32), 1.0, [1]), {}),
    ("clip_by_global_norm", "clip_by_global_norm", ([T(F32), T(POS)], 1.0), {}),
    ("identity", "identity", (T(F32),), {}), ("stop_gradient", "stop_gradient", (T(F32),), {}),
    ("reverse", "reverse", (T(F32), [1]), {}), ("broadcast_to", "broadcast_to", (T(F32[0]), [2, 4]), {}),
    ("roll", "roll", (T(F32), 1, 1), {}), ("repeat", "repeat", (T(F32), 2), {"axis": 0}),
    ("repeat-flat", "repeat", (T(I32[0]), 2), {}), ("unique", "unique", (T(np.array([3, 1, 3, 2, 1], np.int32)),), {}),
    ("searchsorted", "searchsorted", (T(np.array([[1.0, 2.0, 3.0]], np.float32)), T(np.array([[2.5, 0.0]], np.float32))), {}),
    ("scatter_nd", "scatter_nd", (T(np.array([[0], [2], [0]], np.int32)), T(np.array([1.0, 2.0, 3.0], np.float32)), [4]), {}),
    ("tensor_scatter_nd_update", "tensor_scatter_nd_update", (T(F32), [[0, 0], [1, 1]], T(np.array([9.0, 8.0], np.float32))), {}),
    ("tensor_scatter_nd_add", "tensor_scatter_nd_add", (T(F32), [[0, 0], [0, 0]], T(np.array([1.0, 1.0], np.float32))), {}),
    ("slice", "slice", (T(F32), [1, 1], [2, -1]), {}),
    ("strided_slice", "strided_slice", (T(F32), [0, 1], [3, 4], [2, 2]), {}),
    ("norm", "norm", (T(F32),), {}), ("norm-axis", "norm", (T(F32),), {"axis": 1}),
    ("norm-fro", "norm", (T(F32),), {"axis": [0, 1]}),
    ("meshgrid", "meshgrid", (T(np.arange(3, dtype=np.float32)), T(np.arange(2, dtype=np.float32))), {}),
    ("ensure_shape", "ensure_shape", (T(F32), [3, None]), {}), ("ensure_shape-bad", "ensure_shape", (T(F32), [4, 4]), {}),
]
ROWS += ARRAY

X4 = rng.uniform(-1, 1, (2, 6, 6, 3)).astype(np.float32)
K4 = rng.uniform(-1, 1, (3, 3, 3, 4)).astype(np.float32)
LOG = rng.uniform(-2, 2, (4, 5)).astype(np.float32)
LAB = np.eye(5, dtype=np.float32)[[0, 3, 1, 4]]
NN = [
    ("sigmoid_xent", "nn.sigmoid_cross_entropy_with_logits", (), {"labels": T(POS), "logits": T(F32)}),
    ("softmax_xent", "nn.softmax_cross_entropy_with_logits", (), {"labels": T(LAB), "logits": T(LOG)}),
    ("sparse_softmax_xent", "nn.sparse_softmax_cross_entropy_with_logits", (),
     {"labels": T(np.array([0, 3, 1, 4], np.int32)), "logits": T(LOG)}),
    ("sparse_softmax_xent-float-labels", "nn.sparse_softmax_cross_entropy_with_logits", (),
     {"labels": T(np.array([0.0, 3, 1, 4], np.float32)), "logits": T(LOG)}),
    ("weighted_xent", "nn.weighted_cross_entropy_with_logits", (T(POS), T(F32), 2.0), {}),
    ("l2_loss", "nn.l2_loss", (T(F32),), {}), ("l2_normalize", "nn.l2_normalize", (T(F32),), {"axis": -1}),
    ("embedding_lookup", "nn.embedding_lookup", (T(F32), [[2, 0], [1, 1]]), {}),
    ("bias_add", "nn.bias_add", (T(F32), T(F32[0])), {}), ("moments", "nn.moments", (T(F32), [0]), {}),
    ("moments-keep", "nn.moments", (T(F32), [0, 1]), {"keepdims": True}),
    ("softmax-axis0", "nn.softmax", (T(F32),), {"axis": 0}), ("softmax-int", "nn.softmax", (T(I32),), {}),
    ("gelu-approx", "nn.gelu", (T(F32),), {"approximate": True}),
    ("leaky_relu-alpha", "nn.leaky_relu", (T(F32),), {"alpha": 0.1}),
    ("batch_normalization", "nn.batch_normalization", (T(F32), T(F32[0]), T(POS[0]), T(F32[1]), T(POS[1]), 1e-3), {}),
    ("compute_average_loss", "nn.compute_average_loss", (T(F32[0]),), {"global_batch_size": 8}),
    ("log_poisson_loss", "nn.log_poisson_loss", (T(POS), T(F32)), {}),
    ("depth_to_space", "nn.depth_to_space", (T(rng.rand(1, 2, 2, 8).astype(np.float32)), 2), {}),
    ("space_to_depth", "nn.space_to_depth", (T(rng.rand(1, 4, 4, 2).astype(np.float32)), 2), {}),
]
for pad in ("SAME", "VALID"):
    for stride in (1, 2):
        NN += [(f"conv2d-{pad}-{stride}", "nn.conv2d", (T(X4), T(K4), stride, pad), {}),
               (f"max_pool2d-{pad}-{stride}", "nn.max_pool2d", (T(X4), 3, stride, pad), {}),
               (f"avg_pool2d-{pad}-{stride}", "nn.avg_pool2d", (T(X4), 3, stride, pad), {}),
               (f"conv1d-{pad}-{stride}", "nn.conv1d", (T(X4[0]), T(K4[0]), stride, pad), {}),
               (f"max_pool1d-{pad}-{stride}", "nn.max_pool1d", (T(X4[0]), 2, stride, pad), {}),
               (f"avg_pool1d-{pad}-{stride}", "nn.avg_pool1d", (T(X4[0]), 2, stride, pad), {}),
               (f"depthwise-{pad}-{stride}", "nn.depthwise_conv2d",
                (T(X4), T(K4[:, :, :, :2]), [1, stride, stride, 1], pad), {})]
NN += [("conv2d-dilated", "nn.conv2d", (T(X4), T(K4), 1, "SAME"), {"dilations": 2}),
       ("conv2d-explicit", "nn.conv2d", (T(X4), T(K4), 1, [[0, 0], [1, 0], [0, 2], [0, 0]]), {}),
       ("conv2d-mixed", "nn.conv2d", (T(X4), T(K4.astype(np.float64)), 1, "SAME"), {}),
       ("conv2d_transpose", "nn.conv2d_transpose", (T(X4), T(K4[:, :, :2, :]), [2, 12, 12, 2], 2, "SAME"), {}),
       ("conv2d_transpose-valid", "nn.conv2d_transpose", (T(X4), T(K4[:, :, :2, :]), [2, 13, 13, 2], 2, "VALID"), {})]
ROWS += NN

IMG = rng.uniform(0, 1, (2, 8, 6, 3)).astype(np.float32)
U8 = (IMG * 255).astype(np.uint8)
IMAGE = [
    ("resize-bilinear", "image.resize", (T(IMG), [4, 3]), {}), ("resize-up", "image.resize", (T(IMG), [11, 9]), {}),
    ("resize-nearest", "image.resize", (T(IMG), [5, 4]), {"method": "nearest"}),
    ("resize-u8", "image.resize", (T(U8), [4, 3]), {}), ("resize-3d", "image.resize", (T(IMG[0]), [4, 4]), {}),
    ("resize-area", "image.resize", (T(IMG), [4, 3]), {"method": "area"}),
    ("flip_left_right", "image.flip_left_right", (T(IMG),), {}), ("flip_up_down", "image.flip_up_down", (T(IMG[0]),), {}),
    ("central_crop", "image.central_crop", (T(IMG), 0.5), {}),
    ("crop_to_bounding_box", "image.crop_to_bounding_box", (T(IMG), 1, 2, 4, 3), {}),
    ("pad_to_bounding_box", "image.pad_to_bounding_box", (T(IMG), 1, 2, 10, 9), {}),
    ("resize_with_crop_or_pad", "image.resize_with_crop_or_pad", (T(IMG), 5, 9), {}),
    ("convert_image_dtype-u8f", "image.convert_image_dtype", (T(U8), tf.float32), {}),
    ("convert_image_dtype-fu8", "image.convert_image_dtype", (T(IMG), tf.uint8), {}),
    ("rgb_to_grayscale", "image.rgb_to_grayscale", (T(IMG),), {}),
    ("rgb_to_grayscale-u8", "image.rgb_to_grayscale", (T(U8),), {}),
    ("grayscale_to_rgb", "image.grayscale_to_rgb", (T(IMG[..., :1]),), {}),
    ("adjust_brightness", "image.adjust_brightness", (T(IMG), 0.2), {}),
    ("adjust_brightness-u8", "image.adjust_brightness", (T(U8), 0.1), {}),
    ("adjust_contrast", "image.adjust_contrast", (T(IMG), 1.5), {}),
    ("per_image_standardization", "image.per_image_standardization", (T(IMG),), {}),
    ("rot90", "image.rot90", (T(IMG),), {}), ("image.transpose", "image.transpose", (T(IMG),), {}),
]
ROWS += IMAGE

STRS = np.array([b"Hello World", b"  tf.data  ", b"a,b,,c"], dtype=object)
STRINGS = [
    ("lower", "strings.lower", (STRS,), {}), ("upper", "strings.upper", (STRS,), {}),
    ("strip", "strings.strip", (STRS,), {}), ("length", "strings.length", (STRS,), {}),
    ("length-utf8", "strings.length", (["héllo"],), {"unit": "UTF8_CHAR"}),
    ("regex_replace", "strings.regex_replace", (STRS, "[aeiou]", "_"), {}),
    ("regex_replace-group", "strings.regex_replace", (STRS, r"(\w+) (\w+)", r"\2 \1"), {}),
    ("regex_full_match", "strings.regex_full_match", (STRS, ".*a.*"), {}),
    ("substr", "strings.substr", (STRS, 1, 3), {}), ("to_number", "strings.to_number", (["1.5", "-2"],), {}),
    ("to_number-int", "strings.to_number", (["7", "-2"],), {"out_type": tf.int32}),
    ("to_number-bad", "strings.to_number", (["x"],), {}),
    ("join", "strings.join", ([STRS, STRS],), {"separator": "|"}),
    ("reduce_join", "strings.reduce_join", (STRS,), {"separator": "-"}),
    ("as_string", "strings.as_string", (T(I32[0]),), {}),
    ("as_string-prec", "strings.as_string", (T(F32[0]),), {"precision": 2}),
    ("to_hash_bucket_fast", "strings.to_hash_bucket_fast", (STRS, 100), {}),
    ("split-scalar", "strings.split", ("a b  c",), {}),
]
ROWS += STRINGS

SPD = (F32 @ F32.T + 3 * np.eye(3)).astype(np.float32)
LINALG = [
    ("inv", "linalg.inv", (T(SPD),), {}), ("det", "linalg.det", (T(SPD),), {}),
    ("slogdet", "linalg.slogdet", (T(SPD),), {}), ("logdet", "linalg.logdet", (T(SPD),), {}),
    ("cholesky", "linalg.cholesky", (T(SPD),), {}), ("solve", "linalg.solve", (T(SPD), T(F32[:, :2])), {}),
    ("triangular_solve", "linalg.triangular_solve", (T(np.tril(SPD)), T(F32[:, :2])), {}),
    ("trace", "linalg.trace", (T(SPD),), {}), ("diag", "linalg.diag", (T(F32[0]),), {}),
    ("diag_part", "linalg.diag_part", (T(SPD),), {}), ("band_part", "linalg.band_part", (T(F32), 1, 0), {}),
    ("band_part-upper", "linalg.band_part", (T(F32), 0, -1), {}),
    ("matvec", "linalg.matvec", (T(F32), T(F32[0])), {}), ("matrix_transpose", "linalg.matrix_transpose", (T(F32),), {}),
    ("eigvalsh", "linalg.eigvalsh", (T(SPD),), {}), ("svd-values", "linalg.svd", (T(F32),), {"compute_uv": False}),
    ("pinv", "linalg.pinv", (T(F32),), {}), ("expm", "linalg.expm", (T(SPD / 10),), {}),
    ("cross", "linalg.cross", (T(F32[:, :3]), T(POS[:, :3])), {}), ("linalg.eye", "linalg.eye", (2,), {}),
    ("linalg.norm", "linalg.norm", (T(F32),), {"axis": -1}), ("set_diag", "linalg.set_diag", (T(SPD), T(F32[0, :3])), {}),
    ("lstsq", "linalg.lstsq", (T(F32.T.copy()), T(POS.T[:, :1].copy())), {}),
]
ROWS += LINALG

RANDOM = [  # values differ by design: shapes and dtypes must agree
    ("normal", "random.normal", ((2, 3),), {}, "shape"), ("uniform", "random.uniform", ((4,),), {}, "shape"),
    ("uniform-int", "random.uniform", ((4,),), {"maxval": 5, "dtype": tf.int32}, "shape"),
    ("uniform-int-nomax", "random.uniform", ((4,),), {"dtype": tf.int32}, "shape"),
    ("truncated_normal", "random.truncated_normal", ((3,),), {"dtype": tf.float64}, "shape"),
    ("categorical", "random.categorical", (T(LOG), 7), {}, "shape"),
    ("shuffle", "random.shuffle", (T(F32),), {}, "shape"),
    ("stateless_normal", "random.stateless_normal", ((2, 2), [1, 2]), {}, "shape"),
    ("stateless_uniform", "random.stateless_uniform", ((2,), [1, 2]), {"minval": 0, "maxval": 9, "dtype": tf.int64},
     "shape"),
    ("normal-int", "random.normal", ((2,),), {"dtype": tf.int32}, "shape"),
    ("dropout", "nn.dropout", (T(F32), 0.5), {}, "shape"),
]
ROWS += RANDOM
TOL = {"math.lgamma": 1e-4, "math.digamma": 1e-4, "nn.gelu": 1e-5, "linalg.expm": 1e-4, "linalg.pinv": 1e-4,
       "linalg.lstsq": 1e-3, "image.resize": 1e-4, "linalg.inv": 1e-4, "linalg.det": 1e-4, "linalg.logdet": 1e-4}


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_op_matches_tensorflow(row):
    _, path, args, kwargs, *check = row
    check = check[0] if check else "values"
    real_fn, our_fn = _resolve(tf, path), _resolve(emu, path)
    try:
        real = real_fn(*[_build(a, tf) for a in args], **{k: _build(v, tf) for k, v in kwargs.items()})
    except Exception:  # noqa: BLE001
        with pytest.raises(Exception):  # noqa: B017
            our_fn(*[_build(a, emu) for a in args], **{k: _build(v, emu) for k, v in kwargs.items()})
        return
    ours = our_fn(*[_build(a, emu) for a in args], **{k: _build(v, emu) for k, v in kwargs.items()})
    rtol = TOL.get(path, 2e-5)
    _compare(real, ours, check, rtol, rtol)


def test_table_is_large():
    assert len(ROWS) >= 500


# -- GradientTape against TF's tape ----------------------------------------------------------------
def _tape_case(side, persistent=False):
    w = side.Variable(rng_w.copy())
    b = side.Variable(np.float32([0.1, -0.2]))
    x = side.constant(X_IN)
    with side.GradientTape(persistent=persistent) as tape:
        h = side.tanh(side.matmul(x, w) + b)
        loss = side.reduce_mean(side.square(h))
    return tape, loss, h, w, b, x


rng_w = np.random.RandomState(1).uniform(-1, 1, (3, 2)).astype(np.float32)
X_IN = np.random.RandomState(2).uniform(-1, 1, (4, 3)).astype(np.float32)
TAPE_CASES = {
    "list": lambda t, loss, h, w, b, x, s: t.gradient(loss, [w, b]),
    "dict": lambda t, loss, h, w, b, x, s: t.gradient(loss, {"w": w, "b": b}),
    "nested-targets": lambda t, loss, h, w, b, x, s: t.gradient([loss, h], [w, b]),
    "vector-target": lambda t, loss, h, w, b, x, s: t.gradient(h, w),
    "output-gradients": lambda t, loss, h, w, b, x, s: t.gradient(h, [w, b], output_gradients=s.ones_like(h) * 2.0),
    "unconnected-none": lambda t, loss, h, w, b, x, s: t.gradient(loss, [w, s.Variable(1.0)]),
    "unconnected-zero": lambda t, loss, h, w, b, x, s: t.gradient(
        loss, [w, s.Variable(np.float32([1.0, 2.0]))], unconnected_gradients=s.UnconnectedGradients.ZERO),
}


def _grad_numpy(g):
    if g is None:
        return None
    if isinstance(g, dict):
        return {k: _grad_numpy(v) for k, v in g.items()}
    if isinstance(g, (list, tuple)):
        return [_grad_numpy(v) for v in g]
    return np.asarray(g.numpy() if hasattr(g, "numpy") else g)


def _assert_same(real, ours):
    if isinstance(real, dict):
        assert set(real) == set(ours)
        for k in real:
            _assert_same(real[k], ours[k])
    elif isinstance(real, list):
        assert len(real) == len(ours)
        for r, o in zip(real, ours):
            _assert_same(r, o)
    elif real is None:
        assert ours is None
    else:
        np.testing.assert_allclose(ours, real, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(TAPE_CASES))
def test_gradient_tape_matches_tensorflow(case):
    results = []
    for side in (tf, emu):
        tape, loss, h, w, b, x = _tape_case(side)
        results.append(_grad_numpy(TAPE_CASES[case](tape, loss, h, w, b, x, side)))
    _assert_same(*results)


def test_watched_constant_persistent_tape_and_jacobian_match_tensorflow():
    out = []
    for side in (tf, emu):
        x = side.constant([1.0, 2.0, 3.0])
        with side.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x * x
            z = side.reduce_sum(y * x)
        out.append([_grad_numpy(tape.gradient(y, x)), _grad_numpy(tape.gradient(z, x)),
                    _grad_numpy(tape.jacobian(y, x))])
    _assert_same(*out)


def test_keras_model_gradients_match_tf_keras():
    import keras

    import torchkeras
    x = np.random.RandomState(3).rand(8, 5).astype(np.float32)
    y = np.random.RandomState(4).rand(8, 1).astype(np.float32)
    real_model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    ours = torchkeras.Sequential([torchkeras.Input((5,)), torchkeras.layers.Dense(4, activation="relu"),
                                  torchkeras.layers.Dense(1)])
    ours.set_weights(real_model.get_weights())
    grads = []
    for side, model, losses in ((tf, real_model, keras.losses), (emu, ours, torchkeras.losses)):
        with side.GradientTape() as tape:
            loss = losses.MeanSquaredError()(y, model(x, training=True))
        grads.append(_grad_numpy(tape.gradient(loss, model.trainable_variables)))
    _assert_same(*grads)


# -- tf.data against real tf.data ----------------------------------------------------------------
DX = np.arange(30, dtype=np.float32).reshape(10, 3)
DY = np.arange(10)
PIPELINES = {
    "slices-batch": lambda d: d.data.Dataset.from_tensor_slices((DX, DY)).batch(4),
    "slices-batch-drop": lambda d: d.data.Dataset.from_tensor_slices((DX, DY)).batch(4, drop_remainder=True),
    "dict-map-batch": lambda d: d.data.Dataset.from_tensor_slices({"a": DX, "b": DY}).map(
        lambda e: (e["a"] * 2, e["b"])).batch(3),
    "range-filter-map": lambda d: d.data.Dataset.range(20).filter(lambda i: i % 3 == 0).map(lambda i: i * i),
    "take-skip-repeat": lambda d: d.data.Dataset.range(7).skip(2).take(4).repeat(2).batch(3),
    "zip-enumerate": lambda d: d.data.Dataset.zip((d.data.Dataset.range(4), d.data.Dataset.range(10, 14))).enumerate(),
    "padded": lambda d: d.data.Dataset.range(1, 6).map(lambda n: d.data.Dataset.range(n) if False else n).padded_batch(2),
    "from_generator": lambda d: d.data.Dataset.from_generator(
        lambda: ((np.arange(i, dtype=np.int32), np.float32(i)) for i in range(1, 6)),
        output_signature=(d.TensorSpec((None,), d.int32), d.TensorSpec((), d.float32))).padded_batch(
        2, padded_shapes=([6], [])),
    "unbatch-rebatch": lambda d: d.data.Dataset.from_tensor_slices(DX).batch(4).unbatch().batch(3),
    "interleave": lambda d: d.data.Dataset.range(3).interleave(lambda i: d.data.Dataset.range(i * 10, i * 10 + 4),
                                                          cycle_length=2, block_length=3),
    "flat_map": lambda d: d.data.Dataset.range(3).flat_map(lambda i: d.data.Dataset.range(i)),
    "strings": lambda d: d.data.Dataset.from_tensor_slices(["ab", "c d", "EF"]).map(d.strings.lower).batch(2),
    "shard-cache-prefetch": lambda d: d.data.Dataset.range(10).shard(3, 1).cache().prefetch(2),
    "concatenate-infinite": lambda d: d.data.Dataset.range(3).concatenate(d.data.Dataset.range(5, 7)).repeat().take(9),
    "from_tensors": lambda d: d.data.Dataset.from_tensors((DX, DY)).repeat(2),
    "float64-kept": lambda d: d.data.Dataset.from_tensor_slices(DX.astype(np.float64)).batch(5),
    # A one-key dict inside a tuple has as many leaves as the tuple has entries: it must stay a dict.
    "dict1-label-slices": lambda d: d.data.Dataset.from_tensor_slices(({"a": DX}, DY)),
    "dict1-label-batch": lambda d: d.data.Dataset.from_tensor_slices(({"a": DX}, DY)).repeat(2).batch(7),
    "dict1-label-map": lambda d: d.data.Dataset.from_tensor_slices(({"a": DX}, DY)).map(lambda x, y: (x, y + 1)),
    "dict2-label-slices": lambda d: d.data.Dataset.from_tensor_slices(({"a": DX, "b": DY}, DY)),
    "tuple1-label-slices": lambda d: d.data.Dataset.from_tensor_slices(((DX,), DY)).batch(3),
}


def _skeleton(element):
    """The nesting of an element or element_spec, leaves blanked: dict keys and tuple lengths."""
    if isinstance(element, dict):
        return {k: _skeleton(v) for k, v in element.items()}
    if isinstance(element, (tuple, list)):
        return tuple(_skeleton(v) for v in element)
    return "leaf"


def _numpy_stream(ds, limit=50):
    out = []
    for i, e in enumerate(ds.as_numpy_iterator()):
        if i == limit:
            break
        out.append(e)
    return out


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_tf_data_pipeline_matches_tensorflow(name):
    real, ours = PIPELINES[name](tf), PIPELINES[name](emu)
    assert int(ours.cardinality()) == int(real.cardinality())
    real_spec, our_spec = tf.nest.flatten(real.element_spec), emu.nest.flatten(ours.element_spec)
    assert [(tuple(s.shape.as_list()) if s.shape.rank is not None else None, s.dtype.name) for s in real_spec] == \
        [(tuple(s.shape.as_list()) if s.shape.rank is not None else None, s.dtype.name) for s in our_spec]
    assert _skeleton(ours.element_spec) == _skeleton(real.element_spec), ours.element_spec
    r, o = _numpy_stream(real), _numpy_stream(ours)
    assert len(r) == len(o)
    assert [_skeleton(e) for e in o] == [_skeleton(e) for e in r]
    for a, b in zip(tf.nest.flatten(r), emu.nest.flatten(o)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and (a.dtype == b.dtype or a.dtype.kind == "O"), (a, b)
        assert np.array_equal(a, b), (a, b)


def test_shuffle_is_a_permutation_like_tensorflow():
    for side in (tf, emu):
        ds = side.data.Dataset.range(50).shuffle(8, seed=3).batch(50)
        (batch,) = list(ds.as_numpy_iterator())
        assert sorted(batch.tolist()) == list(range(50)) and batch.tolist() != list(range(50))
