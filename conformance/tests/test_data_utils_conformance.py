"""keras.utils data builders against real Keras (TF backend): the same generated directories of
images / texts / wavs and the same arrays through both libraries give equal class_names and
file_paths, equal batches (without dataset shuffling), equal shapes and dtypes; load_img /
img_to_array / smart_resize agree too.

Imports torch first, then keras (TF backend) through conformance.reference.
"""

import os
import wave

import numpy as np
import pytest
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

from conformance.reference import load

keras = load()

import torchkeras  # noqa: E402

Image = pytest.importorskip("PIL.Image")


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    value = x.numpy() if hasattr(x, "numpy") else x
    return np.asarray(value, dtype=object) if isinstance(value, bytes) else np.asarray(value)


def _batches(ds):
    return [tuple(_np(c) for c in b) if isinstance(b, tuple) else (_np(b),) for b in ds]


def _same_batches(ours, ref, atol=0.0):
    a, b = _batches(ours), _batches(ref)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert len(x) == len(y)
        for u, v in zip(x, y):
            assert u.shape == v.shape and u.dtype == v.dtype, (u.shape, v.shape, u.dtype, v.dtype)
            if u.dtype == object:
                assert list(u.ravel()) == list(v.ravel())
            else:
                np.testing.assert_allclose(u, v, atol=atol, rtol=1e-5 if atol else 0)


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    rng = np.random.RandomState(0)
    for c, (mode, ext) in enumerate([("RGB", "png"), ("L", "png"), ("RGBA", "png")]):
        os.makedirs(root / f"class_{c}" / "nested")
        for i in range(4):
            shape = (10 + i, 14) + (() if mode == "L" else (len(mode),))
            img = Image.fromarray(rng.randint(0, 256, shape).astype("uint8"), mode)
            sub = "nested" if i == 3 else ""
            img.save(str(root / f"class_{c}" / sub / f"im_{i}.{ext}"))
    return str(root)


@pytest.mark.parametrize("kwargs", [
    dict(image_size=(10, 14), label_mode="int"),
    dict(image_size=(6, 9), label_mode="categorical", interpolation="bilinear"),
    dict(image_size=(7, 7), label_mode=None, interpolation="nearest"),
    dict(image_size=(5, 8), interpolation="area"),
    dict(image_size=(8, 8), crop_to_aspect_ratio=True),
    dict(image_size=(8, 8), crop_to_aspect_ratio=True, interpolation="nearest"),
    dict(image_size=(6, 9), pad_to_aspect_ratio=True),
    dict(image_size=(6, 9), pad_to_aspect_ratio=True, interpolation="nearest"),
    dict(image_size=(6, 9), interpolation="bicubic"),
    dict(image_size=(6, 9), interpolation="gaussian"),
    dict(image_size=(5, 5), color_mode="rgba", batch_size=None),
])
def test_image_dataset_from_directory(image_dir, kwargs):
    kwargs = dict(dict(batch_size=5, shuffle=False, verbose=False), **kwargs)
    ours = torchkeras.utils.image_dataset_from_directory(image_dir, **kwargs)
    ref = keras.utils.image_dataset_from_directory(image_dir, **kwargs)
    assert ours.class_names == ref.class_names
    assert ours.file_paths == ref.file_paths
    _same_batches(ours, ref, atol=1e-3)


def test_image_dataset_seeded_split_selects_the_same_files(image_dir):
    kwargs = dict(image_size=(4, 4), validation_split=0.25, subset="both", seed=7, verbose=False)
    ours = torchkeras.utils.image_dataset_from_directory(image_dir, **kwargs)
    ref = keras.utils.image_dataset_from_directory(image_dir, **kwargs)
    for o, r in zip(ours, ref):
        assert o.file_paths == r.file_paths and o.class_names == r.class_names


def test_image_dataset_explicit_labels(image_dir):
    labels = list(range(12))
    kwargs = dict(labels=labels, image_size=(4, 4), shuffle=False, batch_size=4, verbose=False)
    ours = torchkeras.utils.image_dataset_from_directory(image_dir, **kwargs)
    ref = keras.utils.image_dataset_from_directory(image_dir, **kwargs)
    assert ours.class_names == ref.class_names
    _same_batches(ours, ref, atol=1e-3)


