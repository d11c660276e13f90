"""The report's realistic workloads, each written once per framework with the same ops:

- "resnet": a small ResNet on 32x32x3 images: a 3x3 stem, then three stages of residual blocks
  (conv-BN-relu-conv-BN + Add + relu; widths 8/16/32, a strided 1x1 projection where the shape
  changes): 11 Conv2D, 11 BatchNormalization, 4 Adds, global average pooling, Dense 10.
  Keras runs channels_last (its default); the hand-written torch net is NCHW, as a torch
  engineer writes it.
- "transformer": a one-block Transformer encoder text classifier: token Embedding plus a learned
  positional table, MultiHeadAttention (4 heads x 16), Add + LayerNormalization, a relu
  Dense(128) -> Dense(64) feed-forward, Add + LayerNormalization, average over the sequence,
  Dense 10. Sequences of 64 tokens from a 2000-word vocabulary.

`build_keras(keras, name)` works for torchkeras, Keras 3 and tf.keras alike.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

WIDTHS = (8, 16, 32)
BLOCKS = (2, 1, 1)  # residual blocks per stage
VOCAB, SEQ, D_MODEL, HEADS, FF = 2000, 64, 64, 4, 128
EPS_BN, EPS_LN = 1e-3, 1e-3  # Keras's defaults


def data(name, rows):
    rng = np.random.default_rng(0)
    if name == "resnet":
        x = rng.random((rows, 32, 32, 3), dtype=np.float32)
    else:
        x = rng.integers(1, VOCAB, (rows, SEQ)).astype(np.int64)
    return x, rng.integers(0, 10, rows).astype(np.int64)


def _stages():
    """(in_width, out_width, stride) of every residual block."""
    out, cin = [], WIDTHS[0]
    for i, (w, n) in enumerate(zip(WIDTHS, BLOCKS)):
        for j in range(n):
            out.append((cin, w, 2 if i > 0 and j == 0 else 1))
            cin = w
    return out


def build_keras(keras, name):
    L = keras.layers
    if name == "resnet":
        inp = keras.Input((32, 32, 3))
        x = L.Activation("relu")(L.BatchNormalization(epsilon=EPS_BN)(
            L.Conv2D(WIDTHS[0], 3, padding="same", use_bias=False)(inp)))
        for cin, w, stride in _stages():
            h = L.Conv2D(w, 3, strides=stride, padding="same", use_bias=False)(x)
            h = L.Activation("relu")(L.BatchNormalization(epsilon=EPS_BN)(h))
            h = L.BatchNormalization(epsilon=EPS_BN)(L.Conv2D(w, 3, padding="same", use_bias=False)(h))
            if stride != 1 or cin != w:
                x = L.BatchNormalization(epsilon=EPS_BN)(
                    L.Conv2D(w, 1, strides=stride, use_bias=False)(x))
            x = L.Activation("relu")(L.Add()([x, h]))
        out = L.Dense(10, activation="softmax")(L.GlobalAveragePooling2D()(x))
    else:
        inp = keras.Input((SEQ,), dtype="int64")
        x = _positions(keras)(L.Embedding(VOCAB, D_MODEL)(inp))
        a = L.MultiHeadAttention(num_heads=HEADS, key_dim=D_MODEL // HEADS)(x, x)
        x = L.LayerNormalization(epsilon=EPS_LN)(L.Add()([x, a]))
        f = L.Dense(D_MODEL)(L.Dense(FF, activation="relu")(x))
        x = L.LayerNormalization(epsilon=EPS_LN)(L.Add()([x, f]))
        out = L.Dense(10, activation="softmax")(L.GlobalAveragePooling1D()(x))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _positions(keras):
    class PositionEmbedding(keras.layers.Layer):
        """Adds a learned (SEQ, D_MODEL) table to the token embeddings."""

        def build(self, input_shape):
            self.table = self.add_weight(shape=(SEQ, D_MODEL), initializer="uniform", name="table")

        def call(self, x):
            return x + self.table

    return PositionEmbedding()


class _Block(nn.Module):
    def __init__(self, cin, w, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, w, 3, stride, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(w, eps=EPS_BN, momentum=0.01)
        self.c2 = nn.Conv2d(w, w, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(w, eps=EPS_BN, momentum=0.01)
        self.proj = None
        if stride != 1 or cin != w:
            self.proj = nn.Sequential(nn.Conv2d(cin, w, 1, stride, bias=False),
                                      nn.BatchNorm2d(w, eps=EPS_BN, momentum=0.01))

    def forward(self, x):
        h = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu((x if self.proj is None else self.proj(x)) + h)


class TorchResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, WIDTHS[0], 3, padding=1, bias=False),
                                  nn.BatchNorm2d(WIDTHS[0], eps=EPS_BN, momentum=0.01), nn.ReLU())
        self.blocks = nn.Sequential(*(_Block(*s) for s in _stages()))
        self.fc = nn.Linear(WIDTHS[-1], 10)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


class TorchTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Parameter(torch.empty(SEQ, D_MODEL).uniform_(-0.05, 0.05))
        self.q, self.k, self.v, self.o = (nn.Linear(D_MODEL, D_MODEL) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(D_MODEL, eps=EPS_LN), nn.LayerNorm(D_MODEL, eps=EPS_LN)
        self.ff1, self.ff2 = nn.Linear(D_MODEL, FF), nn.Linear(FF, D_MODEL)
        self.fc = nn.Linear(D_MODEL, 10)

    def forward(self, ids):
        x = self.emb(ids) + self.pos
        b, t, _ = x.shape

        def heads(y):
            return y.view(b, t, HEADS, D_MODEL // HEADS).transpose(1, 2)
        a = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)))
        x = self.ln1(x + self.o(a.transpose(1, 2).reshape(b, t, D_MODEL)))
        x = self.ln2(x + self.ff2(F.relu(self.ff1(x))))
        return self.fc(x.mean(1))


def torch_net(name):
    return TorchResNet() if name == "resnet" else TorchTransformer()


def torch_input(name, x):
    """The hand-written side's input: NCHW images for the ResNet."""
    if name == "resnet":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return torch.from_numpy(x)


def torch_predict(net, xt, batch_size):
    """Hand-written batched inference: eval mode, no_grad, outputs gathered then copied once."""
    def run():
        net.eval()
        with torch.no_grad():
            out = torch.cat([F.softmax(net(xt[i:i + batch_size]), -1)
                             for i in range(0, len(xt), batch_size)])
        net.train()
        return out.numpy()
    return run
