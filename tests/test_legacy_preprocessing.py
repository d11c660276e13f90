"""keras.preprocessing (Keras 2): text.Tokenizer & co., sequence helpers and ImageDataGenerator,
checked against hand-derived expectations (Keras 2's documented rules)."""

import numpy as np
import pytest

from torchkeras.preprocessing import image, sequence, text

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "cat, dog; cat?"]


# -- text -----------------------------------------------------------------------------------------
def test_text_to_word_sequence_filters_and_lowercases():
    assert text.text_to_word_sequence("Hello, World!  foo\tbar") == ["hello", "world", "foo", "bar"]
    assert text.text_to_word_sequence("A-B", filters="", lower=False, split="-") == ["A", "B"]


def test_tokenizer_index_order_counts_and_sequences():
    tok = text.Tokenizer()
    tok.fit_on_texts(TEXTS)
    # counts: the 3, cat 3, dog 2, then once each in first-seen order.
    assert list(tok.word_index)[:3] == ["the", "cat", "dog"]
    assert list(tok.word_index)[3:] == ["sat", "on", "mat", "ate", "my", "homework"]
    assert tok.word_counts["cat"] == 3 and tok.word_docs["cat"] == 2 and tok.document_count == 3
    assert tok.texts_to_sequences(["the cat ate a fish"]) == [[1, 2, 7]]
    assert tok.sequences_to_texts([[1, 2, 7]]) == ["the cat ate"]


def test_tokenizer_num_words_and_oov():
    tok = text.Tokenizer(num_words=4, oov_token="<OOV>")
    tok.fit_on_texts(TEXTS)
    assert tok.word_index["<OOV>"] == 1 and tok.word_index["the"] == 2
    # Indices >= num_words and unknown words both map to the OOV index.
    assert tok.texts_to_sequences(["the cat dog zebra"]) == [[2, 3, 1, 1]]
    assert tok.sequences_to_texts([[2, 3, 9]]) == ["the cat <OOV>"]


def test_tokenizer_matrix_modes():
    tok = text.Tokenizer(num_words=5)
    tok.fit_on_texts(TEXTS)
    seqs = [[1, 2, 2, 9], []]
    np.testing.assert_array_equal(tok.sequences_to_matrix(seqs, "binary")[0], [0, 1, 1, 0, 0])
    np.testing.assert_array_equal(tok.sequences_to_matrix(seqs, "count")[0], [0, 1, 2, 0, 0])
    np.testing.assert_allclose(tok.sequences_to_matrix(seqs, "freq")[0], [0, 0.25, 0.5, 0, 0])
    tfidf = tok.sequences_to_matrix(seqs, "tfidf")
    # "the" (index 1) occurs in 2 of 3 documents; "cat" (2) in 2 of 3.
    idf = np.log(1 + 3 / (1 + 2))
    np.testing.assert_allclose(tfidf[0, 1:3], [idf, (1 + np.log(2)) * idf])
    assert not tfidf[1].any()
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tok.texts_to_matrix(["x"], mode="bogus")
    with pytest.raises(ValueError, match="fit on some text data first"):
        text.Tokenizer().sequences_to_matrix([[1]])


def test_tokenizer_char_level_and_json_roundtrip():
    tok = text.Tokenizer(char_level=True, oov_token="?")
    tok.fit_on_texts(["abba", "ca"])
    assert tok.word_index == {"?": 1, "a": 2, "b": 3, "c": 4}
    back = text.tokenizer_from_json(tok.to_json())
    assert back.word_index == tok.word_index and back.index_word == tok.index_word
    assert back.texts_to_sequences(["abz"]) == tok.texts_to_sequences(["abz"]) == [[2, 3, 1]]
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        text.Tokenizer(bogus=1)


def test_hashing_trick_md5_range_and_determinism():
    out = text.hashing_trick("a b a c", 7, hash_function="md5")
    assert out[0] == out[2] and all(1 <= v <= 6 for v in out)
    import hashlib
    assert out[1] == int(hashlib.md5(b"b").hexdigest(), 16) % 6 + 1
    assert len(text.one_hot("x y z", 10)) == 3


# -- sequence -------------------------------------------------------------------------------------
def test_timeseries_generator_batches():
    data = np.arange(50).reshape(-1, 1)
    gen = sequence.TimeseriesGenerator(data, data[:, 0] * 2, length=5, sampling_rate=2, stride=3, batch_size=4)
    x, y = gen[0]
    rows = np.array([5, 8, 11, 14])
    np.testing.assert_array_equal(x, np.stack([data[r - 5:r:2] for r in rows]))
    np.testing.assert_array_equal(y, rows * 2)
    assert len(gen) == (49 - 5 + 12) // 12
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(data, data[:3], length=2)


def test_sampling_table_and_skipgrams():
    table = sequence.make_sampling_table(5, sampling_factor=0.1)
    rank = np.array([1, 1, 2, 3, 4])
    f = 0.1 * (rank * (np.log(rank) + 0.577) + 0.5 - 1 / (12 * rank))
    np.testing.assert_allclose(table, np.minimum(1, np.sqrt(f)))
    couples, labels = sequence.skipgrams([1, 2, 0, 3], vocabulary_size=5, window_size=1, negative_samples=0,
                                         shuffle=False)
    assert couples == [[1, 2], [2, 1]] and labels == [1, 1]
    couples, labels = sequence.skipgrams([1, 2, 3], 5, window_size=2, negative_samples=1.0, seed=0)
    assert labels.count(1) == 6 and labels.count(0) == 6
    assert all(1 <= c[1] <= 4 for c in couples)


