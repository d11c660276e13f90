"""A minimal stand-in for torchkeras's Model: what the Trainer mixin needs, nothing more."""

import numpy as np
import torch
from torch import nn

from torchkeras.trainers import Trainer


class TinyModel(Trainer, nn.Module):
    def __init__(self, n_in=4, n_out=1, activation=None, outputs=None):
        nn.Module.__init__(self)
        self._init_trainer()
        torch.manual_seed(0)
        self.lin = nn.Linear(n_in, n_out)
        self.activation = activation
        self.name = "tiny"
        self._outputs = outputs
        self.extra_losses = []

    def forward(self, x, training=None):
        if isinstance(x, dict):
            x = x["a"] + x["b"]
        elif isinstance(x, (list, tuple)):
            x = x[0] + x[1]
        y = self.lin(x)
        if self.activation == "sigmoid":
            y = torch.sigmoid(y)
        if self._outputs == "list":
            return [y, y * 2]
        return y

    @property
    def output_names(self):
        return ["dense", "dense_1"] if self._outputs == "list" else ["dense"]

    @property
    def losses(self):
        return list(self.extra_losses)

    @property
    def trainable_weights(self):
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def weights(self):
        return list(self.parameters())

    def _device(self):
        return next(self.parameters()).device

    def get_weights(self):
        return [p.detach().cpu().numpy().copy() for p in self.parameters()]

    def set_weights(self, weights):
        with torch.no_grad():
            for p, w in zip(self.parameters(), weights):
                p.copy_(torch.as_tensor(np.asarray(w)))


def regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    w = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")
    return x, x @ w + 0.1
