"""keras.utils dataset builders: timeseries_dataset_from_array, split_dataset and the
*_dataset_from_directory functions, checked against numpy-computed expectations."""

import os
import wave

import numpy as np
import pytest
import torch

import torchkeras as keras

Image = pytest.importorskip("PIL.Image")


def _as_np(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


# -- timeseries -----------------------------------------------------------------------------------
def test_timeseries_windows_and_targets():
    data, targets = np.arange(100), np.arange(100) * 10
    ds = keras.utils.timeseries_dataset_from_array(data, targets, sequence_length=5, sequence_stride=3,
                                                   sampling_rate=2, batch_size=4, start_index=10)
    xs, ys = zip(*[(_as_np(x), _as_np(y)) for x, y in ds])
    x, y = np.concatenate(xs), np.concatenate(ys)
    starts = np.arange(0, 100 - 10 - 4 * 2, 3)
    np.testing.assert_array_equal(x, np.stack([data[10 + s:10 + s + 10:2] for s in starts]))
    np.testing.assert_array_equal(y, targets[10 + starts])
    assert xs[0].shape == (4, 5)


def test_timeseries_shuffle_is_a_permutation_and_unbatched():
    data = np.random.rand(30, 2).astype("float32")
    ds = keras.utils.timeseries_dataset_from_array(data, None, sequence_length=4, batch_size=None, shuffle=True,
                                                   seed=3)
    windows = [_as_np(w) for w in ds]
    assert windows[0].shape == (4, 2) and windows[0].dtype == np.float32
    firsts = sorted(float(w[0, 0]) for w in windows)
    assert firsts == sorted(float(v) for v in data[:27, 0])


@pytest.mark.parametrize("kwargs, message", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(end_index=200), "`end_index` must be lower than the length"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
    (dict(sequence_stride=0), "`sequence_stride` must be higher than 0"),
    (dict(format="x"), '`format` should be either "tf" or "grain"'),
])
def test_timeseries_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.utils.timeseries_dataset_from_array(np.arange(100), None, sequence_length=3, **kwargs)


# -- split_dataset --------------------------------------------------------------------------------
def test_split_dataset_arrays_and_tf_dataset():
    x, y = np.random.rand(10, 3), np.arange(10)
    left, right = keras.utils.split_dataset((x, y), left_size=0.3, preferred_backend="tensorflow")
    lx = np.stack([_as_np(a) for a, _ in left])
    np.testing.assert_allclose(lx, x[:3])
    assert [int(b) for _, b in right] == list(range(3, 10))
    from torchkeras.porting.tf.data import Dataset
    left, right = keras.utils.split_dataset(Dataset.from_tensor_slices(x).batch(4), right_size=2)
    assert [tuple(b.shape) for b in right] == [(2, 3)]
    left, right = keras.utils.split_dataset(x, left_size=4)
    assert isinstance(left, torch.utils.data.Dataset) and len(left) == 4 and len(right) == 6


@pytest.mark.parametrize("kwargs, error", [
    (dict(), ValueError), (dict(left_size=1.5), ValueError), (dict(left_size="a"), TypeError),
    (dict(left_size=0.7, right_size=0.7), ValueError),
])
def test_split_dataset_validation(kwargs, error):
    with pytest.raises(error):
        keras.utils.split_dataset(np.zeros((10, 2)), **kwargs)


# -- directories ----------------------------------------------------------------------------------
def _image_dir(tmp_path, classes=2, per_class=5, size=(12, 16)):
    rng = np.random.RandomState(0)
    arrays = {}
    for c in range(classes):
        os.makedirs(tmp_path / f"class_{c}")
        for i in range(per_class):
            arr = rng.randint(0, 256, size + (3,)).astype("uint8")
            path = str(tmp_path / f"class_{c}" / f"img_{i}.png")
            Image.fromarray(arr).save(path)
            arrays[path] = arr
    return str(tmp_path), arrays


def test_image_dataset_labels_and_pixels(tmp_path):
    directory, arrays = _image_dir(tmp_path, size=(8, 8))
    ds = keras.utils.image_dataset_from_directory(directory, batch_size=4, image_size=(8, 8), shuffle=False,
                                                  label_mode="categorical", verbose=False)
    assert ds.class_names == ["class_0", "class_1"]
    x, y = next(iter(ds))
    assert tuple(x.shape) == (4, 8, 8, 3) and x.dtype == torch.float32
    np.testing.assert_array_equal(_as_np(y), np.eye(2)[[0, 0, 0, 0]])
    # Same size: no resampling, so pixels are the files' bytes.
    np.testing.assert_array_equal(_as_np(x[0]), arrays[ds.file_paths[0]].astype("float32"))


