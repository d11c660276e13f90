"""compile(jit_compile=True): the forward + loss of the train / test steps and the predict forward
run through torch.compile. Backward, the optimizer and the metric updates stay eager (they are
cheap, and the torchkeras optimizers keep Keras's exact update rules).

A model that torch.compile cannot handle falls back to eager with one warning, at the first step.
"""

import os
import warnings

import torch

# Tests may pick a cheaper backend ("aot_eager"); users get inductor.
BACKEND_ENV = "TORCHKERAS_COMPILE_BACKEND"


def resolve_jit_compile(jit_compile, run_eagerly=False):
    """Keras's torch backend resolves "auto" to eager: compiling costs seconds per shape and only
    pays back on long runs; `True` asks for it explicitly."""
    if run_eagerly:
        return False
    if jit_compile == "auto":
        return False
    if not isinstance(jit_compile, bool):
        raise ValueError(f"`jit_compile` must be True, False or \"auto\". Received: "
                         f"jit_compile={jit_compile!r}")
    return jit_compile


def _compile_errors():
    return (torch._dynamo.exc.TorchDynamoException, RuntimeError)


class CompiledSteps:
    """Holds the compiled callables of one model; `None` attributes mean eager."""

    def __init__(self, model):
        # A weak hold is not needed: this object lives on the model and dies with it.
        self._model_ref = [model]
        self.failed = False
        backend = os.environ.get(BACKEND_ENV, "inductor")
        # torchkeras RNN layers run the fused nn.LSTM/GRU; dynamo traces them only when allowed.
        torch._dynamo.config.allow_rnn = True
        try:
            self.train_fn = torch.compile(self._train_forward, backend=backend)
            self.test_fn = torch.compile(self._test_forward, backend=backend)
            self.predict_fn = torch.compile(self._predict_forward, backend=backend)
        except Exception as err:  # e.g. a Python version torch.compile does not support
            self._fail(err)

    @property
    def model(self):
        return self._model_ref[0]

    def _train_forward(self, x, y, sample_weight):
        model = self.model
        from torchkeras.trainers.trainer import _call_takes_training
        y_pred = model._forward_module()(x, training=_call_takes_training(type(model)))
        return y_pred, model.compute_loss(x, y, y_pred, sample_weight, training=True)

    def _test_forward(self, x, y, sample_weight):
        model = self.model
        y_pred = model(x, training=False)
        return y_pred, model.compute_loss(x, y, y_pred, sample_weight, training=False)

    def _predict_forward(self, x):
        return self.model(x, training=False)

    def _fail(self, err):
        self.failed = True
        warnings.warn(f"compile(jit_compile=True): torch.compile could not compile model "
                      f"{getattr(self.model, 'name', type(self.model).__name__)!r} "
                      f"({type(err).__name__}: {str(err).strip().splitlines()[0][:300] if str(err).strip() else ''}). "
                      "Falling back to eager execution; pass jit_compile=False to silence this.",
                      UserWarning, stacklevel=4)

    def run(self, name, *args):
        """Run compiled step `name`; on a compile failure warn once and return None (eager)."""
        if self.failed:
            return None
        try:
            return getattr(self, name)(*args)
        except _compile_errors() as err:
            if isinstance(err, RuntimeError) and not _is_compiler_error(err):
                raise
            self._fail(err)
            return None


def _is_compiler_error(err):
    mod = type(err).__module__ or ""
    return mod.startswith("torch._dynamo") or mod.startswith("torch._inductor") or \
        "dynamo" in str(err)[:2000].lower() or "inductor" in str(err)[:2000].lower()
