"""The two ways an RNN layer runs a cell over time: the fused torch kernel and the cell loop.

Both return (last_output, outputs or None, final_states) with Keras's masking semantics: at a masked
step the states keep their value and the output repeats the previous output (zeros before the first
valid step, or zeros at every masked step with zero_output_for_mask).
"""

import torch

from torchkeras.keras_tensor import flatten


def fmt_shape(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def check_mask(mask, x, layer_name):
    """The (batch, timesteps) boolean mask for input x, or a ValueError saying what was expected."""
    mask = torch.as_tensor(mask, device=x.device)
    if mask.dim() == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    if tuple(mask.shape) != tuple(x.shape[:2]):
        raise ValueError(
            f'The mask passed to layer "{layer_name}" must have shape (batch, timesteps) = '
            f"{fmt_shape(x.shape[:2])} to match its input of shape {fmt_shape(x.shape)}; received a mask of "
            f"shape {fmt_shape(mask.shape)}. Pass one boolean per timestep of each sample.")
    return mask if mask.dtype == torch.bool else mask.bool()


def is_right_padded(mask):
    """True when every row of the (batch, time) mask is a run of True followed by False only.

    This is one host sync per call; pack_padded_sequence would need the lengths on the host anyway.
    """
    steps = torch.arange(mask.shape[1], device=mask.device)
    return bool(torch.equal(mask, steps < mask.sum(1, keepdim=True)))


def _pack_like(flat, structure):
    it = iter(flat)

    def rebuild(s):
        if isinstance(s, (list, tuple)):
            return [rebuild(x) for x in s]
        return next(it)

    return rebuild(structure)


def run_loop(cell, x, states, mask, go_backwards, zero_output_for_mask, return_sequences, training):
    from torchkeras.layers.rnn._cell_base import RecurrentCell

    builtin = isinstance(cell, RecurrentCell)
    if builtin:
        # One GEMM for the input projection of every timestep; only the recurrence stays in the loop.
        xp = cell._project_inputs(x, training)
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs, prev = [], None
    for t in steps:
        if builtin:
            out, new_states = cell._recurrent_step(xp[:, t], states, training)
        else:
            out, new_states = cell(x[:, t], states, training=training)
        if not isinstance(new_states, (list, tuple)):
            new_states = [new_states]
        if mask is not None:
            m = mask[:, t].unsqueeze(-1)
            new_states = _pack_like([torch.where(m, n, s) for n, s in zip(flatten(new_states), flatten(states))],
                                    new_states)
            if prev is None or zero_output_for_mask:
                prev = torch.zeros_like(out)
            out = torch.where(m, out, prev)
            prev = out
        states = new_states
        outputs.append(out)
    seq = torch.stack(outputs, 1) if return_sequences else None
    return outputs[-1], seq, states


def _gather_time(seq, idx):
    return seq.gather(1, idx.unsqueeze(-1).expand(-1, -1, seq.shape[-1]))


def run_fused(cell, x, states, mask, go_backwards, zero_output_for_mask, return_sequences, training):
    """The cell's torch kernel over the whole sequence; `mask`, when given, must be right-padded.

    A right-padded mask runs the kernel over the full length (the padding only follows the valid
    steps, so it cannot change them) and gathers outputs and the last state at min(t, length - 1).
    With go_backwards each sample reads its own valid steps reversed (x[L-1], ..., x[0]) first.
    Only the last h is recovered this way: a caller needing LSTM's last carry under a mask loops.
    """
    if training and 0 < cell.dropout < 1:
        # Keras draws one input mask per sequence and reuses it at every step: apply it up front.
        x = x * cell.get_dropout_mask(x[:, 0]).unsqueeze(1)
    if mask is None:
        out, final = cell._run_fused(x.flip(1) if go_backwards else x, states)
        # final[0] is the kernel's last h, the value of out[:, -1]; reading it (as a hand-written
        # torch model does) spares the backward a zero-filled gradient for the whole sequence.
        # Traced by torch.compile, cuDNN's LSTM breaks the graph inside the kernel call, and
        # dynamo's resume there loses the h_n[0] indexing (torch 2.11): read `out` then.
        last = out[:, -1] if torch.compiler.is_compiling() else final[0]
        return last, (out if return_sequences else None), final
    batch, steps = mask.shape
    t = torch.arange(steps, device=x.device).unsqueeze(0)
    lengths = mask.sum(1, keepdim=True)
    if go_backwards:
        x = _gather_time(x, torch.where(t < lengths, lengths - 1 - t, t))
    out, final = cell._run_fused(x, states)
    h_last = _gather_time(out, (lengths - 1).clamp(min=0)).squeeze(1)
    valid = lengths > 0
    zeros = torch.zeros((), dtype=out.dtype, device=out.device)
    h0 = states[0] if states is not None else zeros
    final = [torch.where(valid, h_last, h0)] + [None] * (len(final) - 1)
    last_masked = ~mask[:, :1] if go_backwards else ~mask[:, -1:]
    last = torch.where(~valid | (last_masked & zero_output_for_mask), zeros, h_last)
    seq = None
    if return_sequences:
        if go_backwards:
            start = steps - lengths  # processing positions before `start` read padding: output zeros
            seq = torch.where((t < start).unsqueeze(-1), zeros, _gather_time(out, (t - start).clamp(min=0)))
        else:
            blank = (t >= lengths) if zero_output_for_mask else ~valid.expand(-1, steps)
            seq = torch.where(blank.unsqueeze(-1), zeros, _gather_time(out, torch.minimum(t, (lengths - 1).clamp(min=0))))
    return last, seq, final
