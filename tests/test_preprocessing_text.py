"""String preprocessing layers: StringLookup, IntegerLookup, TextVectorization, Hashing, HashedCrossing.

Expected ids come from the layers' documented rules (vocabulary order, OOV slots, Keras's doc
examples) or from FarmHash/SipHash computed directly with the hash packages; never from our output.
"""

import struct

import farmhash
import numpy as np
import pytest
import siphash24
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


# ------------------------------------------------------------------ StringLookup / IntegerLookup
def test_string_lookup_vocabulary_and_oov():
    layer = layers.StringLookup(vocabulary=["a", "b", "c"])
    out = layer(np.array([["a", "c", "d"], ["d", "z", "b"]]))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64
    np.testing.assert_array_equal(_np(out), [[1, 3, 0], [0, 0, 2]])  # Keras's doc example
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["a", "b", "c"]


def test_string_lookup_accepts_lists_bytes_and_objects():
    layer = layers.StringLookup(vocabulary=["a", "b"])
    for data in (["a", "b", "x"], np.array([b"a", b"b", b"x"]), np.array(["a", "b", "x"], dtype=object)):
        np.testing.assert_array_equal(_np(layer(data)), [1, 2, 0])


def test_string_lookup_adapt_orders_by_count_then_token_descending():
    layer = layers.StringLookup()
    layer.adapt(["c", "a", "b", "b", "a", "d", "a"])
    # counts: a=3, b=2, c=1, d=1 -> ties by token descending: d before c
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "d", "c"]
    layer = layers.StringLookup(max_tokens=3)
    layer.adapt(["c", "a", "b", "b", "a", "d", "a"])
    assert layer.get_vocabulary() == ["[UNK]", "a", "b"]


def test_string_lookup_mask_and_several_oov_slots():
    layer = layers.StringLookup(vocabulary=["a", "b"], mask_token="", num_oov_indices=3)
    assert layer.get_vocabulary() == ["", "[UNK]", "[UNK]", "[UNK]", "a", "b"]
    out = _np(layer(["", "a", "b", "q", "zz"]))
    expected_oov = [1 + farmhash.fingerprint64(s) % 3 for s in ("q", "zz")]
    np.testing.assert_array_equal(out, [0, 4, 5] + expected_oov)


def test_string_lookup_salted_oov_uses_siphash():
    layer = layers.StringLookup(vocabulary=["a"], num_oov_indices=5, salt=[137, 42])
    key = struct.pack("<qq", 137, 42)
    words = ["x", "y", "zzz"]
    expected = [int.from_bytes(siphash24.siphash24(w.encode(), key=key).digest(), "little") % 5 for w in words]
    np.testing.assert_array_equal(_np(layer(words)), expected)


@pytest.mark.parametrize("mode,expected", [
    ("one_hot", [[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]]),
    ("multi_hot", [1, 1, 0, 1]),  # "q" is OOV: index 0
    ("count", [1, 1, 0, 1]),
])
def test_string_lookup_encodings(mode, expected):
    layer = layers.StringLookup(vocabulary=["a", "b", "c"], output_mode=mode)
    np.testing.assert_array_equal(_np(layer(["a", "c", "q"])), expected)


def test_string_lookup_tf_idf_pads_oov_weight_with_the_mean():
    layer = layers.StringLookup(vocabulary=["a", "b", "c"], output_mode="tf_idf", idf_weights=[0.5, 1.0, 2.5])
    out = _np(layer(np.array([["a", "a", "q"], ["c", "b", "b"]])))
    oov = np.mean([0.5, 1.0, 2.5])
    np.testing.assert_allclose(out, [[oov, 1.0, 0, 0], [0, 0, 2.0, 2.5]], rtol=1e-6)


def test_string_lookup_adapt_tf_idf_weights():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(np.array([["a", "b"], ["a", "a"], ["c", "a"]]))
    # idf = log(1 + docs / (1 + doc_count)); a in 3 docs, b and c in 1
    idf_a, idf_1 = np.log(1 + 3 / 4), np.log(1 + 3 / 2)
    expected = np.array([np.mean([idf_a, idf_1, idf_1]), idf_a, idf_1, idf_1], dtype=np.float32)
    np.testing.assert_allclose(layer.idf_weights.numpy(), expected, rtol=1e-6)


