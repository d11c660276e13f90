"""String preprocessing layers against real tf.keras: the same strings through StringLookup,
TextVectorization, Hashing and HashedCrossing in both libraries give the same ids, encodings,
vocabularies and idf weights; `.keras` files carrying vocabularies and statistics load both ways;
the configurations Keras refuses are refused too.

Imports torch first, then keras (TF backend) through conformance.reference.
"""

import random

import numpy as np
import pytest
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

from conformance.reference import load

keras = load()

import torchkeras  # noqa: E402

TEXT = np.array(["The quick brown fox!", "jumped over the lazy dog.", "The DOG barked; the fox ran",
                 "ÉCOLE école  tab\tnew\nline", "a-b c_d (e) [f] {g}", "", "fox fox fox", "x\u3000y\xa0z"])
WORDS = np.array([["a", "b", "c"], ["c", "zz", ""], ["b", "b", "[UNK]"], ["ü", "a", "q"]])


def _rand_strings(n, seed=0):
    rng = random.Random(seed)
    alphabet = "abcXYZ019 -_,.!éß中文\t"
    return np.array(["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(n)])


def _same(ours, ref, exact=True):
    ref = np.asarray(ref)
    ours = ours.detach().cpu().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    assert ours.dtype == ref.dtype, (ours.dtype, ref.dtype)
    if exact:
        np.testing.assert_array_equal(ours, ref)
    else:
        np.testing.assert_allclose(ours, ref, atol=1e-6, rtol=1e-5)


def _both(layer, kwargs, adapt=None):
    out = []
    for lib in (keras, torchkeras):
        lay = getattr(lib.layers, layer)(**kwargs)
        if adapt is not None:
            lay.adapt(adapt)
        out.append(lay)
    return out


def _vocab(layer):
    return [v.decode() if isinstance(v, bytes) else (str(v) if isinstance(v, np.str_) else v)
            for v in layer.get_vocabulary()]


# ------------------------------------------------------------------------------- StringLookup
LOOKUP_CONFIGS = [
    {"vocabulary": ["a", "b", "c"]},
    {"vocabulary": ["a", "b", "c"], "mask_token": "", "oov_token": "[OOV]"},
    {"vocabulary": ["a", "b", "c"], "num_oov_indices": 3},
    {"vocabulary": ["a", "b", "c"], "num_oov_indices": 4, "salt": [137, 42]},
    {"vocabulary": ["a", "b", "c"], "num_oov_indices": 0, "mask_token": "zz"},
    {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"},
    {"vocabulary": ["a", "b", "c"], "output_mode": "multi_hot"},
    {"vocabulary": ["a", "b", "c"], "output_mode": "count", "max_tokens": 6, "pad_to_max_tokens": True},
    {"vocabulary": ["a", "b", "c"], "output_mode": "tf_idf", "idf_weights": [0.5, 1.0, 2.0]},
    {"vocabulary": ["[UNK]", "a", "b", "c"], "output_mode": "tf_idf", "idf_weights": [0.1, 0.5, 1.0, 2.0]},
]


@pytest.mark.parametrize("kwargs", LOOKUP_CONFIGS, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()
                                                                          if k != "vocabulary"))
def test_string_lookup_matches(kwargs):
    data = WORDS if kwargs.get("num_oov_indices") != 0 else np.array([["a", "zz"], ["b", "c"]])
    kl, tl = _both("StringLookup", kwargs)
    if kwargs.get("output_mode") == "one_hot":
        data = data[:, :1]
    _same(tl(data), kl(data), exact=kwargs.get("output_mode") != "tf_idf")
    assert _vocab(tl) == _vocab(kl)
    assert set(tl.get_config()) == set(kl.get_config())


@pytest.mark.parametrize("kwargs", [{}, {"max_tokens": 4}, {"mask_token": "", "num_oov_indices": 2},
                                    {"output_mode": "tf_idf"}, {"output_mode": "multi_hot", "max_tokens": 5,
                                                                "pad_to_max_tokens": True}])
def test_string_lookup_adapt_matches(kwargs):
    adapt = np.array(["d", "a", "a", "b", "b", "c", "c", "e", "a", "[UNK]", ""])
    kl, tl = _both("StringLookup", kwargs, adapt=adapt)
    assert _vocab(tl) == _vocab(kl)
    _same(tl(WORDS), kl(WORDS), exact=kwargs.get("output_mode") != "tf_idf")
    assert tl.get_config()["vocabulary_size"] == kl.get_config()["vocabulary_size"]


def test_string_lookup_invert_matches():
    kl, tl = _both("StringLookup", {"vocabulary": ["a", "b", "c"], "invert": True, "mask_token": "[M]"})
    ids = np.array([0, 1, 2, 3, 4, 9])
    assert tl(ids) == [s.decode() for s in np.asarray(kl(ids)).tolist()]


# ------------------------------------------------------------------------------- TextVectorization
TV_CONFIGS = [
    {},
    {"standardize": "lower"},
    {"standardize": "strip_punctuation"},
    {"standardize": None},
    {"split": "character"},
    {"ngrams": 2},
    {"ngrams": (1, 3)},
    {"output_sequence_length": 4},
    {"output_sequence_length": 12},
    {"max_tokens": 6},
    {"output_mode": "multi_hot"},
    {"output_mode": "count", "max_tokens": 20, "pad_to_max_tokens": True},
    {"output_mode": "tf_idf"},
    {"output_mode": "tf_idf", "ngrams": 2, "max_tokens": 9},
    {"split": None, "standardize": "lower"},
]


@pytest.mark.parametrize("kwargs", TV_CONFIGS, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "default")
def test_text_vectorization_adapt_matches(kwargs):
    kl, tl = _both("TextVectorization", kwargs, adapt=TEXT)
    assert _vocab(tl) == _vocab(kl)
    x = TEXT.reshape(-1, 1) if kwargs.get("split", "whitespace") is None else TEXT
    _same(tl(x), kl(x), exact=kwargs.get("output_mode") != "tf_idf")
    assert set(tl.get_config()) == set(kl.get_config())


def test_text_vectorization_fixed_vocabulary_and_rank2_input():
    kw = {"vocabulary": ["baz", "bar", "foo"], "output_sequence_length": 5}
    kl, tl = _both("TextVectorization", kw)
    data = np.array([["foo qux bar"], ["qux baz"], ["FOO, bar."]])
    _same(tl(data), kl(data))


def test_text_vectorization_adapt_from_batches_matches():
    batches = [TEXT[:3], TEXT[3:5], TEXT[5:]]
    kl, tl = keras.layers.TextVectorization(), torchkeras.layers.TextVectorization()
    kl.adapt(_Batches(batches))
    tl.adapt(_TorchBatches(batches))
    assert _vocab(tl) == _vocab(kl)


class _Batches(keras.utils.PyDataset):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        return self.batches[i]


class _TorchBatches(torchkeras.utils.PyDataset):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        return self.batches[i]


# ------------------------------------------------------------------------------- hashing
@pytest.mark.parametrize("kwargs", [{"num_bins": 1 << 20}, {"num_bins": 97, "salt": [133, 137]},
                                    {"num_bins": 97, "salt": 12345}, {"num_bins": 9, "mask_value": ""},
                                    {"num_bins": 9, "output_mode": "multi_hot"}, {"num_bins": 9, "output_mode": "count"}])
def test_hashing_strings_match(kwargs):
    data = _rand_strings(600).reshape(-1, 3)
    kl, tl = _both("Hashing", kwargs)
    _same(tl(data), kl(data), exact=True)


def test_hashed_crossing_strings_match():
    a, b = _rand_strings(300, seed=1), _rand_strings(300, seed=2)
    ints = np.random.default_rng(0).integers(-10**12, 10**12, size=300)
    for pair in ((a, b), (a, ints), (ints.reshape(-1, 1), b.reshape(-1, 1))):
        kl, tl = _both("HashedCrossing", {"num_bins": 1 << 30})
        _same(tl(pair), kl(pair))


# ------------------------------------------------------------------------------- errors Keras refuses
@pytest.mark.parametrize("layer,kwargs", [
    ("StringLookup", {"vocabulary": ["a", "b", "a"]}),
    ("StringLookup", {"vocabulary": ["a", "[UNK]", "b"], "invert": True}),
    ("StringLookup", {"vocabulary": ["a", "", "b"], "mask_token": ""}),
    ("StringLookup", {"output_mode": "multi_hot", "invert": True}),
    ("StringLookup", {"max_tokens": 3, "vocabulary": ["a", "b", "c"]}),
    ("StringLookup", {"vocabulary": ["a"], "output_mode": "tf_idf"}),
    ("StringLookup", {"idf_weights": [1.0], "vocabulary": ["a"]}),
    ("StringLookup", {"pad_to_max_tokens": True}),
    ("StringLookup", {"salt": "x", "vocabulary": ["a"]}),
    ("TextVectorization", {"output_mode": "multi_hot", "output_sequence_length": 5}),
    ("TextVectorization", {"ngrams": "2"}),
    ("TextVectorization", {"standardize": "upper"}),
    ("TextVectorization", {"split": "comma"}),
    ("TextVectorization", {"vocabulary": ["a", "a"]}),
    ("Hashing", {"num_bins": 3, "output_mode": "int", "dtype": "float32"}),
])
def test_refused_configurations(layer, kwargs):
    with pytest.raises(ValueError):
        getattr(keras.layers, layer)(**kwargs)
    with pytest.raises(ValueError):
        getattr(torchkeras.layers, layer)(**kwargs)


# ------------------------------------------------------------------------------- .keras both ways
def _string_model(lib):
    text = lib.Input(shape=(1,), dtype="string", name="text")
    word = lib.Input(shape=(2,), dtype="string", name="word")
    num = lib.Input(shape=(3,), name="num")
    tv = lib.layers.TextVectorization(max_tokens=20, output_mode="tf_idf", ngrams=2)
    tv.adapt(TEXT)
    tv_int = lib.layers.TextVectorization(output_sequence_length=6)
    tv_int.adapt(TEXT)
    sl = lib.layers.StringLookup(num_oov_indices=2, mask_token="")
    sl.adapt(WORDS.reshape(-1))
    fixed = lib.layers.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
    norm = lib.layers.Normalization()
    norm.adapt(np.random.default_rng(3).normal(size=(30, 3)).astype("float32"))
    disc = lib.layers.Discretization(num_bins=4)
    disc.adapt(np.random.default_rng(4).normal(size=(30, 3)).astype("float32"))
    hashed = lib.layers.Hashing(num_bins=11, salt=5)
    outs = [tv(text), tv_int(text), sl(word), fixed(word), norm(num), disc(num), hashed(word)]
    return lib.Model([text, word, num], outs)


_X = [TEXT.reshape(-1, 1), WORDS[:, :2].repeat(2, axis=0), np.random.default_rng(5).normal(size=(8, 3)).astype("float32")]


def _check_outputs(ours_model, ref_model):
    for o, r in zip(ours_model(_X), ref_model(_X)):
        _same(o, r, exact=False)


def test_keras_file_from_keras_loads_in_torchkeras(tmp_path):
    km = _string_model(keras)
    path = str(tmp_path / "k.keras")
    km.save(path)
    tm = torchkeras.saving.load_model(path)
    _check_outputs(tm, km)
    for kl, tl in zip(km.layers, tm.layers):
        if hasattr(kl, "get_vocabulary"):
            assert _vocab(tl) == _vocab(kl)


def test_keras_file_from_torchkeras_loads_in_keras(tmp_path):
    import zipfile
    tm = _string_model(torchkeras)
    path = str(tmp_path / "t.keras")
    tm.save(path)
    km = keras.saving.load_model(path)
    _check_outputs(tm, km)
    names = zipfile.ZipFile(path).namelist()
    assert "assets/layers/text_vectorization/vocabulary.txt" in names
    assert "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt" in names
    assert "assets/layers/string_lookup/vocabulary.txt" in names


def test_vocabulary_file_round_trip(tmp_path):
    vocab_path = tmp_path / "vocab.txt"
    vocab_path.write_text("a\nb\nc\n")
    for save_lib, load_lib in ((torchkeras, keras), (keras, torchkeras)):
        layer = save_lib.layers.StringLookup(vocabulary=str(vocab_path), mask_token="[MASK]", oov_token="[OOV]",
                                             name="index")
        model = save_lib.Sequential([save_lib.Input(shape=(1,), dtype="string"), layer])
        path = str(tmp_path / f"{save_lib.__name__}.keras")
        model.save(path)
        loaded = load_lib.saving.load_model(path)
        assert _vocab(loaded.get_layer("index")) == ["[MASK]", "[OOV]", "a", "b", "c"]