# -- image ----------------------------------------------------------------------------------------
def test_flow_without_augmentation_is_rescaled_input():
    x = np.random.RandomState(0).rand(7, 4, 5, 3).astype("float32") * 255
    it = image.ImageDataGenerator(rescale=1 / 255.0).flow(x, np.arange(7), batch_size=3, shuffle=False)
    assert len(it) == 3
    bx, by = it[2]
    np.testing.assert_allclose(bx, x[6:] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(by, [6])
    bx, _ = next(it)
    np.testing.assert_allclose(bx, x[:3] / 255.0, rtol=1e-6)


def test_featurewise_fit_and_standardize():
    x = np.random.RandomState(1).rand(10, 3, 3, 3).astype("float32")
    gen = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(x)
    mean = x.mean(axis=(0, 1, 2))
    std = (x - mean).std(axis=(0, 1, 2))
    np.testing.assert_allclose(gen.mean.ravel(), mean, rtol=1e-5)
    np.testing.assert_allclose(gen.standardize(x[0].copy()), (x[0] - mean) / (std + 1e-6), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(x[0])


def test_flips_shift_and_validation_split():
    x = np.arange(2 * 3 * 4 * 1, dtype="float32").reshape(2, 3, 4, 1)
    gen = image.ImageDataGenerator(horizontal_flip=True)
    flipped = gen.apply_transform(x[0], {"flip_horizontal": True})
    np.testing.assert_array_equal(flipped, x[0][:, ::-1])
    # A one-pixel shift along columns with nearest fill repeats the edge column.
    shifted = image.ImageDataGenerator().apply_transform(x[0], {"ty": 1})
    np.testing.assert_allclose(shifted[:, :3, 0], x[0][:, 1:, 0], atol=1e-5)
    np.testing.assert_allclose(shifted[:, 3, 0], x[0][:, 3, 0], atol=1e-5)
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    split = image.ImageDataGenerator(validation_split=0.2)
    val = split.flow(np.zeros((10, 2, 2, 1)), y, subset="validation", shuffle=False, batch_size=10)
    train = split.flow(np.zeros((10, 2, 2, 1)), y, subset="training", shuffle=False, batch_size=10)
    assert val.n == 2 and train.n == 8
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        image.ImageDataGenerator(validation_split=2)
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))


def test_random_transform_seeded_and_shape_preserving():
    x = np.random.RandomState(2).rand(8, 8, 3).astype("float32")
    gen = image.ImageDataGenerator(rotation_range=30, width_shift_range=0.1, height_shift_range=2, shear_range=10,
                                   zoom_range=0.2, channel_shift_range=0.1, vertical_flip=True)
    a, b = gen.random_transform(x, seed=5), gen.random_transform(x, seed=5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and not np.allclose(a, x)


def test_flow_from_directory(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    for c in ("cats", "dogs"):
        (tmp_path / c).mkdir()
        for i in range(5):
            Image.fromarray(np.full((6, 6, 3), 40 * i, "uint8")).save(str(tmp_path / c / f"{i}.png"))
    gen = image.ImageDataGenerator(validation_split=0.4)
    it = gen.flow_from_directory(str(tmp_path), target_size=(4, 4), batch_size=3, shuffle=False, subset="training")
    assert it.samples == 6 and it.class_indices == {"cats": 0, "dogs": 1}
    # Per class, the first 40% of files are the validation set.
    assert it.filenames[:3] == ["cats/2.png", "cats/3.png", "cats/4.png"]
    bx, by = it[0]
    assert bx.shape == (3, 4, 4, 3)
    np.testing.assert_array_equal(bx[:, 0, 0, 0], [80, 120, 160])
    np.testing.assert_array_equal(by, [[1, 0]] * 3)
    sparse = gen.flow_from_directory(str(tmp_path), target_size=(4, 4), class_mode="sparse", shuffle=False)
    assert list(sparse[0][1]) == [0] * 5 + [1] * 5
    with pytest.raises(ValueError, match="Invalid class_mode"):
        gen.flow_from_directory(str(tmp_path), class_mode="bogus")


def test_keras2_paths_under_the_porting_runner(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "port.py"
    script.write_text(
        "import numpy as np\n"
        "from keras.preprocessing.text import Tokenizer\n"
        "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
        "from keras.preprocessing.sequence import pad_sequences, TimeseriesGenerator\n"
        "import keras\n"
        "t = Tokenizer(); t.fit_on_texts(['b a b'])\n"
        "assert t.word_index == {'b': 1, 'a': 2}\n"
        "assert pad_sequences([[1]], maxlen=2).tolist() == [[0, 1]]\n"
        "m = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])\n"
        "m.compile(optimizer=keras.optimizers.rmsprop(lr=0.01), loss='mse')\n"
        "assert abs(float(m.optimizer.learning_rate) - 0.01) < 1e-7\n"
        "assert abs(float(keras.optimizers.adadelta().learning_rate) - 1.0) < 1e-7\n"
        "m.fit(ImageDataGenerator(horizontal_flip=True).flow(np.zeros((6, 2, 2, 1)), np.zeros(6), batch_size=4),\n"
        "      epochs=2, verbose=0)\n"
        "print('PORT-OK')\n")
    out = subprocess.run([sys.executable, "-m", "torchkeras", "run", str(script)], capture_output=True, text=True,
                         timeout=300)
    assert "PORT-OK" in out.stdout, out.stderr[-2000:]
