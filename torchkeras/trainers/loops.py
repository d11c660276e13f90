"""The fit / evaluate / predict loops behind Trainer (kept apart to keep each file short)."""

import numbers

import numpy as np
import torch

from torchkeras import config

from ..callbacks.callback_list import CallbackList, pythonify_logs
from ..distribution.runtime import fit_context
from ..ops.core import convert_to_numpy
from . import data_adapter as da
from .epoch_iterator import EpochIterator
from .mode import set_mode
from .tree import flatten, map_structure

# Predictions are gathered on the device and moved to the host in chunks of about this size.
_PREDICT_FLUSH_BYTES = 256 << 20


def _logs_fn(model, step_logs):
    if step_logs is not None:
        return lambda: step_logs
    return model.get_metrics_result


def _batch_hooks(callbacks, mode):
    """Whether the per-batch hooks of `mode` can do anything: a plain CallbackList without a
    progress bar or a callback overriding them skips them (each is a few microseconds)."""
    return type(callbacks) is not CallbackList or callbacks.needs_batch_hooks(mode)


def _check_validation_split(validation_split):
    if not isinstance(validation_split, numbers.Real) or not 0.0 <= validation_split < 1.0:
        raise ValueError("`validation_split` must be a float in the range [0, 1): the fraction of "
                         f"the data (its last rows) held out. Received: "
                         f"validation_split={validation_split!r}")


def _check_validation_freq(freq):
    if isinstance(freq, bool) or not isinstance(freq, (int, list, tuple, set)) or (
            isinstance(freq, int) and freq < 1):
        raise ValueError("Expected `validation_freq` to be a list or a positive int. Received: "
                         f"validation_freq={freq!r} of the type {type(freq)}.")


def _should_eval(epoch, freq):
    epoch += 1
    return epoch % freq == 0 if isinstance(freq, int) else epoch in freq


def fit_loop(model, x, y, batch_size, epochs, verbose, callbacks, validation_split,
             validation_data, shuffle, class_weight, sample_weight, initial_epoch,
             steps_per_epoch, validation_steps, validation_batch_size, validation_freq):
    _check_validation_split(validation_split)
    _check_validation_freq(validation_freq)
    if config.max_epochs():  # keras.config.set_max_epochs caps every fit
        epochs = min(epochs, config.max_epochs())
    device = model._data_device()
    if validation_split and validation_data is None:
        if not da.is_array_structure(x):
            raise ValueError("`validation_split` is only supported for tensors or NumPy arrays; "
                             f"received x of type {type(x).__name__}. Pass `validation_data` "
                             "instead.")
        arrays = tuple(da.to_torch_structure(a) for a in (x, y, sample_weight))
        da.check_cardinality(*arrays)
        (x, y, sample_weight), validation_data = da.train_validation_split(arrays,
                                                                           validation_split)
    train_iter = EpochIterator(x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
                               class_weight, device)
    val_iter = None
    if validation_data is not None:
        if isinstance(validation_data, (tuple, list)) and 2 <= len(validation_data) <= 3:
            vx, vy, vsw = da.unpack_x_y_sample_weight(tuple(validation_data))
        else:
            vx, vy, vsw = validation_data, None, None
        val_iter = EpochIterator(vx, vy, vsw, validation_batch_size or batch_size,
                                 validation_steps, False, None, device)
    dist_ctx = fit_context(model)  # None unless launched by torchrun (distribution/)
    if dist_ctx is not None:
        train_iter, val_iter, verbose, callbacks = dist_ctx.wrap(train_iter, val_iter, verbose,
                                                                 callbacks)
    if not isinstance(callbacks, CallbackList):
        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                 model=model, verbose=verbose, epochs=epochs,
                                 steps=train_iter.steps)
    was_training = model.training
    model.stop_training = False
    model._optimizer_ready = False
    training_logs = None
    model._initial_epoch = None
    callbacks.on_train_begin()
    # BackupAndRestore sets the epoch to resume from in on_train_begin (Keras's protocol).
    initial_epoch = model._initial_epoch or initial_epoch
    model._initial_epoch = None
    try:
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            set_mode(model, True)
            step_logs, steps = None, 0
            hooks = _batch_hooks(callbacks, "train")
            for step, batch in train_iter:
                if hooks:
                    callbacks.on_train_batch_begin(step)
                step_logs = model._run_train_step(batch)
                if hooks:
                    callbacks.on_train_batch_end(step, _logs_fn(model, step_logs))
                steps += 1
                if model.stop_training:
                    break
            if steps == 0:
                if epoch > initial_epoch:
                    da.warn_out_of_data()
                    break
                raise ValueError("Expected input data to be non-empty: the training data "
                                 "yielded no batch.")
            if dist_ctx is not None:
                dist_ctx.sync_metrics()
            epoch_logs = pythonify_logs(step_logs if step_logs is not None
                                        else model.get_metrics_result())
            if val_iter is not None and _should_eval(epoch, validation_freq):
                val_logs = evaluate_loop(model, val_iter, callbacks)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if model.stop_training or train_iter.exhausted:
                break
        # Keras: with use_ema, the trained variables end as their moving averages.
        finalize = getattr(model.optimizer, "finalize_variable_values", None)
        if finalize is not None and epochs > 0:
            finalize(model.trainable_weights)
    finally:
        set_mode(model, was_training)
        if dist_ctx is not None:
            dist_ctx.close()
    callbacks.on_train_end(training_logs)
    history = callbacks._history
    model.history = history
    return history


