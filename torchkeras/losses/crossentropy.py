"""Crossentropy losses (per sample), with tf.keras's logits trick and eps=1e-7 clipping.

If y_pred carries ``_keras_logits`` (set by a softmax/sigmoid activation), tf.keras computes
from those logits and skips clipping, even when from_logits=False: we do the same."""

import warnings

import torch
import torch.nn.functional as F

from ._utils import EPSILON, get_logits, squeeze_or_expand_to_same_rank, to_tensor


def _shape(t):
    return tuple(t.shape)


def _pred(y_pred):
    y_pred = to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.float32)
    return y_pred


def _resolve_logits(y_pred, from_logits, fn_name, act):
    logits = get_logits(y_pred)
    if logits is None:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f"`{fn_name}` received `from_logits=True`, but the `output` argument was produced by "
            f"a {act} activation and thus does not represent logits. Was this intended?",
            stacklevel=3,
        )
    return logits.to(y_pred.dtype), True


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def _check_one_hot(y_true, y_pred, fn_name):
    if _shape(y_true) == _shape(y_pred):
        return
    hint = ""
    if y_true.dim() == y_pred.dim() - 1 or (y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1):
        hint = (" These look like integer class labels: use sparse_categorical_crossentropy "
                "(or one-hot encode them with keras.utils.to_categorical).")
    raise ValueError(
        f"{fn_name}: y_true (one-hot encoded) and y_pred must have the same shape. Received: "
        f"y_true.shape={_shape(y_true)}, y_pred.shape={_shape(y_pred)}.{hint}"
    )


def _smooth(y_true, label_smoothing, num_classes):
    if label_smoothing:
        return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return y_true


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    _check_axis(axis)
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={_shape(y_pred)}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning, stacklevel=2,
        )
    _check_one_hot(y_true, y_pred, "categorical_crossentropy")
    y_true = _smooth(y_true, label_smoothing, y_true.shape[-1])
    output, from_logits = _resolve_logits(y_pred, from_logits, "categorical_crossentropy",
                                          "Softmax")
    if from_logits:
        return -torch.sum(y_true * torch.log_softmax(output, dim=axis), dim=axis)
    # normalise first, then clip (the sparse version does the opposite)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    output = torch.clamp(output, EPSILON, 1.0 - EPSILON)
    return -torch.sum(y_true * torch.log(output), dim=axis)


def categorical_crossentropy_mean(y_true, y_pred, dtype, from_logits=False, label_smoothing=0.0,
                                  axis=-1):
    """categorical_crossentropy with the "sum_over_batch_size" reduction in one short pass, or
    None when the general path must run (masks, casts to another device, rank fixes, warnings).

    Equal bit for bit to the general path: the per-sample negation moves into the final
    division by the count, and IEEE rounding is symmetric in sign. It also saves a graph node."""
    if (type(y_pred) is not torch.Tensor or type(y_true) is not torch.Tensor
            or y_pred.dtype is not dtype or axis not in (-1, y_pred.dim() - 1)
            or y_pred.dim() < 2 or y_pred.shape != y_true.shape or y_pred.shape[-1] == 1
            or y_true.device != y_pred.device or y_pred.numel() == 0
            or getattr(y_pred, "_keras_mask", None) is not None):
        return None
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is not None:
        if from_logits:
            return None  # the general path warns
        log_probs = torch.log_softmax(logits.to(dtype), dim=-1)
    elif from_logits:
        log_probs = torch.log_softmax(y_pred, dim=-1)
    else:
        output = y_pred / torch.sum(y_pred, dim=-1, keepdim=True)
        log_probs = torch.log(torch.clamp(output, EPSILON, 1.0 - EPSILON))
    if y_true.dtype is not dtype:
        y_true = y_true.to(dtype)
    y_true = _smooth(y_true, label_smoothing, y_true.shape[-1])
    minus_losses = torch.sum(y_true * log_probs, dim=-1)
    return torch.sum(minus_losses) / -minus_losses.numel()


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device)
    _check_axis(axis)
    if not -y_pred.dim() <= axis < y_pred.dim():
        raise ValueError(f"`axis` {axis} is out of bounds for y_pred of rank {y_pred.dim()}.")
    if axis % y_pred.dim() != y_pred.dim() - 1:
        # Classes along another axis (channels-first segmentation): move them last, with the
        # labels' singleton class axis when they carry one.
        if y_true.dim() == y_pred.dim() and y_true.shape[axis] == 1:
            y_true = y_true.squeeze(axis)
        y_pred = torch.movedim(y_pred, axis, -1)
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    if _shape(y_true) != _shape(y_pred)[:-1]:
        hint = ""
        if _shape(y_true) == _shape(y_pred):
            hint = " These look like one-hot labels: use categorical_crossentropy."
        raise ValueError(
            "sparse_categorical_crossentropy expects integer class labels y_true of shape "
            f"{_shape(y_pred)[:-1]} (or {_shape(y_pred)[:-1] + (1,)}) for y_pred of shape "
            f"{_shape(y_pred)}, but received y_true with shape {_shape(y_true)}.{hint}"
        )
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = torch.where(valid, y_true, torch.zeros_like(y_true))
        # a fresh tensor: like tf.where, this drops any remembered logits
        y_pred = torch.where(valid.unsqueeze(-1), y_pred, torch.zeros_like(y_pred))
    target = y_true.to(torch.int64)
    output, from_logits = _resolve_logits(y_pred, from_logits, "sparse_categorical_crossentropy",
                                          "Softmax")
    if not from_logits:
        # clip first, then the softmax-CE renormalises: -log p_t + log sum_j p_j
        output = torch.log(torch.clamp(output, EPSILON, 1.0 - EPSILON))
    num_classes = output.shape[-1]
    res = F.cross_entropy(output.reshape(-1, num_classes), target.reshape(-1), reduction="none")
    res = res.reshape(target.shape)
    if valid is not None:
        res = torch.where(valid, res, torch.zeros_like(res))
        res._keras_mask = valid
    return res


