"""Numeric preprocessing layers: Normalization (adapt from every data source), Discretization,
CategoryEncoding, STFTSpectrogram, MelSpectrogram. Expected values are numpy formulas."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

RNG = np.random.default_rng(0)
DATA = RNG.normal(3.0, 2.0, size=(64, 5)).astype("float32")


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, size):
        super().__init__()
        self.x, self.size = x, size

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        part = self.x[i * self.size:(i + 1) * self.size]
        return part, np.zeros(len(part))


def _generator():
    for i in range(0, 64, 10):
        yield DATA[i:i + 10]


@pytest.mark.parametrize("source", ["array", "tensor", "list_of_batches", "generator", "pydataset", "dataloader"])
def test_normalization_adapt_sources(source):
    data = {"array": lambda: DATA, "tensor": lambda: torch.from_numpy(DATA),
            "list_of_batches": lambda: [DATA[:20], DATA[20:]], "generator": _generator,
            "pydataset": lambda: _Batches(DATA, 16),
            "dataloader": lambda: torch.utils.data.DataLoader(torch.from_numpy(DATA), batch_size=7)}[source]()
    layer = layers.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(_np(layer.adapt_mean), DATA.mean(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(layer.adapt_variance), DATA.var(0), rtol=1e-4, atol=1e-5)
    x = DATA[:4]
    np.testing.assert_allclose(_np(layer(x)), (x - DATA.mean(0)) / np.sqrt(DATA.var(0)), rtol=1e-4, atol=1e-4)


def test_normalization_axes_and_invert():
    data = RNG.normal(size=(10, 4, 3)).astype("float32")
    layer = layers.Normalization(axis=None)
    layer.adapt(data)
    np.testing.assert_allclose(_np(layer(data)), (data - data.mean()) / data.std(), rtol=1e-4, atol=1e-5)
    layer = layers.Normalization(axis=(1, 2))
    layer.adapt(data)
    assert tuple(layer.mean.shape) == (1, 4, 3)
    inverse = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    np.testing.assert_allclose(_np(inverse(np.ones((2, 3), "float32"))), [[3.0, 3.0, 3.5]] * 2)
    layer = layers.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(_np(layer(np.array([[1.0], [3.0]], "float32"))), [[-2 / np.sqrt(2)], [0.0]], rtol=1e-6)


def test_normalization_weights_and_saving(tmp_path):
    layer = layers.Normalization()
    layer.adapt(DATA)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    model = keras.Sequential([keras.Input(shape=(5,)), layer])
    path = str(tmp_path / "n.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(_np(loaded(DATA[:3])), _np(model(DATA[:3])))


def test_normalization_refusals():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="empty iterable"):
        layers.Normalization().adapt(iter([]))
    with pytest.raises(ValueError, match="empty data"):
        layers.Normalization().adapt(np.zeros((0, 3), "float32"))
    with pytest.raises(ValueError, match="range \\[-ndim, ndim\\)"):
        layers.Normalization(axis=3).adapt(DATA)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_bounds(mode):
    bounds = [0.0, 1.0, 2.5]
    x = np.array([[-1.0, 0.0, 0.5], [1.0, 2.5, 9.0]], "float32")
    ids = np.digitize(x, bounds)
    out = _np(layers.Discretization(bin_boundaries=bounds, output_mode=mode)(x))
    if mode == "int":
        np.testing.assert_array_equal(out, ids)
        return
    onehot = np.eye(4)[ids]
    expected = {"one_hot": onehot, "multi_hot": onehot.max(1), "count": onehot.sum(1)}[mode]
    np.testing.assert_array_equal(out, expected)


def test_discretization_adapt_learns_quantiles():
    data = np.arange(1000, dtype="float32")
    layer = layers.Discretization(num_bins=4, epsilon=0.001)
    layer.adapt(data)
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(data, [0.25, 0.5, 0.75]), rtol=0.01)
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.Discretization(bin_boundaries=[0.0]).adapt(data)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding(mode):
    ids = np.array([[0, 1, 1], [3, 3, 2]])
    out = _np(layers.CategoryEncoding(num_tokens=4, output_mode=mode)(ids))
    onehot = np.eye(4)[ids]
    expected = {"one_hot": onehot, "multi_hot": onehot.max(1), "count": onehot.sum(1)}[mode]
    np.testing.assert_array_equal(out, expected)
    weights = np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 3.0]], "float32")
    counted = _np(layers.CategoryEncoding(num_tokens=4, output_mode="count")(ids, count_weights=weights))
    np.testing.assert_allclose(counted, [[0.5, 3.0, 0, 0], [0, 0, 3.0, 2.0]])
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()


def test_stft_spectrogram_matches_numpy_dft():
    x = RNG.normal(size=(2, 64, 1)).astype("float32")
    layer = layers.STFTSpectrogram(mode="magnitude", frame_length=16, frame_step=8, scaling=None, window=None)
    out = _np(layer(x))
    frames = np.stack([x[:, i:i + 16, 0] for i in range(0, 64 - 16 + 1, 8)], axis=1)
    expected = np.abs(np.fft.rfft(frames, n=16, axis=-1))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert layer.compute_output_shape((2, 64, 1)) == out.shape


def test_mel_spectrogram_power_matches_numpy():
    x = RNG.normal(size=(1, 128)).astype("float32")
    layer = layers.MelSpectrogram(fft_length=32, sequence_stride=16, num_mel_bins=6, sampling_rate=8000,
                                  power_to_db=False, window=None)
    out = _np(layer(x))
    padded = np.pad(x[0], 16, mode="reflect")
    frames = np.stack([padded[i:i + 32] for i in range(0, len(padded) - 32 + 1, 16)])
    power = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
    from torchkeras.layers.preprocessing.mel_spectrogram import linear_to_mel_weight_matrix
    mel = linear_to_mel_weight_matrix(6, 17, 8000, 20.0, 4000).numpy()
    np.testing.assert_allclose(out[0], (power @ mel).T, rtol=1e-3, atol=1e-3)
    assert out.shape[1:] == layer.compute_output_shape((1, 128))[1:]
