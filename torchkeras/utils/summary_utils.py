"""model.summary(): Keras 3's box-drawn table."""

import textwrap

import numpy as np
import torch


def _fmt_shape(shape):
    if isinstance(shape, list):
        return ", ".join(_fmt_shape(s) for s in shape)
    if isinstance(shape, dict):
        return ", ".join(_fmt_shape(s) for s in shape.values())
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _fmt_bytes(n):
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.2f} B"


def _count(weights):
    return int(sum(np.prod(w.shape, dtype=np.int64) for w in weights))


def _nbytes(weights):
    # Keras sizes each variable by its own dtype: the optimizer's int64 iteration counter is 8 bytes.
    total = 0
    for w in weights:
        dtype = w.dtype
        if not isinstance(dtype, torch.dtype):
            dtype = getattr(torch, str(dtype).replace("torch.", ""), torch.float32)
        itemsize = torch.empty((), dtype=dtype).element_size() if isinstance(dtype, torch.dtype) else 4
        total += int(np.prod(w.shape, dtype=np.int64)) * itemsize
    return total


def _output_shape(layer):
    try:
        return _fmt_shape(layer.output_shape)
    except (AttributeError, ValueError, NotImplementedError):
        return "?"


def _layer_params(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return f"{_count(layer.weights):,}"


def _connections(layer, model):
    names = []
    for node in layer._inbound_nodes[:1]:
        for t in node.input_tensors:
            src_node, idx = t._keras_history
            names.append(f"{src_node.layer.name}[0][{idx}]")
    return names or ["-"]


def _cell_lines(text, width, align="left", truncate=False):
    inner = width - 2
    if isinstance(text, list):
        lines = []
        for i, item in enumerate(text):
            item = item + ("," if i < len(text) - 1 else "")
            lines.append(item if len(item) <= inner else item[:inner - 1] + "…")
        return lines
    lines = textwrap.wrap(text, inner, break_on_hyphens=False) or [""]
    return lines


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False):
    from torchkeras.models.sequential import Sequential
    user_print_fn = print_fn is not None
    print_fn = print_fn or print
    sequential = isinstance(model, Sequential)
    layers = model.layers
    if sequential:
        headers, widths, aligns = ["Layer (type)", "Output Shape", "Param #"], [33, 24, 15], ["l", "l", "r"]
    else:
        headers, widths, aligns = (["Layer (type)", "Output Shape", "Param #", "Connected to"], [21, 19, 12, 19],
                                   ["l", "l", "r", "l"])
    if line_length:
        scale = line_length / (sum(widths) + len(widths) + 1)
        widths = [max(8, int(w * scale)) for w in widths]

    def border(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def row(cells, sep="│"):
        cols = [_cell_lines(c, w) for c, w in zip(cells, widths)]
        height = max(len(c) for c in cols)
        out = []
        for i in range(height):
            parts = []
            for col, w, a in zip(cols, widths, aligns):
                text = col[i] if i < len(col) else ""
                parts.append(" " + (text.rjust(w - 2) if a == "r" else text.ljust(w - 2)) + " ")
            out.append(sep + sep.join(parts) + sep)
        return out

    lines = [f'Model: "{model.name}"', border("┏", "┳", "┓", "━")]
    lines += row(headers, "┃")
    lines.append(border("┡", "╇", "┩", "━"))
    for i, layer in enumerate(layers):
        cells = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer), _layer_params(layer)]
        if not sequential:
            cells.append(_connections(layer, model))
        lines += row(cells)
        lines.append(border("├", "┼", "┤", "─") if i < len(layers) - 1 else border("└", "┴", "┘", "─"))
    if not layers:
        lines.append(border("└", "┴", "┘", "─"))
    if model.built:
        weights = model.weights
        total = _count(weights)
        trainable = _count(model.trainable_weights)
        opt = getattr(model, "optimizer", None)
        opt_vars = list(opt.variables) if opt is not None and getattr(opt, "variables", None) else []
        n_opt = _count(opt_vars)
        b_train, b_all, b_opt = _nbytes(model.trainable_weights), _nbytes(weights), _nbytes(opt_vars)
        # Keras's "Total params" counts the built optimizer's variables too (76,352 for the 784-32-10
        # MLP after one Adam step: 25,450 weights + 50,902 optimizer params).
        lines.append(f" Total params: {total + n_opt:,} ({_fmt_bytes(b_all + b_opt)})")
        lines.append(f" Trainable params: {trainable:,} ({_fmt_bytes(b_train)})")
        lines.append(f" Non-trainable params: {total - trainable:,} ({_fmt_bytes(b_all - b_train)})")
        if n_opt:
            lines.append(f" Optimizer params: {n_opt:,} ({_fmt_bytes(b_opt)})")
    if user_print_fn:
        # Keras hands a user's print_fn the whole captured summary in one call, ending in a newline.
        print_fn("\n".join(lines) + "\n")
    else:
        for line in lines:
            print_fn(line)