@pytest.fixture(scope="module")
def text_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    for c in ("neg", "pos"):
        os.makedirs(root / c)
        for i in range(5):
            (root / c / f"{i}.txt").write_text(f"{c} ünïcode review {i} " * (i + 1), encoding="utf-8")
    return str(root)


@pytest.mark.parametrize("kwargs", [dict(), dict(max_length=9, label_mode="binary"),
                                    dict(batch_size=None, label_mode="categorical"), dict(label_mode=None)])
def test_text_dataset_from_directory(text_dir, kwargs):
    kwargs = dict(dict(batch_size=3, shuffle=False, verbose=False), **kwargs)
    ours = torchkeras.utils.text_dataset_from_directory(text_dir, **kwargs)
    ref = keras.utils.text_dataset_from_directory(text_dir, **kwargs)
    assert ours.class_names == ref.class_names
    _same_batches(ours, ref)


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("audio")
    rng = np.random.RandomState(1)
    for c in ("a", "b"):
        os.makedirs(root / c)
        for i in range(3):
            with wave.open(str(root / c / f"{i}.wav"), "wb") as f:
                f.setnchannels(2 if c == "b" else 1)
                f.setsampwidth(2)
                f.setframerate(8000)
                f.writeframes(rng.randint(-32768, 32768, (20 + 7 * i) * f.getnchannels()).astype("<i2").tobytes())
    return str(root)


@pytest.mark.parametrize("kwargs", [dict(), dict(output_sequence_length=25), dict(batch_size=None)])
def test_audio_dataset_from_directory(audio_dir, kwargs):
    kwargs = dict(dict(batch_size=3, shuffle=False, verbose=False), **kwargs)
    sub = os.path.join(audio_dir, "a") if kwargs.get("batch_size") else audio_dir
    labels = "inferred" if sub == audio_dir else None
    ours = torchkeras.utils.audio_dataset_from_directory(sub, labels=labels, **kwargs)
    ref = keras.utils.audio_dataset_from_directory(sub, labels=labels, **kwargs)
    assert ours.class_names == ref.class_names
    _same_batches(ours, ref)


@pytest.mark.parametrize("kwargs", [
    dict(sequence_length=5), dict(sequence_length=4, sequence_stride=3, sampling_rate=2, batch_size=7),
    dict(sequence_length=3, start_index=10, end_index=60, batch_size=None),
    dict(sequence_length=6, batch_size=16, no_targets=True),
])
def test_timeseries_dataset_from_array(kwargs):
    data = np.random.RandomState(3).rand(100, 3)
    targets = None if kwargs.pop("no_targets", False) else np.arange(100, dtype="int32") * 2
    ours = torchkeras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
    ref = keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
    _same_batches(ours, ref)


def test_image_utils(tmp_path):
    arr = np.random.RandomState(4).randint(0, 256, (9, 13, 3)).astype("float32")
    path = str(tmp_path / "x.png")
    keras.utils.save_img(path, arr)
    for kwargs in (dict(), dict(color_mode="grayscale"), dict(target_size=(5, 6), interpolation="bilinear"),
                   dict(target_size=(4, 4), keep_aspect_ratio=True), dict(color_mode="rgba")):
        ours = torchkeras.utils.img_to_array(torchkeras.utils.load_img(path, **kwargs))
        ref = keras.utils.img_to_array(keras.utils.load_img(path, **kwargs))
        np.testing.assert_array_equal(ours, ref)
    ours = torchkeras.preprocessing.image.smart_resize(arr, (5, 5))
    ref = keras.preprocessing.image.smart_resize(arr, (5, 5))
    np.testing.assert_allclose(ours, ref, atol=1e-3)
    np.testing.assert_array_equal(np.asarray(torchkeras.utils.array_to_img(arr)),
                                  np.asarray(keras.utils.array_to_img(arr)))


def test_split_dataset():
    x, y = np.random.RandomState(5).rand(20, 3), np.arange(20)
    for kwargs in (dict(left_size=0.3), dict(right_size=4), dict(left_size=5, right_size=10)):
        ours = torchkeras.utils.split_dataset((x, y), preferred_backend="tensorflow", **kwargs)
        ref = keras.utils.split_dataset((x, y), **kwargs)
        for o, r in zip(ours, ref):
            _same_batches(o, r)
