"""keras.ops.nn CTC: ctc_loss (torch's kernel on log-softmaxed logits) and ctc_decode (greedy, and
prefix beam search)."""

import math as _math

import numpy as np
import torch
import torch.nn.functional as F

from torchkeras.ops._common import float_input, op, tensor


@op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sample CTC negative log-likelihood; `output` holds (batch, time, classes) logits."""
    output = float_input(output)
    target = tensor(target, like=output).to(torch.int64)
    if target.dim() != 2:
        raise ValueError(f"Targets `target` is expected to be a tensor of rank 2. Received: "
                         f"target.shape={tuple(target.shape)}")
    if output.dim() != 3:
        raise ValueError(f"Outputs `output` is expected to be a tensor of rank 3. Received: "
                         f"output.shape={tuple(output.shape)}")
    compute = torch.float32 if output.dtype in (torch.float16, torch.bfloat16) else output.dtype
    log_probs = torch.log_softmax(output.to(compute), dim=-1).transpose(0, 1)
    loss = F.ctc_loss(log_probs, target, tensor(output_length, like=output).to(torch.int64),
                      tensor(target_length, like=output).to(torch.int64), blank=int(mask_index),
                      reduction="none")
    return loss.to(output.dtype)


def _greedy(x, lengths, merge_repeated, blank):
    batch, steps, _ = x.shape
    best, idx = torch.max(x, dim=-1)
    idx = idx.to(torch.int32)
    beyond = torch.arange(steps, device=x.device)[None, :] >= lengths[:, None]
    idx = torch.where(beyond, torch.full_like(idx, blank), idx)
    best = torch.where(beyond, torch.zeros_like(best), best)
    if merge_repeated:
        repeat = F.pad(idx[:, 1:] == idx[:, :-1], (1, 0))
        idx = torch.where(repeat, torch.full_like(idx, blank), idx)
    dropped = idx == blank
    # Stable-sort the kept labels to the front; dropped steps become -1 padding at the end.
    order = torch.argsort(dropped.to(torch.int8), dim=1, stable=True)
    idx = torch.take_along_dim(torch.where(dropped, torch.full_like(idx, -1), idx), order, dim=1)
    return idx.unsqueeze(0), -torch.sum(best, dim=1, keepdim=True)


def _logadd(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    m = a if a > b else b
    return m + _math.log1p(_math.exp(-abs(a - b)))


def _beam_one(logp, length, beam_width, top_paths, blank):
    """Prefix beam search over one sequence of log-probabilities (time, classes)."""
    beams = {(): (0.0, -np.inf)}  # prefix -> (log p ending in blank, log p ending in a label)
    classes = logp.shape[1]
    for t in range(length):
        row = logp[t]
        nxt = {}

        def add(prefix, pb, pnb):
            ob, onb = nxt.get(prefix, (-np.inf, -np.inf))
            nxt[prefix] = (_logadd(ob, pb), _logadd(onb, pnb))
        for prefix, (pb, pnb) in beams.items():
            total = _logadd(pb, pnb)
            add(prefix, total + row[blank], -np.inf)
            last = prefix[-1] if prefix else None
            for c in range(classes):
                if c == blank:
                    continue
                if c == last:
                    add(prefix, -np.inf, pnb + row[c])
                    add(prefix + (c,), -np.inf, pb + row[c])
                else:
                    add(prefix + (c,), -np.inf, total + row[c])
        ranked = sorted(nxt.items(), key=lambda kv: -_logadd(*kv[1]))
        beams = dict(ranked[:beam_width])
    ranked = sorted(beams.items(), key=lambda kv: -_logadd(*kv[1]))[:top_paths]
    return [(list(p), _logadd(*s)) for p, s in ranked]


def _beam(x, lengths, beam_width, top_paths, blank):
    batch, steps, _ = x.shape
    logp = torch.log_softmax(x.to(torch.float64), dim=-1).cpu().numpy()
    decoded = np.full((top_paths, batch, steps), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf, dtype=np.float64)
    for b in range(batch):
        for k, (path, score) in enumerate(_beam_one(logp[b], int(lengths[b]), beam_width, top_paths, blank)):
            decoded[k, b, :len(path)] = path
            scores[b, k] = score
    return torch.from_numpy(decoded).to(x.device), torch.from_numpy(scores).to(x.dtype).to(x.device)


@op
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode (batch, time, classes) scores: returns ((top_paths, batch, time) labels padded with -1,
    (batch, top_paths) scores)."""
    x = float_input(inputs)
    if x.dtype in (torch.float16, torch.bfloat16):
        x = x.to(torch.float32)
    lengths = tensor(sequence_lengths, like=x).to(torch.int64)
    blank = x.shape[-1] - 1 if mask_index is None else int(mask_index) % x.shape[-1]
    if strategy == "greedy":
        return _greedy(x, lengths, merge_repeated, blank)
    if strategy == "beam_search":
        return _beam(x, lengths, int(beam_width), int(top_paths), blank)
    raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and 'beam_search'.")
