import math

from .callback import Callback


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite.

    It reads the loss after every batch, which syncs the host with the device each step."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
