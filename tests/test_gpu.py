"""CUDA checks (marker `gpu`): skipped with reason "needs CUDA" where no CUDA device exists."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers, mixed_precision

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


@pytest.fixture(autouse=True)
def _no_tf32():
    # Keras's numerics are float32: compare against CPU without TF32 rounding.
    old = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old
    mixed_precision.set_global_policy(None)


def _data(n=128):
    rng = np.random.default_rng(0)
    return rng.random((n, 8), dtype=np.float32), rng.integers(0, 3, n)


def _mlp():
    return keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)),
                             layers.Dense(3, activation="softmax", dtype="float32")])


def test_fit_on_cuda_matches_cpu():
    cpu, gpu = _mlp(), _mlp().cuda()
    gpu.set_weights(cpu.get_weights())
    x, y = _data()
    for m in (cpu, gpu):
        m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        m.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert next(gpu.parameters()).is_cuda
    for a, b in zip(cpu.get_weights(), gpu.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4)


def test_fused_lstm_on_cuda_matches_cpu():
    cpu = keras.Sequential([layers.Embedding(50, 8), layers.LSTM(16), layers.Dense(3)])
    x = np.random.default_rng(0).integers(0, 50, (4, 12))
    ref = cpu.predict(x, verbose=0)
    gpu = cpu.cuda()
    out = gpu(torch.as_tensor(x, device="cuda"))
    assert out.is_cuda
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref, atol=1e-5, rtol=1e-4)


def test_mixed_float16_fit_with_loss_scaling():
    mixed_precision.set_global_policy("mixed_float16")
    model = _mlp().cuda()
    x, y = _data()
    model.compile("adam", "sparse_categorical_crossentropy")
    hist = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
    assert model.layers[0](torch.rand(2, 8, device="cuda")).dtype == torch.float16
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert model._loss_scaler is not None
    assert np.isfinite(hist.history["loss"]).all()


def test_channels_last_conv_on_cuda_matches_cpu():
    cpu = keras.Sequential([layers.Conv2D(8, 3, padding="same", input_shape=(16, 16, 3)),
                            layers.MaxPooling2D(), layers.Conv2D(4, 3)])
    x = np.random.default_rng(0).random((2, 16, 16, 3), dtype=np.float32)
    ref = cpu.predict(x, verbose=0)
    gpu = cpu.cuda()
    out = gpu(torch.as_tensor(x, device="cuda"))
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref, atol=1e-4, rtol=1e-4)


def test_embedding_adam_fit_on_cuda_matches_cpu():
    # The per-occurrence Embedding rows (torchkeras/sparse_grads.py) must be recorded and used on
    # CUDA too: the trained rows of repeated ids differ visibly between the two rules.
    def build():
        return keras.Sequential([layers.Embedding(12, 4), layers.GlobalAveragePooling1D(),
                                 layers.Dense(1, activation="sigmoid")])
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, (64, 10))
    y = (x.mean(1, keepdims=True) > 2).astype("float32")
    cpu, gpu = build(), build()
    cpu(x[:1])
    gpu(x[:1])
    gpu.set_weights(cpu.get_weights())
    gpu.cuda()
    for m in (cpu, gpu):
        m.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
        m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert next(gpu.parameters()).is_cuda
    for a, b in zip(cpu.get_weights(), gpu.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4)


def test_jit_compile_inductor_on_cuda_matches_eager():
    eager, jit = _mlp().cuda(), _mlp().cuda()
    jit.set_weights(eager.get_weights())
    x, y = _data()
    for m, flag in ((eager, False), (jit, True)):
        m.compile("adam", "sparse_categorical_crossentropy", jit_compile=flag)
        m.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(eager.get_weights(), jit.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4)