# Labels survive the general path's float32 round trip unchanged below 2**24 classes: a label
# that float32 rounds is >= 2**24, out of range both ways.
_EXACT_LABELS = 1 << 24
_LABEL_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.float32)


def sparse_categorical_crossentropy_mean(y_true, y_pred, dtype, from_logits=False,
                                         ignore_class=None, axis=-1):
    """sparse_categorical_crossentropy with the "sum_over_batch_size" reduction, bit for bit,
    without the label casts (int -> float32 -> int64) and checks of the general path; None when
    the general path must run (masks, ignore_class, casts, shape fixes or errors, warnings)."""
    if (type(y_pred) is not torch.Tensor or type(y_true) is not torch.Tensor
            or ignore_class is not None or y_pred.dtype is not dtype or y_pred.dim() < 2
            or axis not in (-1, y_pred.dim() - 1) or y_true.dtype not in _LABEL_DTYPES
            or not 1 < y_pred.shape[-1] <= _EXACT_LABELS or y_pred.numel() == 0
            or y_true.device != y_pred.device
            or getattr(y_pred, "_keras_mask", None) is not None):
        return None
    lead = y_pred.shape[:-1]
    if y_true.shape != lead and not (y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1
                                     and y_true.shape[:-1] == lead):
        return None
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is not None:
        if from_logits:
            return None  # the general path warns
        output = logits if logits.dtype is dtype else logits.to(dtype)
    elif from_logits:
        output = y_pred
    else:
        output = torch.log(torch.clamp(y_pred, EPSILON, 1.0 - EPSILON))
    target = y_true if y_true.dtype is torch.int64 else y_true.to(torch.int64)
    if output.dim() != 2:
        output = output.reshape(-1, output.shape[-1])
    if target.dim() != 1:
        target = target.reshape(-1)
    res = F.cross_entropy(output, target, reduction="none")
    return res.sum() / res.numel()


def _bce_elementwise(target, y_pred, from_logits):
    output, from_logits = _resolve_logits(y_pred, from_logits, "binary_crossentropy", "Sigmoid")
    if from_logits:
        # TF's sigmoid_cross_entropy_with_logits, written with `where(x >= 0)` so the gradient at
        # x == 0 is sigmoid(0) - y as in TF (relu/abs would give -y there: dead ReLU rows with a
        # zero bias hit exactly 0, and training then drifts from tf.keras).
        cond = output >= 0
        relu_logits = torch.where(cond, output, torch.zeros_like(output))
        neg_abs = torch.where(cond, -output, output)
        return relu_logits - output * target + torch.log1p(torch.exp(neg_abs))
    output = torch.clamp(output, EPSILON, 1.0 - EPSILON)
    return -(target * torch.log(output) + (1.0 - target) * torch.log(1.0 - output))


def _binary_prepare(y_true, y_pred, fn_name):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if _shape(y_true) != _shape(y_pred):
        raise ValueError(
            f"{fn_name}: y_true (one 0/1 label per output unit) and y_pred must have the same "
            f"shape. Received: y_true.shape={_shape(y_true)}, y_pred.shape={_shape(y_pred)}. For "
            "integer class labels use sparse_categorical_crossentropy."
        )
    return y_true, y_pred


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _binary_prepare(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return torch.mean(_bce_elementwise(y_true, y_pred, from_logits), dim=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _binary_prepare(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    bce = _bce_elementwise(y_true, y_pred, False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal_bce
    return torch.mean(focal_bce, dim=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    _check_axis(axis)
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    _check_one_hot(y_true, y_pred, "categorical_focal_crossentropy")
    y_true = _smooth(y_true, label_smoothing, y_true.shape[-1])
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    output = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
    output = torch.clamp(output, EPSILON, 1.0 - EPSILON)
    cce = -y_true * torch.log(output)
    focal = alpha * torch.pow(1.0 - output, gamma) * cce
    return torch.sum(focal, dim=axis)

