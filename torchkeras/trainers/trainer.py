"""Trainer: Keras 3's compile / fit / evaluate / predict as a mixin of Model (Model = Trainer + Layer).

The loop is plain torch: batches go to the model's device once, one step is zero_grad, forward
(training=True), loss, backward, optimizer step, constraints. Metrics accumulate on the device;
the host reads them only when the progress bar redraws, a callback asks, and at each epoch's end.
"""

import warnings

import torch

from .. import optimizers as optimizers_module
from ..callbacks.callback_list import CallbackList
from ..mixed_precision.scaling import scaler_for
from . import data_adapter as da
from . import host_memory
from .compile_utils import CompileLoss, CompileMetrics, MeanTracker
from .compiled_steps import CompiledSteps, resolve_jit_compile
from .device import place_model
from .epoch_iterator import EpochIterator
from .loops import evaluate_loop, fit_loop, on_batch, predict_loop
from .predict_fast import NOT_SINGLE_BATCH, predict_single_batch

_KERAS2_COMPILE_ARGS = ("sample_weight_mode", "target_tensors", "experimental_run_tf_function",
                        "distribute")
_warned = set()


def _warn_once(key, message):
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, stacklevel=3)


class Trainer:
    def __init__(self, *args, **kwargs):
        # Keras's Trainer is a mixin any Layer can take (`class M(Trainer, layers.Dense)`, whose
        # __init__ calls `Trainer.__init__(self)` after the layer's own): with no arguments it only
        # sets up the training state. Model passes the Layer's arguments on through it.
        if args or kwargs:
            super().__init__(*args, **kwargs)
        self._init_trainer()

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.stop_training = False
        self.stop_evaluating = False
        self.stop_predicting = False
        self.history = None
        self._run_eagerly = False
        self._jit_compile = False
        self.steps_per_execution = 1
        self._compile_config = None

    # -- compile -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        for key in list(kwargs):
            if key in _KERAS2_COMPILE_ARGS:
                _warn_once(key, f"compile(): `{key}` is a Keras 2 argument that Keras 3 removed; "
                                "torchkeras ignores it.")
                kwargs.pop(key)
        if kwargs:
            raise TypeError(f"compile() got an unexpected keyword argument(s) {sorted(kwargs)}.")
        if isinstance(optimizer, torch.optim.Optimizer) and not isinstance(
                optimizer, optimizers_module.Optimizer):
            self.optimizer = optimizer  # a plain torch optimizer, already bound to parameters
        else:
            self.optimizer = optimizers_module.get(optimizer)
        self._run_eagerly = bool(run_eagerly)
        self.jit_compile = resolve_jit_compile(jit_compile, self._run_eagerly)
        self._auto_scale_loss = bool(auto_scale_loss)
        self.steps_per_execution = steps_per_execution
        names = self._model_output_names()
        self.loss = loss
        self._compile_loss = CompileLoss(loss, loss_weights, names) if loss is not None else None
        self._compile_metrics = (CompileMetrics(metrics, weighted_metrics, names)
                                 if metrics or weighted_metrics else None)
        self._loss_tracker = MeanTracker("loss")
        place_model(self)  # CUDA when available, as Keras places variables (see device.py)
        self.compiled = True
        self._compile_config = dict(optimizer=optimizer, loss=loss, loss_weights=loss_weights,
                                    metrics=metrics, weighted_metrics=weighted_metrics,
                                    run_eagerly=run_eagerly,
                                    steps_per_execution=steps_per_execution,
                                    jit_compile=jit_compile)

    def _model_output_names(self):
        try:
            names = self.output_names
        except Exception:  # an unbuilt subclassed model may not know its outputs yet
            return None
        return list(names) if names else None

    @property
    def run_eagerly(self):
        return getattr(self, "_run_eagerly", False)

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)

    @property
    def jit_compile(self):
        return getattr(self, "_jit_compile", False)

    @jit_compile.setter
    def jit_compile(self, value):
        self._jit_compile = bool(value)
        self.__dict__["_compiled_steps"] = CompiledSteps(self) if value else None

    def get_compile_config(self):
        return dict(self._compile_config) if getattr(self, "_compile_config", None) else None

    def compile_from_config(self, config):
        self.compile(**config)

    def _assert_compile_called(self, method_name=None):
        if not getattr(self, "compiled", False):
            raise ValueError("You must call `compile()` before using the model.")

    # -- metrics -----------------------------------------------------------------------------
    @property
    def metrics(self):
        out = []
        if getattr(self, "compiled", False):
            out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        # Keras also lists the Metric objects a subclassed model holds as attributes
        # (`self.loss_tracker = Mean(...)`), so fit resets them each epoch.
        from ..metrics import Metric
        seen = {id(m) for m in out}
        for value in list(vars(self).values()):
            for m in (value if isinstance(value, (list, tuple)) else (value,)):
                if isinstance(m, Metric) and id(m) not in seen:
                    seen.add(id(m))
                    out.append(m)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """Current metric values as a dict of on-device scalars (Keras's order)."""
        out = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return out

    def _flatten_metrics_in_order(self, logs):
        names = []
        for m in self.metrics:
            sub = getattr(m, "metrics", None)
            names.extend(s.name for s in sub) if isinstance(m, CompileMetrics) else names.append(m.name)
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        return results[0] if len(results) == 1 else results

    # -- loss --------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Compiled loss (weighted sum over outputs) plus the model's own losses."""
        total = None
        if self._compile_loss is not None and y is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            extra = extra.to(torch.float32).sum()
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()` (and "
                             "targets `y` to fit), or add losses with `add_loss()`.")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _update_compiled_metrics(self, y, y_pred, sample_weight):
        if self._compile_metrics is not None and y is not None:
            with torch.no_grad():
                self._compile_metrics.update_state(y, y_pred, sample_weight)

    # -- steps -------------------------------------------------------------------------------
    def _constrained_weights(self):
        return [v for v in self.trainable_weights if getattr(v, "constraint", None) is not None]

    def _prepare_optimizer(self):
        opt = self.optimizer
        if isinstance(opt, optimizers_module.Optimizer):
            weights = self.trainable_weights
            # Plain torch modules inside a Keras model have no Keras weight view: train them too.
            covered = {id(getattr(v, "param", v)) for v in weights}
            extra = [p for p in self.parameters() if p.requires_grad and id(p) not in covered]
            opt.build(weights + extra)
            # The torchkeras optimizers apply constraints themselves, after the update (as Keras).
            self._constraint_vars = []
        else:
            self._constraint_vars = self._constrained_weights()
        self.__dict__["_loss_scaler"] = scaler_for(self, getattr(self, "_auto_scale_loss", True))

    def _train_step(self, data):
        """One optimisation step; updates the trackers, returns nothing (no host sync)."""
        x, y, sample_weight = da.unpack_x_y_sample_weight(data)
        y_pred, loss = self._forward_and_loss(x, y, sample_weight, True)
        self._loss_tracker.update_state(loss, da.num_samples(x))
        if not getattr(self, "_optimizer_ready", False):
            self._prepare_optimizer()
            self._optimizer_ready = True
            # Module.zero_grad walks every submodule each step; the parameters are fixed by now.
            self.__dict__["_zero_grad_params"] = (
                list(self.parameters()) if type(self).zero_grad is torch.nn.Module.zero_grad
                else None)
        params = self.__dict__.get("_zero_grad_params")
        if params is None:
            self.zero_grad(set_to_none=True)
        else:
            for p in params:
                p.grad = None
        if loss.requires_grad:
            self._backward_and_step(loss)
        elif not self.trainable_weights:
            _warn_once("no_trainable", "The model does not have any trainable weights.")
        if self._constraint_vars:
            with torch.no_grad():
                for v in self._constraint_vars:
                    v.assign(v.constraint(v.value))
        self._update_compiled_metrics(y, y_pred, sample_weight)

    def train_step(self, data):
        """Keras's overridable step: runs one step and returns the metric results."""
        self._train_step(data)
        return self.get_metrics_result()

    def _test_step(self, data):
        x, y, sample_weight = da.unpack_x_y_sample_weight(data)
        y_pred, loss = self._forward_and_loss(x, y, sample_weight, False)
        self._loss_tracker.update_state(loss, da.num_samples(x))
        self._update_compiled_metrics(y, y_pred, sample_weight)

    def test_step(self, data):
        self._test_step(data)
        return self.get_metrics_result()

    def predict_step(self, data):
        x, _, _ = da.unpack_x_y_sample_weight(data)
        steps = self.__dict__.get("_compiled_steps")
        if steps is not None:
            out = steps.run("predict_fn", x)
            if out is not None:
                return out
        return self(x, training=False)

    # -- hooks for torch.compile (compiled_steps.py), DDP (distribution/), loss scaling ------
    def _forward_module(self):
        """The module the train forward runs through: the DDP wrapper under torchrun."""
        return self.__dict__.get("_ddp_module") or self

    def _forward_and_loss(self, x, y, sample_weight, training):
        steps = self.__dict__.get("_compiled_steps")
        if steps is not None:
            out = steps.run("train_fn" if training else "test_fn", x, y, sample_weight)
            if out is not None:
                return out
        # Keras calls self(x) with no training flag when call() has no `training` parameter, so such a
        # subclassed model's Dropout/BatchNorm run in inference mode even inside fit.
        flag = training and _call_takes_training(type(self))
        y_pred = (self._forward_module() if training else self)(x, training=flag)
        if _compute_loss_takes_training(type(self)):
            return y_pred, self.compute_loss(x, y, y_pred, sample_weight, training=training)
        # an override written without `training` (Keras only passes it when the signature has it)
        return y_pred, self.compute_loss(x, y, y_pred, sample_weight)

    def _backward_and_step(self, loss):
        scaler = self.__dict__.get("_loss_scaler")
        if scaler is None:
            if getattr(self.optimizer, "loss_scale_factor", None) is not None:
                # Keras scales the loss it differentiates (not the tracked one); apply() unscales.
                loss = self.optimizer.scale_loss(loss)
            loss.backward()
            self.optimizer.step()
        else:
            scaler.backward_and_step(loss, self.optimizer)

    def _data_device(self):
        dev = self._device() if hasattr(self, "_device") else None
        if dev is None:
            for p in self.parameters():
                return p.device
        return dev

    # -- public loops ------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for `epochs` epochs; returns a History whose `.history` holds the epoch logs."""
        if "nb_epoch" in kwargs:
            _warn_once("nb_epoch", "The `nb_epoch` argument in `fit` has been renamed `epochs`.")
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"fit() got an unexpected keyword argument(s) {sorted(kwargs)}.")
        self._assert_compile_called("fit")
        host_memory.tune_for(self)
        return fit_loop(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                        validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                        steps_per_epoch, validation_steps, validation_batch_size, validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on the data: a scalar, a list [loss, *metrics] or a dict."""
        if kwargs:
            raise TypeError(f"evaluate() got an unexpected keyword argument(s) {sorted(kwargs)}.")
        self._assert_compile_called("evaluate")
        host_memory.tune_for(self)
        iterator = EpochIterator(x, y, sample_weight, batch_size, steps, shuffle=False,
                                 device=self._data_device())
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=iterator.steps)
        logs = evaluate_loop(self, iterator, callbacks)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs as numpy arrays (a list / dict of them for several outputs)."""
        host_memory.tune_for(self)
        out = predict_single_batch(self, x, batch_size, verbose, steps, callbacks)
        if out is not NOT_SINGLE_BATCH:
            return out
        iterator = EpochIterator(x, None, None, batch_size, steps, shuffle=False,
                                 device=self._data_device())
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=iterator.steps)
        return predict_loop(self, iterator, callbacks)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One optimisation step on one batch; returns the loss and metrics of that batch."""
        self._assert_compile_called("train_on_batch")
        return on_batch(self, "train", x, y, sample_weight, class_weight, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compile_called("test_on_batch")
        return on_batch(self, "test", x, y, sample_weight, None, return_dict)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(da.num_samples(da.to_torch_structure(x)) or 1, 1),
                            verbose=0)

    def _run_train_step(self, batch):
        """The loop's step: the fast path, or a user's `train_step` override (returns logs)."""
        if type(self).train_step is Trainer.train_step:
            self._train_step(batch)
            return None
        return self.train_step(batch)

    def _run_test_step(self, batch):
        if type(self).test_step is Trainer.test_step:
            self._test_step(batch)
            return None
        return self.test_step(batch)


def _call_takes_training(cls):
    """Whether `cls.call` names a `training` parameter (`**kwargs` does not count, as in Keras)."""
    cached = cls.__dict__.get("_call_takes_training")
    if cached is None:
        import inspect
        call = getattr(cls, "call", None) or cls.forward  # plain nn.Module stand-ins use forward
        cached = "training" in inspect.signature(call).parameters
        setattr(cls, "_call_takes_training", cached)
    return cached


_COMPUTE_LOSS_TRAINING = {}


def _compute_loss_takes_training(cls):
    known = _COMPUTE_LOSS_TRAINING.get(cls)
    if known is None:
        import inspect

        params = inspect.signature(cls.compute_loss).parameters
        known = "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        _COMPUTE_LOSS_TRAINING[cls] = known
    return known