def evaluate_loop(model, iterator, callbacks):
    was_training = model.training
    set_mode(model, False, use_eval=True)
    model.reset_metrics()
    model.stop_evaluating = False
    callbacks.on_test_begin()
    step_logs = None
    try:
        hooks = _batch_hooks(callbacks, "test")
        with torch.no_grad():
            for step, batch in iterator:
                if hooks:
                    callbacks.on_test_batch_begin(step)
                step_logs = model._run_test_step(batch)
                if hooks:
                    callbacks.on_test_batch_end(step, _logs_fn(model, step_logs))
                if model.stop_evaluating:  # set by a callback (Keras 3.11+)
                    break
        if "_dist_ctx" in model.__dict__:
            model.__dict__["_dist_ctx"].sync_metrics()
    finally:
        set_mode(model, was_training)
    logs = pythonify_logs(step_logs if step_logs is not None else model.get_metrics_result())
    callbacks.on_test_end(logs)
    return logs


def _to_numpy(chunks):
    if len(chunks) == 1:  # already a fresh tensor of its own (torch.cat copied it)
        return convert_to_numpy(chunks[0])
    return np.concatenate([convert_to_numpy(c) for c in chunks], axis=0) if chunks else np.zeros((0,))


def predict_loop(model, iterator, callbacks):
    was_training = model.training
    set_mode(model, False, use_eval=True)
    model.stop_predicting = False
    callbacks.on_predict_begin()
    structure, device_parts, host_parts, pending = None, [], [], 0
    hooks = _batch_hooks(callbacks, "predict")
    try:
        with torch.no_grad():
            for step, batch in iterator:
                if hooks:
                    callbacks.on_predict_batch_begin(step)
                out = model.predict_step(batch)
                flat = flatten(out)
                if structure is None:
                    structure = out
                    device_parts = [[] for _ in flat]
                    host_parts = [[] for _ in flat]
                for i, t in enumerate(flat):
                    device_parts[i].append(t.detach())
                    pending += t.numel() * t.element_size()
                if pending >= _PREDICT_FLUSH_BYTES:
                    for d, h in zip(device_parts, host_parts):
                        h.append(torch.cat(d).cpu())
                        d.clear()
                    pending = 0
                if hooks:
                    callbacks.on_predict_batch_end(step, {"outputs": out})
                if model.stop_predicting:
                    break
    finally:
        set_mode(model, was_training)
    callbacks.on_predict_end()
    if structure is None:
        raise ValueError("Expected input data to be non-empty: predict() received no batch.")
    for d, h in zip(device_parts, host_parts):
        if d:
            h.append(torch.cat(d).cpu())
    arrays = iter([_to_numpy(h) for h in host_parts])
    return map_structure(lambda _: next(arrays), structure)


def on_batch(model, mode, x, y, sample_weight, class_weight, return_dict):
    """train_on_batch / test_on_batch: one step; metrics cover that batch only."""
    if class_weight is not None and sample_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    x, y, sw = (da.to_device(da.to_torch_structure(a), model._data_device())
                for a in (x, y, sample_weight))
    if class_weight is not None and y is not None:
        sw = da.ClassWeighter(class_weight)(y)
    batch = (x, y, sw) if sw is not None else ((x, y) if y is not None else (x,))
    model.reset_metrics()
    was_training = model.training
    try:
        if mode == "train":
            set_mode(model, True)
            model._optimizer_ready = False
            step_logs = model._run_train_step(batch)
        else:
            set_mode(model, False, use_eval=True)
            with torch.no_grad():
                step_logs = model._run_test_step(batch)
    finally:
        set_mode(model, was_training)
    logs = pythonify_logs(step_logs if step_logs is not None else model.get_metrics_result())
    return logs if return_dict else model._flatten_metrics_in_order(logs)
