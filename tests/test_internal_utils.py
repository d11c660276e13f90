"""torchkeras's counterparts of Keras internals that Keras's own tests use (file, dtype, shape, mask
and conv-transpose helpers, the Trainer mixin). Expected values come from the standard library,
hand computation or Keras's documented formulas, never from torchkeras's output."""

import hashlib
import os
import tarfile
import zipfile

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.trainers.trainer import Trainer
from torchkeras.utils import conv_utils, dtype_utils, file_utils, masking, shape_utils


def test_hashes_match_hashlib(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"Hello, World!" * 1000)
    sha, md5 = hashlib.sha256(path.read_bytes()).hexdigest(), hashlib.md5(path.read_bytes()).hexdigest()
    assert file_utils.hash_file(path) == sha
    assert file_utils.hash_file(path, "md5") == md5
    assert file_utils.hash_file(path, hashlib.sha256(), chunk_size=7) == sha
    assert file_utils.validate_file(path, sha) and file_utils.validate_file(path, md5)  # "auto" by length
    assert not file_utils.validate_file(path, "0" * 64)


def test_extract_archive_skips_members_outside_the_target(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("x")
    tar_path = tmp_path / "a.tar"
    with tarfile.open(tar_path, "w") as tar:
        tar.add(src, arcname="ok.txt")
        tar.add(src, arcname="../escape.txt")
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        assert file_utils.extract_archive(tar_path, out)
    assert (out / "ok.txt").read_text() == "x"
    assert not (tmp_path / "escape.txt").exists()
    zip_path = tmp_path / "a.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.write(src, arcname="inner.txt")
    assert file_utils.extract_archive(zip_path, tmp_path / "z", "zip")
    assert not file_utils.extract_archive(zip_path, tmp_path / "z2", "tar")
    assert not file_utils.extract_archive(zip_path, tmp_path / "z3", None)


def test_path_helpers(tmp_path):
    base = os.path.realpath(tmp_path)
    assert file_utils.resolve_sub_path(base, "a/b") == os.path.join(base, "a", "b")
    assert file_utils.resolve_sub_path(base, "../x") is None
    assert file_utils.path_to_string(tmp_path) == str(tmp_path)
    assert file_utils.is_remote_path("gs://bucket/x") and file_utils.is_remote_path("/cns/x")
    assert not file_utils.is_remote_path("/local/x")
    with pytest.raises(ValueError, match="Received path: gs://b"):
        file_utils._raise_if_no_gfile("gs://b")
    d = os.path.join(base, "n", "m")
    file_utils.makedirs(d)
    assert file_utils.isdir(d) and file_utils.exists(d) and file_utils.listdir(os.path.dirname(d)) == ["m"]
    file_utils.rmtree(os.path.join(base, "n"))
    assert not file_utils.exists(d)


def test_dtype_utils():
    assert dtype_utils.dtype_size("bfloat16") == 16 and dtype_utils.dtype_size("bool") == 1
    with pytest.raises(ValueError, match="Invalid dtype"):
        dtype_utils.dtype_size("complex64")
    a, b, c = torch.zeros(2, dtype=torch.float16), torch.zeros(2, dtype=torch.bfloat16), torch.zeros(2, dtype=torch.int32)
    assert {str(t.dtype) for t in dtype_utils.cast_to_common_dtype([a, b, c])} == {"torch.float32"}
    assert [t.dtype for t in dtype_utils.cast_to_common_dtype([c])] == [torch.int32]


def test_shape_utils():
    assert shape_utils.reduce_shape((1, 4, 5, 1), [2, 1]) == (1, 1)
    assert shape_utils.reduce_shape((1, 4, 5, 1), [1], keepdims=True) == (1, 1, 5, 1)
    assert shape_utils.compute_expand_dims_output_shape((2, 3, 4), (1, -1)) == (2, 1, 3, 4, 1)
    assert shape_utils.compute_reshape_output_shape((1, 4, 4, 1), (-1, 2), "newshape") == (8, 2)
    # (n - k) // s + 1 for "valid", ceil(n / s) for "same"
    assert shape_utils.compute_pooling_output_shape((None, 7, 9, 3), (2, 3), (2, 2)) == (None, 3, 4, 3)
    assert shape_utils.compute_conv_output_shape((2, 7, 9, 3), 5, (3, 3), (2, 2), padding="same") == (2, 4, 5, 5)
    with pytest.raises(ValueError, match="zero or negative"):
        shape_utils.compute_pooling_output_shape((1, 5, 5, 3), (20, 20), (20, 20))
    with pytest.raises(ValueError, match="at most one unknown"):
        shape_utils.validate_reshape_shape((-1, -1, 5))


@pytest.mark.parametrize("n,k,s,d,padding,op", [
    (5, 3, 2, 1, "valid", None), (5, 3, 2, 1, "same", None), (4, 4, 3, 1, "same", 1),
    (6, 2, 1, 2, "valid", 0), (3, 5, 2, 1, "same", None), (7, 4, 2, 1, "same", 0)])
def test_conv_transpose_geometry_matches_keras_formulas(n, k, s, d, padding, op):
    k_eff = (k - 1) * d + 1
    # Keras's documented output length of a transposed conv (TF semantics)
    if padding == "valid":
        want = (n - 1) * s + k_eff + (max(s - k_eff, 0) if op is None else op)
    else:
        want = n * s if op is None else (n - 1) * s + k_eff % 2 + op
    got = conv_utils.compute_conv_transpose_output_shape((2, n, 3), (k, 4, 3), 4, s, padding, op, "channels_last", d)
    assert got == [2, want, 4]
    # Keras's JAX padding: valid pads k_eff-1 each side (+op right); same splits the pad, left capped
    if padding == "valid":
        pads = (k_eff - 1, k_eff - 1 + (max(s - k_eff, 0) if op is None else op))
    else:
        pad_len = s + k_eff - 2 if op is None else k_eff + k_eff % 2 - 2 + op
        left = min(pad_len // 2 + pad_len % 2, k_eff - 1)
        pads = (left, pad_len - left)
    assert conv_utils.compute_conv_transpose_padding_args_for_jax((2, n, 3), (k, 4, 3), s, padding, op, d) == [pads]


def test_masks():
    x = torch.ones(2, 3)
    assert masking.get_keras_mask(x) is None
    masking.set_keras_mask(x, torch.tensor([True, False]))
    assert masking.get_keras_mask(x).tolist() == [True, False]
    masking.set_keras_mask(x, None)
    assert masking.get_keras_mask(x) is None


def test_trainer_mixes_into_a_layer():
    class Model(Trainer, torchkeras.layers.Layer):
        def __init__(self):
            torchkeras.layers.Layer.__init__(self)
            Trainer.__init__(self)
            self.w = self.add_weight(shape=(2, 1), initializer="ones")

        def call(self, x):
            return torchkeras.ops.matmul(x, self.w)

    model = Model()
    model.compile(optimizer="sgd", loss="mse")
    assert model.compiled and not model.stop_evaluating and not model.stop_predicting
    x = np.ones((4, 2), "float32")
    history = model.fit(x, np.full((4, 1), 2.0, "float32"), epochs=1, batch_size=4, verbose=0)
    # one SGD step (lr 0.01) on mse from prediction 2 to target 2: loss 0, weights unchanged
    assert history.history["loss"][0] == pytest.approx(0.0)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.full((4, 1), 2.0))