def test_string_lookup_invert_returns_strings():
    layer = layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert layer(torch.tensor([1, 2, 0])) == ["a", "b", "[UNK]"]
    assert layer(np.array([[3, 9]])) == [["c", "[UNK]"]]


def test_integer_lookup_floormod_oov_and_invert():
    layer = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    out = _np(layer(np.array([[12, 1138, 42], [42, 1000, 36]])))
    np.testing.assert_array_equal(out, [[2, 4, 5], [5, 1000 % 2, 3]])
    inverse = layers.IntegerLookup(vocabulary=[12, 36], invert=True)
    np.testing.assert_array_equal(_np(inverse(torch.tensor([[1, 2, 0, 7]]))), [[12, 36, -1, -1]])


def test_integer_lookup_adapt_and_mask():
    layer = layers.IntegerLookup(mask_token=0)
    layer.adapt(np.array([7, 7, 3, 0, 0, 0, 9]))
    assert layer.get_vocabulary() == [0, -1, 7, 9, 3]
    np.testing.assert_array_equal(_np(layer([0, 7, 3, 5])), [0, 2, 4, 1])


def test_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\n")
    layer = layers.StringLookup(vocabulary=str(path), mask_token="[MASK]", oov_token="[OOV]")
    assert layer.get_vocabulary() == ["[MASK]", "[OOV]", "a", "b", "c"]
    assert layer.get_config()["vocabulary"] is None
    np.testing.assert_array_equal(_np(layer(["c", "[MASK]", "q"])), [4, 0, 1])


def test_lookup_refusals():
    with pytest.raises(ValueError, match="repeated term"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="reserved mask token"):
        layers.StringLookup(vocabulary=["a", "", "b"], mask_token="")
    with pytest.raises(ValueError, match="`output_mode` must be `'int'` when `invert` is true"):
        layers.StringLookup(output_mode="count", invert=True)
    with pytest.raises(ValueError, match="larger than the maximum vocab size"):
        layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"])
    with pytest.raises(ValueError, match="does not exist"):
        layers.StringLookup(vocabulary="/nonexistent/vocab.txt")
    with pytest.raises(ValueError, match="empty"):
        layers.StringLookup().adapt([])
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "b"])
    with pytest.raises(RuntimeError, match="set the layer's vocabulary"):
        layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.StringLookup(vocabulary=["a"]).adapt(["b"])


# ------------------------------------------------------------------ TextVectorization
def test_text_vectorization_int_with_sequence_length():
    layer = layers.TextVectorization(max_tokens=5000, output_sequence_length=4, vocabulary=["baz", "bar", "foo"])
    out = _np(layer([["foo qux bar"], ["qux baz"]]))
    np.testing.assert_array_equal(out, [[4, 1, 3, 0], [1, 2, 0, 0]])  # Keras's doc example


def test_text_vectorization_standardize_split_and_ngrams():
    layer = layers.TextVectorization(ngrams=2)
    layer.adapt(["The Fox, the fox!"])
    vocab = layer.get_vocabulary()
    assert vocab[:2] == ["", "[UNK]"]
    assert set(vocab[2:]) == {"the", "fox", "the fox", "fox the"}
    # "the", "fox" and "the fox" twice each (ties: token descending), "fox the" once
    assert vocab[2:] == ["the fox", "the", "fox", "fox the"]
    chars = layers.TextVectorization(split="character", standardize=None, vocabulary=list("ab"))
    np.testing.assert_array_equal(_np(chars(["abBa"])), [[2, 3, 1, 2]])
    # tf.strings.lower changes ASCII letters only; whitespace splitting is on ASCII whitespace only
    lower = layers.TextVectorization(standardize="lower", vocabulary=["école", "x\u3000y"])
    np.testing.assert_array_equal(_np(lower(["École ÉCOLE école x\u3000y"])), [[1, 1, 2, 3]])


