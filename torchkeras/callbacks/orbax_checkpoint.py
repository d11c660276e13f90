from .monitor_callback import MonitorCallback


class OrbaxCheckpoint(MonitorCallback):
    """Keras's Orbax (JAX checkpointing library) callback. torchkeras has no Orbax backend:
    constructing it fails as Keras does without the `orbax-checkpoint` package. Use
    `ModelCheckpoint` (or `BackupAndRestore`) instead; both write real Keras files."""

    def __init__(self, directory, monitor="val_loss", verbose=0, save_best_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None,
                 max_to_keep=1, save_on_background=True, save_weights_only=False):
        raise ImportError("OrbaxCheckpoint requires the 'orbax-checkpoint' package, which "
                          "torchkeras does not support (Orbax checkpoints JAX arrays). Use "
                          "keras.callbacks.ModelCheckpoint or BackupAndRestore instead.")
