"""Placeholder until the training loop lands (owned by the trainer work)."""


class Trainer:
    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
