"""Segmentation, metric-learning, sequence and noise-robust losses, Keras 3.15 formulas:
dice, tversky, circle, ctc, categorical_generalized_cross_entropy."""

import torch
import torch.nn.functional as F

from ._utils import EPSILON, set_mask, to_tensor


def _pred(y_pred):
    y_pred = to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.float32)
    return y_pred


def _sum(x, axis):
    if axis is None:
        return x.sum()
    return x.sum(dim=axis)


def dice(y_true, y_pred, axis=None):
    """1 - 2|y_true * y_pred| / (|y_true| + |y_pred| + eps), summed over `axis` (None: all)."""
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    intersection = _sum(y_true * y_pred, axis)
    return 1 - 2.0 * intersection / (_sum(y_true, axis) + _sum(y_pred, axis) + EPSILON)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha*FP + beta*FN + eps); alpha weighs false positives."""
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    intersection = _sum(y_true * y_pred, axis)
    fp = _sum((1 - y_pred) * y_true, axis)
    fn = _sum(y_pred * (1 - y_true), axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + EPSILON)


def _pos_neg_masks(query_labels, key_labels, remove_diagonal):
    positive = query_labels.reshape(-1, 1) == key_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        eye = torch.eye(positive.shape[0], positive.shape[1], dtype=torch.bool,
                        device=positive.device)
        positive = positive & ~eye
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss (Sun et al. 2020) on L2-normalised embeddings `y_pred` with integer labels;
    per-sample values, masked where the loss is 0 (as Keras)."""
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device).to(torch.int32)
    ref_embeddings = y_pred if ref_embeddings is None else to_tensor(
        ref_embeddings, dtype=y_pred.dtype, device=y_pred.device)
    ref_labels = y_true if ref_labels is None else to_tensor(
        ref_labels, device=y_pred.device).to(torch.int32)
    distances = torch.clamp(1 - y_pred @ ref_embeddings.T, min=0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    pos_weights = torch.clamp((margin + distances) * positive.to(distances.dtype), min=0.0)
    neg_weights = torch.clamp((1 + margin - distances) * negative.to(distances.dtype), min=0.0)
    pos_wdists = -1 * gamma * pos_weights * (margin - distances)
    neg_wdists = gamma * neg_weights * ((1 - margin) - distances)
    neg_inf = torch.tensor(float("-inf"), dtype=distances.dtype, device=distances.device)
    p_loss = torch.logsumexp(torch.where(positive, pos_wdists, neg_inf), dim=1)
    n_loss = torch.logsumexp(torch.where(negative, neg_wdists, neg_inf), dim=1)
    loss = F.softplus(p_loss + n_loss)
    return set_mask(loss, loss > 0)


def ctc(y_true, y_pred):
    """Connectionist temporal classification: y_true (batch, max_label_length) integer labels
    padded with 0 (the blank), y_pred (batch, time, classes) logits; per-sample -log p."""
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device)
    if y_true.dim() != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. "
                         f"Received: y_true.shape={tuple(y_true.shape)}")
    if y_pred.dim() != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. "
                         f"Received: y_pred.shape={tuple(y_pred.shape)}")
    out_dtype = y_pred.dtype
    logits = y_pred.float()  # TF's kernel runs in float32 for half and double inputs alike
    targets = y_true.to(torch.int64)
    batch, time = logits.shape[0], logits.shape[1]
    target_lengths = (targets != 0).sum(dim=-1)
    input_lengths = torch.full((batch,), time, dtype=torch.int64, device=logits.device)
    log_probs = torch.log_softmax(logits, dim=-1).transpose(0, 1)
    loss = F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0,
                      reduction="none", zero_infinity=False)
    return loss.to(out_dtype)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p_true^q) / q for integer labels y_true; q -> 0 is crossentropy, q = 1 is MAE."""
    y_pred = _pred(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device).to(torch.int64)
    # an out-of-range label one-hot encodes to zeros in Keras: p = 0 there
    valid = (y_true >= 0) & (y_true < y_pred.shape[-1])
    index = torch.where(valid, y_true, torch.zeros_like(y_true)).unsqueeze(-1)
    p = torch.gather(y_pred, -1, index).squeeze(-1) * valid.to(y_pred.dtype)
    return (1 - torch.pow(p, q)) / q
