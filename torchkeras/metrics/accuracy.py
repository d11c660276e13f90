"""Accuracy metrics (functions return per-sample 0/1 float32 values, classes average them)."""

import torch

from ..losses._utils import squeeze_or_expand_to_same_rank, to_tensor
from .metric import MATCH_COUNTS, MeanMetricWrapper


def _pred(y_pred):
    y_pred = to_tensor(y_pred)
    return y_pred if y_pred.is_floating_point() else y_pred.to(torch.float32)


def accuracy(y_true, y_pred):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).to(torch.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape and y_true.dim() == y_pred.dim() and y_pred.shape[-1] == 1:
        raise ValueError(
            f"binary_accuracy expects y_true with the same shape as y_pred {tuple(y_pred.shape)}; "
            f"received y_true with shape {tuple(y_true.shape)}."
        )
    pred_pos = (y_pred > threshold).to(y_true.dtype)
    return (y_true == pred_pos).to(torch.float32)


def categorical_accuracy(y_true, y_pred):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"categorical_accuracy expects one-hot y_true of shape {tuple(y_pred.shape)} (as "
            f"y_pred); received y_true with shape {tuple(y_true.shape)}. For integer labels use "
            "sparse_categorical_accuracy."
        )
    true_idx = torch.argmax(_argmaxable(y_true), dim=-1)
    return (true_idx == torch.argmax(y_pred, dim=-1)).to(torch.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    org_shape = y_true.shape
    reshape = False
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
        reshape = True
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(
            "sparse_categorical_accuracy expects integer labels y_true of shape "
            f"{tuple(y_pred.shape[:-1])} for y_pred of shape {tuple(y_pred.shape)}; received "
            f"{tuple(org_shape)}. For one-hot labels use categorical_accuracy."
        )
    matches = (y_true == torch.argmax(y_pred, dim=-1).to(y_true.dtype)).to(torch.float32)
    if reshape:
        matches = matches.reshape(org_shape)
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


# Match counts below 2**24 are exact in float32, so summing the 0/1 float values (the general
# path) and counting the matches as integers give the same bits; labels compare alike as int or
# as float32 below 2**24 classes (a label float32 rounds is >= 2**24, matching no class).
_EXACT = 1 << 24
_LABEL_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.float32)


def _countable(y_pred):
    # Any float dtype: the general path takes the argmax of the same values (a float16 output of
    # a mixed-precision model is not cast there either).
    return (type(y_pred) is torch.Tensor and y_pred.is_floating_point() and y_pred.dim() == 2
            and 0 < y_pred.shape[0] <= _EXACT and y_pred.shape[1] <= _EXACT
            and y_pred.__dict__.get("_keras_mask") is None)


def sparse_categorical_match_count(y_true, y_pred):
    """The number of samples sparse_categorical_accuracy scores 1, as a 0-d integer tensor, or
    None when its general path must run."""
    if (not _countable(y_pred) or type(y_true) is not torch.Tensor
            or y_true.dtype not in _LABEL_DTYPES or y_true.device != y_pred.device):
        return None
    n = y_pred.shape[0]
    if y_true.shape != (n,) and y_true.shape != (n, 1):
        return None
    if y_true.dim() != 1:
        y_true = y_true.reshape(n)
    return torch.count_nonzero(y_true == torch.argmax(y_pred, dim=-1))


def categorical_match_count(y_true, y_pred):
    """As above for categorical_accuracy (one-hot y_true of y_pred's shape)."""
    if (not _countable(y_pred) or type(y_true) is not torch.Tensor
            or y_true.shape != y_pred.shape or y_true.device != y_pred.device):
        return None
    return torch.count_nonzero(torch.argmax(_argmaxable(y_true), dim=-1) == torch.argmax(y_pred, dim=-1))


def _argmaxable(y_true):
    # one-hot targets given as booleans (Keras accepts them); torch's argmax refuses bool.
    return y_true.to(torch.uint8) if y_true.dtype == torch.bool else y_true


def _in_top_k(targets, predictions, k):
    # tf.math.in_top_k: ties at the k-th value count as in; a non-finite target score is out.
    target_score = predictions.gather(-1, targets.unsqueeze(-1))
    n_greater = (predictions > target_score).sum(dim=-1)
    return (n_greater < k) & torch.isfinite(target_score.squeeze(-1))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"top_k_categorical_accuracy expects one-hot y_true of shape {tuple(y_pred.shape)}; "
            f"received {tuple(y_true.shape)}. For integer labels use "
            "sparse_top_k_categorical_accuracy."
        )
    true_idx = torch.argmax(_argmaxable(y_true), dim=-1)
    org_shape = true_idx.shape
    preds = y_pred.reshape(-1, y_pred.shape[-1])
    return _in_top_k(true_idx.reshape(-1), preds, k).to(torch.float32).reshape(org_shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device)
    org_shape = y_true.shape
    flat_true = y_true.reshape(-1)
    preds = y_pred.reshape(-1, y_pred.shape[-1])
    if flat_true.shape[0] != preds.shape[0]:
        raise ValueError(
            "sparse_top_k_categorical_accuracy expects one integer label per row of y_pred "
            f"{tuple(y_pred.shape)}; received y_true with shape {tuple(org_shape)}."
        )
    if from_sorted_ids:
        matches = (flat_true.to(preds.dtype).unsqueeze(1) == preds[:, :k]).any(dim=1)
    else:
        matches = _in_top_k(flat_true.to(torch.int64), preds, k)
    matches = matches.to(torch.float32)
    return matches.reshape(org_shape) if y_true.dim() > 1 else matches


class Accuracy(MeanMetricWrapper):
    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


MATCH_COUNTS.update({sparse_categorical_accuracy: sparse_categorical_match_count,
                     categorical_accuracy: categorical_match_count})
