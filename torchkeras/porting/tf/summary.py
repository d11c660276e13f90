"""tf.summary: TensorBoard event files for scalars, histograms, images and text."""

import contextlib

import numpy as np
import torch

from torchkeras.porting.tf import _events
from torchkeras.porting.tf._core import Namespace, namespace_getattr

__getattr__ = namespace_getattr("tf.summary")

_state = {"writer": None, "step": None, "record": True}


class SummaryWriter:
    """What tf.summary.create_file_writer returns."""

    def __init__(self, logdir, filename_suffix=None):
        self.logdir, self._suffix, self._file = str(logdir), filename_suffix, None

    def _events(self):
        if self._file is None:
            self._file = _events.EventFileWriter(self.logdir, self._suffix)
        return self._file

    @contextlib.contextmanager
    def as_default(self, step=None):
        previous = (_state["writer"], _state["step"])
        _state["writer"] = self
        if step is not None:
            _state["step"] = int(step)
        try:
            yield self
        finally:
            self.flush()
            _state["writer"], _state["step"] = previous[0], previous[1] if step is not None else _state["step"]

    def set_as_default(self, step=None):
        _state["writer"] = self
        if step is not None:
            _state["step"] = int(step)

    def init(self):
        self._events()

    def flush(self):
        if self._file is not None:
            self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


class _NoopWriter(SummaryWriter):
    def __init__(self):
        super().__init__(None)

    def _events(self):
        return None


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None,
                       experimental_trackable=False, experimental_mesh=None):
    return SummaryWriter(logdir, filename_suffix)


def create_noop_writer():
    return _NoopWriter()


def _numpy(data):
    if isinstance(data, torch.Tensor):
        return data.detach().cpu().numpy()
    if hasattr(data, "numpy"):
        return data.numpy()
    return np.asarray(data)


def _write(name, step, make_value):
    writer = _state["writer"]
    if writer is None or not _state["record"]:
        return False
    step = _state["step"] if step is None else int(_numpy(step))
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument or through "
                         "tf.summary.experimental.set_step()")
    events = writer._events()
    if events is None:
        return False
    events.add_values(make_value(), step)
    return True


def scalar(name, data, step=None, description=None):
    return _write(name, step, lambda: [_events.scalar_value(name, float(_numpy(data)))])


def histogram(name, data, step=None, buckets=None, description=None):
    return _write(name, step, lambda: [_events.histogram_value(name, _numpy(data), buckets)])


def image(name, data, step=None, max_outputs=3, description=None):
    def values():
        imgs = _numpy(data)
        if imgs.ndim != 4:
            raise ValueError(f"Images must be a 4-D tensor [k, h, w, c]; received shape {imgs.shape}.")
        if imgs.dtype != np.uint8:
            imgs = (np.clip(imgs.astype(np.float64), 0, 1) * 255.0 + 0.5).astype(np.uint8)
        n = min(len(imgs), int(max_outputs))
        return [_events.image_value(name if n == 1 else f"{name}/image/{i}", imgs[i]) for i in range(n)]
    return _write(name, step, values)


def text(name, data, step=None, description=None):
    return _write(name, step, lambda: [_events.text_value(name, _numpy(data), description)])


def flush(writer=None, name=None):
    writer = writer or _state["writer"]
    if writer is not None:
        writer.flush()


@contextlib.contextmanager
def record_if(condition):
    previous = _state["record"]
    _state["record"] = bool(condition() if callable(condition) else condition)
    try:
        yield
    finally:
        _state["record"] = previous


def should_record_summaries():
    return _state["writer"] is not None and _state["record"]


def trace_on(graph=True, profiler=False):
    """Accepted; torch has no graph to trace."""


def trace_export(name, step=None, profiler_outdir=None):
    """Accepted; nothing is written."""


def trace_off():
    """Accepted."""


def _set_step(step):
    _state["step"] = None if step is None else int(_numpy(step))


experimental = Namespace("tf.summary.experimental", set_step=_set_step, get_step=lambda: _state["step"],
                         write_raw_pb=None)
