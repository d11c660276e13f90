"""compile(loss=..., metrics=...) resolved per model output, as Keras 3.15 does.

Outputs are handled as a flat list in the model's output order. A loss or metric spec can be one
entry (applies to every output for losses; to the single output for metrics), a list with one entry
per output, or a dict keyed by output name. Entries are resolved on the first batch, since
"crossentropy" and "accuracy" depend on the data's shapes. Names follow Keras: "loss", and with
several outputs "<output>_loss" per output and "<output>_<metric>" per metric.
"""

import torch

from .. import losses as losses_module
from .. import metrics as metrics_module
from .tree import flatten, is_nested


class MeanTracker:
    """Batch-size-weighted running mean of a scalar loss; the count stays on the host so an
    update is one device op and never a sync."""

    def __init__(self, name):
        self.name = name
        self.total = None
        self.count = 0

    def update_state(self, value, sample_weight=1):
        # Keras's Mean signature: custom train_steps call `loss_tracker.update_state(loss)`.
        if not isinstance(value, torch.Tensor):
            value = torch.as_tensor(value)
        value = value.detach()
        if value.dtype is not torch.float32:
            value = value.to(torch.float32)
        if value.dim():  # the mean of a 0-d loss is itself: skip that op
            value = value.mean()
        value = value * float(sample_weight)
        self.total = value if self.total is None else self.total + value
        self.count += float(sample_weight)

    def result(self):
        if self.total is None or self.count == 0:
            return torch.zeros(())
        return self.total / self.count

    def reset_state(self):
        self.total, self.count = None, 0

    @property
    def variables(self):
        return [] if self.total is None else [self.total]


def output_names_for(y_pred, model_names):
    """Names of the flat outputs, in flattening order."""
    if isinstance(y_pred, dict):
        if model_names and set(model_names) == set(y_pred):
            return list(model_names)
        return list(y_pred)
    n = len(flatten(y_pred))
    if model_names and len(model_names) == n:
        return list(model_names)
    return [f"output_{i}" for i in range(n)] if n > 1 else list(model_names or ["output_0"])[:1]


def flatten_outputs(y_pred, names):
    if isinstance(y_pred, dict):
        return [y_pred[n] for n in names]
    return flatten(y_pred)


def flatten_targets(y, names, what="y"):
    """y (tensor / list / dict) -> one entry (or None) per output."""
    n = len(names)
    if y is None:
        return [None] * n
    if isinstance(y, dict):
        unknown = set(y) - set(names)
        if unknown:
            raise ValueError(f"`{what}` has keys {sorted(unknown)} that are not outputs of the "
                             f"model. Expected keys among the output names {names}.")
        return [y.get(name) for name in names]
    if isinstance(y, (list, tuple)):
        if len(y) != n:
            if n == 1 and len(y) == 1:
                return list(y)
            raise ValueError(f"The model has {n} output(s) {names}, but `{what}` holds {len(y)} "
                             f"arrays. Pass one array per output (a list in output order or a "
                             "dict keyed by output name).")
        return list(y)
    if n > 1 and what != "sample_weight":
        raise ValueError(f"The model has {n} outputs {names}, but a single `{what}` array was "
                         "given. Pass one array per output (a list or a dict keyed by output name).")
    return [y] * n