def test_image_dataset_split_modes_and_shapes(tmp_path):
    directory, _ = _image_dir(tmp_path, classes=2, per_class=5)
    train, val = keras.utils.image_dataset_from_directory(directory, batch_size=None, image_size=6, seed=1,
                                                          validation_split=0.2, subset="both", label_mode="binary",
                                                          color_mode="grayscale", verbose=False)
    assert len(train.file_paths) == 8 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    img, label = next(iter(train))
    assert tuple(img.shape) == (6, 6, 1) and tuple(label.shape) == (1,)
    ds = keras.utils.image_dataset_from_directory(directory, labels=None, batch_size=3, image_size=(5, 7),
                                                  crop_to_aspect_ratio=True, data_format="channels_first",
                                                  verbose=False)
    assert ds.class_names is None and tuple(next(iter(ds)).shape) == (3, 3, 5, 7)


def test_image_dataset_errors(tmp_path):
    directory, _ = _image_dir(tmp_path, classes=3, per_class=2)
    with pytest.raises(ValueError, match="exactly 2"):
        keras.utils.image_dataset_from_directory(directory, label_mode="binary")
    with pytest.raises(ValueError, match="must provide a `seed`"):
        keras.utils.image_dataset_from_directory(directory, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="`color_mode` must be one of"):
        keras.utils.image_dataset_from_directory(directory, color_mode="cmyk")
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        keras.utils.image_dataset_from_directory(directory, class_names=["nope"])


def test_text_dataset(tmp_path):
    for c in ("neg", "pos"):
        os.makedirs(tmp_path / c)
        for i in range(3):
            (tmp_path / c / f"{i}.txt").write_text(f"{c} review number {i}")
    ds = keras.utils.text_dataset_from_directory(str(tmp_path), batch_size=2, shuffle=False, max_length=7,
                                                 verbose=False)
    texts, labels = zip(*ds.as_numpy_iterator())
    assert list(np.concatenate(texts)) == [b"neg rev"] * 3 + [b"pos rev"] * 3
    assert list(np.concatenate(labels)) == [0, 0, 0, 1, 1, 1]
    assert ds.class_names == ["neg", "pos"]


def _write_wav(path, samples, channels=1):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(2)
        f.setframerate(16000)
        f.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def test_audio_dataset_padding_and_scaling(tmp_path):
    os.makedirs(tmp_path / "a")
    _write_wav(tmp_path / "a" / "0.wav", [16384, -32768, 0])
    _write_wav(tmp_path / "a" / "1.wav", [100] * 5)
    ds = keras.utils.audio_dataset_from_directory(str(tmp_path), batch_size=2, shuffle=False, verbose=False)
    audio, labels = next(iter(ds))
    expected = np.zeros((2, 5, 1), "float32")
    expected[0, :3, 0] = [0.5, -1.0, 0.0]
    expected[1, :, 0] = 100 / 32768
    np.testing.assert_allclose(_as_np(audio), expected)
    ds = keras.utils.audio_dataset_from_directory(str(tmp_path), batch_size=2, shuffle=False,
                                                  output_sequence_length=2, verbose=False)
    assert tuple(next(iter(ds))[0].shape) == (2, 2, 1)
    with pytest.raises(ValueError, match="Cannot set both `ragged` and `output_sequence_length`"):
        keras.utils.audio_dataset_from_directory(str(tmp_path), ragged=True, output_sequence_length=3)


def test_image_utils_roundtrip(tmp_path):
    arr = np.random.RandomState(1).randint(0, 256, (6, 9, 3)).astype("float32")
    path = str(tmp_path / "x.png")
    keras.utils.save_img(path, arr, scale=False)
    back = keras.utils.img_to_array(keras.utils.load_img(path))
    np.testing.assert_array_equal(back, arr)
    resized = keras.utils.load_img(path, target_size=(3, 4))
    assert resized.size == (4, 3)
    img = keras.utils.array_to_img(np.full((2, 2, 1), 0.5))
    assert img.mode == "L"
    assert keras.utils.img_to_array(img, data_format="channels_first").shape == (1, 2, 2)
    with pytest.raises(ValueError, match="rank 3"):
        keras.utils.array_to_img(np.zeros((2, 2)))


def test_fit_accepts_directory_dataset(tmp_path):
    directory, _ = _image_dir(tmp_path, size=(8, 8))
    ds = keras.utils.image_dataset_from_directory(directory, batch_size=4, image_size=(8, 8), seed=0,
                                                  verbose=False)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