def test_text_vectorization_callable_standardize_gets_numpy_unicode():
    seen = []

    def standardize(text):
        seen.append(text.dtype.kind)
        return np.char.replace(np.char.lower(text), "-", " ")

    layer = layers.TextVectorization(standardize=standardize, vocabulary=["foo", "bar"])
    np.testing.assert_array_equal(_np(layer(["FOO-bar"])), [[2, 3]])
    assert seen == ["U"]


@pytest.mark.parametrize("mode", ["multi_hot", "count", "tf_idf"])
def test_text_vectorization_encodings(mode):
    kwargs = {"idf_weights": [1.0, 2.0, 3.0]} if mode == "tf_idf" else {}
    layer = layers.TextVectorization(output_mode=mode, vocabulary=["foo", "bar", "baz"], **kwargs)
    out = _np(layer(["foo foo qux", "baz"]))
    counts = np.array([[1, 2, 0, 0], [0, 0, 0, 1]], dtype=np.float64)
    if mode == "multi_hot":
        expected = (counts > 0).astype(float)
    elif mode == "count":
        expected = counts
    else:
        expected = counts * np.array([2.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_text_vectorization_refusals():
    with pytest.raises(ValueError, match="`output_sequence_length` must not be set"):
        layers.TextVectorization(output_mode="multi_hot", output_sequence_length=5)
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams="2")
    with pytest.raises(ValueError, match="repeated term"):
        layers.TextVectorization(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


def test_text_vectorization_in_functional_model_and_saving(tmp_path):
    text = np.array(["foo bar", "bar baz", "baz bada boom"])
    inp = keras.Input(shape=(1,), dtype="string")
    tv = layers.TextVectorization(output_mode="tf_idf", max_tokens=10)
    tv.adapt(text)
    model = keras.Model(inp, tv(inp))
    before = model(text.reshape(-1, 1))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.layers[1].get_vocabulary() == tv.get_vocabulary()
    np.testing.assert_allclose(_np(loaded(text.reshape(-1, 1))), _np(before))


# ------------------------------------------------------------------ Hashing / HashedCrossing
def test_hashing_matches_farmhash_fingerprint64():
    words = ["omar", "stringer", "marlo", "wire", "skywalker", "", "ü"]
    out = _np(layers.Hashing(num_bins=1000)(words))
    np.testing.assert_array_equal(out, [farmhash.fingerprint64(w) % 1000 for w in words])
    ints = np.array([0, 1, -7, 123456789])
    np.testing.assert_array_equal(_np(layers.Hashing(num_bins=97)(ints)),
                                  [farmhash.fingerprint64(str(v)) % 97 for v in ints])


def test_hashing_keras_documented_values():
    # Values from Keras's own test-suite (TF's hash): A..E into 3 bins.
    data = [["A"], ["B"], ["C"], ["D"], ["E"]]
    np.testing.assert_array_equal(_np(layers.Hashing(num_bins=3)(data)).ravel(), [1, 0, 1, 1, 2])
    np.testing.assert_array_equal(_np(layers.Hashing(num_bins=3, salt=[133, 137])(data)).ravel(), [1, 2, 1, 0, 2])
    masked = layers.Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]])
    np.testing.assert_array_equal(_np(masked).ravel(), [1, 1, 0, 2, 2])


def test_hashed_crossing_keras_documented_values():
    out = layers.HashedCrossing(num_bins=5)((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])))
    np.testing.assert_array_equal(_np(out), [1, 4, 1, 1, 3])
    with pytest.raises(ValueError, match="integer or string"):
        layers.HashedCrossing(num_bins=10)((np.array([1.0]), np.array([1.0])))


def test_hashing_refusals():
    with pytest.raises(ValueError, match="cannot be `None`"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="can only be a tuple of size 2"):
        layers.Hashing(num_bins=2, salt=[1])
    with pytest.raises(ValueError, match="should be an integer type"):
        layers.Hashing(num_bins=3, dtype="float32")
