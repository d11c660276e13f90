import torch

from .callback import Callback


class SwapEMAWeights(Callback):
    """Evaluate and predict with the optimizer's exponential moving average of the weights
    (`use_ema=True`), training on the raw ones. With `swap_on_epoch=True`, the EMA weights are
    also in the model between epochs (so checkpoints save them), and at the end of training.

    Unlike Keras 3.15 (whose `on_predict_end` tests the flag the wrong way round and leaves the
    EMA weights in place after `predict`), the raw weights come back after every predict."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        inner = getattr(optimizer, "optimizers", None)
        if inner is not None:
            chosen = [opt for opt in inner if getattr(opt, "use_ema", False)]
            if not chosen:
                raise ValueError("SwapEMAWeights must be used when at least one inner optimizer "
                                 "has `use_ema=True` set. Received a MultiOptimizer with all "
                                 "inner optimizers having `use_ema=False`.")
            return chosen
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                             f"optimizer. Received: use_ema={getattr(optimizer, 'use_ema', None)}")
        return [optimizer]

    @staticmethod
    def _pairs(optimizer):
        return [(p, optimizer.state[p]["average"]) for p in optimizer._params
                if "average" in optimizer.state[p]]

    def _swap_variables(self):
        with torch.no_grad():
            for opt in self._ema_optimizers():
                for p, average in self._pairs(opt):
                    raw = p.detach().clone()
                    p.copy_(average)
                    average.copy_(raw)

    def _finalize_ema_values(self):
        with torch.no_grad():
            for opt in self._ema_optimizers():
                for p, average in self._pairs(opt):
                    average.copy_(p)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params.get("epochs", 0) - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end
