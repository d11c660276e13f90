import math

from .callback import Callback


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite; with `raise_error=True`, raise
    a RuntimeError instead (so the caller sees the failure at once).

    It reads the loss after every batch, which syncs the host with the device each step."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