def spec_per_output(spec, names, argument):
    """A compile spec -> one entry per output (None where nothing applies)."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(f"Expected keys {names} in {argument} dict, but found "
                             f"{argument}.keys()={list(spec)}")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) == n:
            return list(spec)
        raise ValueError(f"`{argument}` must have one entry per model output: got {len(spec)} "
                         f"entries for {n} outputs {names}. Received: {argument}={spec}")
    return [spec] * n


class CompileLoss:
    def __init__(self, loss, loss_weights=None, model_output_names=None, reduction="sum_over_batch_size",
                 output_names=None):
        # Keras's own keyword is `output_names`; `reduction` is the losses' own business here.
        model_output_names = model_output_names or output_names
        self.reduction = reduction
        self._user_loss = loss
        self._user_weights = loss_weights
        self._model_names = model_output_names
        self.built = False
        self.output_names = None
        self.losses = []
        self.weights = []
        self.trackers = []
        self._outputs = []  # output index of each entry of `losses`
        self._single = None  # the loss of a single-output model

    def build(self, y_true, y_pred):
        names = output_names_for(y_pred, self._model_names)
        n = len(names)
        if n == 1 and isinstance(self._user_loss, (list, tuple)):
            # Keras applies every entry of a list to the single output (and sums them).
            specs = [list(self._user_loss)]
        elif n == 1 and isinstance(self._user_loss, dict):
            specs = spec_per_output(self._user_loss, names, "loss")
        elif isinstance(y_pred, dict) and isinstance(self._user_loss, dict) and set(self._user_loss) - set(names):
            key = sorted(set(self._user_loss) - set(names))[0]
            raise KeyError(f"The path: ('{key}',) in the `loss` argument, can't be found in either the model's "
                           "output (`y_pred`) or in the labels (`y_true`).")
        else:
            specs = spec_per_output(self._user_loss, names, "loss") if is_nested(
                self._user_loss) else [self._user_loss] * n
        weights = self._user_weights
        if weights is None:
            weights = [None] * n
        elif isinstance(weights, (int, float)):
            weights = [float(weights)] * n
        else:
            weights = spec_per_output(weights, names, "loss_weights")
        flat_true = flatten_targets(y_true, names)
        flat_pred = flatten_outputs(y_pred, names)
        # One entry per (output, loss): an output's spec may be a list of losses, each applied.
        entries = []
        for i, (spec, yt, yp) in enumerate(zip(specs, flat_true, flat_pred)):
            if yt is None:
                continue
            for s in (flatten(spec) if isinstance(spec, (list, tuple)) else [spec]):
                if s is not None:
                    entries.append((i, losses_module.get_loss(s, yt, yp)))
        self.losses = [fn for _, fn in entries]
        self._outputs = [i for i, _ in entries]
        self.weights = [weights[i] for i in self._outputs]
        self.output_names = names
        # y_pred that does not match the model's outputs (a custom compute_loss reshaping it):
        # Keras names each loss's tracker after the loss itself.
        inferred = not isinstance(y_pred, dict) and not (self._model_names and len(self._model_names) == n)
        self.trackers = [MeanTracker(f"{getattr(fn, 'name', None) or names[i] if inferred and n > 1 else names[i]}"
                                     "_loss") if len(entries) > 1 else None
                         for i, fn in entries]
        self._single = self.losses[0] if n == 1 and len(entries) == 1 else None
        self.built = True

    @property
    def metrics(self):
        return [t for t in self.trackers if t is not None]

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        if self._single is not None and type(y_pred) is torch.Tensor and (
                type(y_true) is torch.Tensor
                and (sample_weight is None or type(sample_weight) is torch.Tensor)):
            # One output and plain tensors: what the loop below does for them, without the
            # per-output flattening.
            value = self._single(y_true, y_pred, sample_weight=sample_weight)
            if value.dtype is not torch.float32:
                value = value.to(torch.float32)
            w = self.weights[0]
            return value if w is None else value * w
        names = self.output_names
        flat_true = flatten_targets(y_true, names)
        flat_pred = flatten_outputs(y_pred, names)
        flat_sw = flatten_targets(sample_weight, names, "sample_weight")
        total = None
        for i, fn, w, tracker in zip(self._outputs, self.losses, self.weights, self.trackers):
            yt, yp, sw = flat_true[i], flat_pred[i], flat_sw[i]
            if yt is None:
                continue
            value = fn(yt, yp, sample_weight=sw).to(torch.float32)
            if tracker is not None:
                # tf.keras weights "<output>_loss" by the batch's *static* size, which is None
                # inside its compiled train step: each batch counts once, so with a last partial
                # batch the per-output losses are plain batch means (the total "loss" is not).
                tracker.update_state(value)
            if w is not None:
                value = value * w
            total = value if total is None else total + value
        return total


class CompileMetrics:
    """The compiled metrics of all outputs; `result()` is a dict keyed as Keras keys them."""

    name = "compile_metrics"

    def __init__(self, metrics, weighted_metrics, model_output_names=None, name="compile_metric",
                 output_names=None):
        model_output_names = model_output_names or output_names
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{arg}` argument to be a list, tuple, or dict. "
                                 f"Received instead: {arg}={value} of type {type(value)}")
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self._model_names = model_output_names
        self.built = False
        self._unweighted = []  # (output index, output name or None, metric)
        self._weighted = []
        self._keys = []
        self._single = False  # one output: update without flattening

    def _resolve(self, spec, names, flat_true, flat_pred, argument):
        if not spec:
            return []
        n = len(names)
        if n == 1:
            per_output = [flatten(spec) if is_nested(spec) else [spec]]
        else:
            try:
                per_output = spec_per_output(spec, names, argument)
            except ValueError as e:
                raise ValueError(
                    f"{e}\nInvalid `{argument}`. `{argument}` should contain metrics objects and either be "
                    f"a dict or a list matching the output names of the functional model {names}.\n"
                    f"Received: {argument}={spec}") from e
        out = []
        for i, entry in enumerate(per_output):
            if entry is None:
                continue
            for ident in (flatten(entry) if is_nested(entry) else [entry]):
                m = metrics_module.get(ident, y_true=flat_true[i], y_pred=flat_pred[i])
                out.append((i, names[i] if self._prefixed else None, m))
        return out

    def build(self, y_true, y_pred):
        names = output_names_for(y_pred, self._model_names)
        flat_true = flatten_targets(y_true, names)
        flat_pred = flatten_outputs(y_pred, names)
        self.output_names = names
        # Without output names (a CompileMetrics built on its own, as Keras's tests do) a list of
        # outputs is keyed by the metric's name alone (duplicates numbered); dict keys still prefix.
        self._prefixed = len(names) > 1 and (bool(self._model_names) or isinstance(y_pred, dict))
        self._unweighted = self._resolve(self._user_metrics, names, flat_true, flat_pred,
                                         "metrics")
        self._weighted = self._resolve(self._user_weighted, names, flat_true, flat_pred,
                                       "weighted_metrics")
        self._keys = metrics_module.result_keys([(o, m) for _, o, m in self._unweighted],
                                                [(o, m) for _, o, m in self._weighted])
        self._single = len(names) == 1
        self.built = True

    @property
    def metrics(self):
        return [m for _, _, m in self._unweighted + self._weighted]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        if self._single and type(y_pred) is torch.Tensor and type(y_true) is torch.Tensor:
            # One output, plain tensors: the loop below without flattening y and y_pred.
            sw = (flatten_targets(sample_weight, self.output_names, "sample_weight")[0]
                  if self._weighted else None)
            for _, _, m in self._unweighted:
                m.update_state(y_true, y_pred)
            for _, _, m in self._weighted:
                m.update_state(y_true, y_pred, sample_weight=sw)
            return
        names = self.output_names
        flat_true = flatten_targets(y_true, names)
        flat_pred = flatten_outputs(y_pred, names)
        flat_sw = flatten_targets(sample_weight, names, "sample_weight")
        for i, _, m in self._unweighted:
            if flat_true[i] is not None:
                m.update_state(flat_true[i], flat_pred[i])
        for i, _, m in self._weighted:
            if flat_true[i] is not None:
                m.update_state(flat_true[i], flat_pred[i], sample_weight=flat_sw[i])

    def result(self):
        return {key: m.result() for key, m in zip(self._keys, self.metrics)}

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()
