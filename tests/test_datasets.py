"""keras.datasets and get_file, offline: every file is one the test writes into a temp KERAS_HOME."""

import gzip
import hashlib
import io
import os
import pickle
import tarfile
import urllib.error

import numpy as np
import pytest

from torchkeras.datasets import boston_housing, cifar10, fashion_mnist, imdb, mnist, reuters
from torchkeras.datasets._common import load_npz
from torchkeras.utils import file_utils


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")
    monkeypatch.setattr(file_utils.urllib.request, "urlopen", offline)
    os.makedirs(tmp_path / "datasets")
    return tmp_path


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_mnist_loads_from_the_keras_cache(home, monkeypatch):
    path = home / "datasets" / "mnist.npz"
    xs = np.arange(2 * 28 * 28, dtype="uint8").reshape(2, 28, 28)
    np.savez(path, x_train=xs, y_train=np.array([3, 4], "uint8"), x_test=xs[:1], y_test=np.array([7], "uint8"))
    monkeypatch.setattr(mnist, "_HASH", sha256(path))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    np.testing.assert_array_equal(x_train, xs)
    assert y_train.tolist() == [3, 4] and x_test.shape == (1, 28, 28) and y_test.tolist() == [7]


def test_missing_file_offline_says_what_to_place_where(home):
    with pytest.raises(OSError) as e:
        mnist.load_data()
    message = str(e.value)
    assert os.path.join(str(home), "datasets", "mnist.npz") in message
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert mnist._HASH in message


def test_a_corrupt_cached_file_is_not_used(home):
    (home / "datasets" / "mnist.npz").write_bytes(b"truncated")
    with pytest.raises(OSError, match="does not match the expected hash"):
        mnist.load_data()
    assert (home / "datasets" / "mnist.npz").read_bytes() == b"truncated"


def test_boston_housing_split_follows_keras_shuffle(home, monkeypatch):
    path = home / "datasets" / "boston_housing.npz"
    x = np.arange(10 * 13, dtype="float64").reshape(10, 13)
    y = np.arange(10, dtype="float64")
    np.savez(path, x=x, y=y)
    monkeypatch.setattr(boston_housing, "_HASH", sha256(path))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.2, seed=5)
    order = np.arange(10)
    np.random.RandomState(5).shuffle(order)
    assert y_train.tolist() == order[:8].tolist() and y_test.tolist() == order[8:].tolist()
    np.testing.assert_array_equal(x_train[0], x[order[0]])
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)


def _ragged(seqs):
    out = np.empty(len(seqs), dtype="object")
    out[:] = [np.array(s) for s in seqs]
    return out


def test_imdb_word_ids_follow_keras_conventions(home, monkeypatch):
    path = home / "datasets" / "imdb.npz"
    train = [[1, 2, 3], [4, 50]]
    test = [[5], [6, 7, 8, 9]]
    np.savez(path, x_train=_ragged(train), y_train=np.array([0, 1]), x_test=_ragged(test), y_test=np.array([1, 0]))
    monkeypatch.setattr(imdb, "_HASH", sha256(path))
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10, seed=1)
    rng = np.random.RandomState(1)
    order_train = np.arange(2)
    rng.shuffle(order_train)
    order_test = np.arange(2)
    rng.shuffle(order_test)
    # start_char 1, ids shifted by index_from 3, ids >= num_words replaced by oov_char 2
    expect = [[1] + [w + 3 if w + 3 < 10 else 2 for w in train[i]] for i in order_train]
    assert [list(s) for s in x_train] == expect
    assert y_train.tolist() == [[0, 1][i] for i in order_train]
    (x_train, _), (x_test, _) = imdb.load_data(maxlen=4, seed=1)
    assert all(len(s) < 4 for s in list(x_train) + list(x_test))


def test_reuters_split(home, monkeypatch):
    path = home / "datasets" / "reuters.npz"
    np.savez(path, x=_ragged([[i, i + 1] for i in range(10)]), y=np.arange(10))
    monkeypatch.setattr(reuters, "_HASH", sha256(path))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.3, start_char=None, index_from=0, num_words=100)
    assert len(x_train) == 7 and len(x_test) == 3
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    assert all(list(s) == [y, y + 1] for s, y in zip(x_train, y_train))
    assert len(reuters.get_label_names()) == 46


def test_npz_reader_refuses_code_in_pickles(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    npy = io.BytesIO()
    np.lib.format.write_array(npy, np.array([Evil()], dtype=object), allow_pickle=True)
    import zipfile
    with zipfile.ZipFile(tmp_path / "evil.npz", "w") as z:
        z.writestr("x.npy", npy.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="only numpy arrays"):
        load_npz(tmp_path / "evil.npz")


def test_fashion_mnist_reads_idx_files(home):
    folder = home / "datasets" / "fashion-mnist"
    os.makedirs(folder)
    images = np.arange(3 * 784, dtype="uint8").reshape(3, 28, 28)
    for prefix, n in (("train", 3), ("t10k", 3)):
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(b"\0" * 8 + bytes(range(n)))
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\0" * 16 + images.tobytes())
    (x_train, y_train), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, images)
    assert y_train.tolist() == [0, 1, 2]


def _cifar_batch(path, n, start):
    data = (np.arange(n * 3072) + start).astype("uint8").reshape(n, 3072)
    with open(path, "wb") as f:
        pickle.dump({b"data": data, b"labels": list(range(start, start + n))}, f)
    return data


def test_cifar10_from_an_archive_in_the_cache(home, monkeypatch):
    build = home / "build" / "cifar-10-batches-py"
    os.makedirs(build)
    batches = [_cifar_batch(build / f"data_batch_{i}", 2, i) for i in range(1, 6)]
    _cifar_batch(build / "test_batch", 1, 9)
    archive = home / "datasets" / "cifar-10-batches-py-target_archive"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(build, arcname="cifar-10-batches-py")
    monkeypatch.setattr(cifar10, "_HASH", sha256(archive))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1) and x_test.shape == (1, 32, 32, 3)
    # channels_last: pixel (0, 0) of image 0 holds the first byte of each colour plane
    np.testing.assert_array_equal(x_train[0, 0, 0], batches[0][0, [0, 1024, 2048]])
    assert y_train[:, 0].tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert os.path.isdir(home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py")


def test_get_file_validates_arguments(home):
    with pytest.raises(ValueError, match="origin"):
        file_utils.get_file("x.npz")
    with pytest.raises(ValueError, match="cache_dir"):
        file_utils.get_file(os.path.join("a", "b.npz"), origin="https://example.com/b.npz")
