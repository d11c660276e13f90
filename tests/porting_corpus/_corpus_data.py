"""Stand-ins for the datasets the corpus scripts download (numpy only, never keras or tensorflow).

Every generator is seeded, so torchkeras and real Keras train on identical arrays, and has the
dtypes and per-sample shapes of the dataset it replaces, with a learnable class signal so final
metrics mean something. Sample counts are small: each script must run in seconds on two cores.
"""

import os

import numpy as np


def _rng(seed):
    return np.random.RandomState(seed)


def _images(n, shape, classes, seed, noise=40.0):
    """uint8 images of `shape`: a per-class sparse binary template ("strokes") plus noise."""
    rng = _rng(seed)
    templates = (rng.rand(classes, *shape) > 0.75) * 220.0
    labels = rng.randint(0, classes, size=n)
    x = templates[labels] + rng.normal(0, noise, size=(n,) + shape)
    return np.clip(x, 0, 255).astype("uint8"), labels.astype("uint8")


def mnist(n_train=1000, n_test=200, seed=0):
    """As keras.datasets.mnist.load_data(): ((x uint8 (n,28,28), y uint8 (n,)), (...))."""
    x, y = _images(n_train + n_test, (28, 28), 10, seed)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def cifar10(n_train=600, n_test=150, seed=1):
    """As keras.datasets.cifar10.load_data(): x uint8 (n,32,32,3), y uint8 (n,1)."""
    x, y = _images(n_train + n_test, (32, 32, 3), 10, seed)
    y = y.reshape(-1, 1)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def imdb(n_train=500, n_test=200, num_words=2000, mean_len=120, seed=2):
    """As keras.datasets.imdb.load_data(num_words=...): object arrays of int lists, int64 0/1 labels.
    Index 1 starts every review, as Keras's; a few hundred word ids lean positive or negative."""
    rng = _rng(seed)
    n = n_train + n_test
    labels = rng.randint(0, 2, size=n).astype("int64")
    pos_words = rng.choice(np.arange(4, num_words), 100, replace=False)
    neg_words = rng.choice(np.setdiff1d(np.arange(4, num_words), pos_words), 100, replace=False)
    seqs = []
    for lab in labels:
        length = max(10, int(rng.exponential(mean_len)))
        words = rng.randint(4, num_words, size=length)
        mark = rng.rand(length) < 0.15
        words[mark] = rng.choice(pos_words if lab else neg_words, size=int(mark.sum()))
        seqs.append([1] + words.tolist())
    x = np.empty(n, dtype=object)
    x[:] = seqs
    return (x[:n_train], labels[:n_train]), (x[n_train:], labels[n_train:])


_VOCAB = ("the a movie film plot actor story scene was is and of to it this that with but "
          "for on as its very really just about").split()
_POS = "great wonderful excellent superb loved brilliant moving beautiful best fun".split()
_NEG = "awful terrible boring worst waste bad dull poor horrible stupid".split()


def reviews(n=400, seed=3):
    """Movie-review-like strings and 0/1 labels (1 = positive), with some <br /> tags as IMDB's."""
    rng = _rng(seed)
    texts, labels = [], []
    for _ in range(n):
        lab = int(rng.randint(0, 2))
        words = list(rng.choice(_VOCAB, size=rng.randint(15, 40)))
        for _ in range(rng.randint(2, 5)):
            words.insert(rng.randint(0, len(words)), rng.choice(_POS if lab else _NEG))
        text = " ".join(words).capitalize() + ".<br /><br />" + " ".join(rng.choice(_VOCAB, 5)) + "!"
        texts.append(text)
        labels.append(lab)
    return texts, np.array(labels, dtype="int64")


def write_review_dirs(root, n=400, seed=3):
    """aclImdb-style folders root/{train,test}/{neg,pos}/*.txt, for text_dataset_from_directory."""
    texts, labels = reviews(n, seed)
    for i, (t, lab) in enumerate(zip(texts, labels)):
        split = "test" if i % 5 == 0 else "train"
        folder = os.path.join(root, split, "pos" if lab else "neg")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{i}_{7 if lab else 3}.txt"), "w") as f:
            f.write(t)
    return root


def corpus_text(n_chars=6000, seed=4):
    """Lower-case English-like text (as nietzsche.txt after .lower()), from a small word Markov chain."""
    rng = _rng(seed)
    words = ("the will to power is not a thing but a becoming and every philosopher has "
             "his own truth which he calls good and evil in the spirit of man").split()
    out, w = [], 0
    while sum(len(x) + 1 for x in out) < n_chars:
        w = (w + rng.randint(1, 4)) % len(words)
        out.append(words[w])
    return " ".join(out)


def weather(n=3000, seed=5):
    """A jena_climate-like float32 table (n, 14): smooth daily/seasonal cycles plus noise.
    Column 1 plays "T (degC)"."""
    rng = _rng(seed)
    t = np.arange(n, dtype="float64")
    base = np.stack([np.sin(2 * np.pi * t / 144 + k) + 0.5 * np.sin(2 * np.pi * t / 1000 + 2 * k)
                     for k in range(14)], axis=1)
    data = base * rng.uniform(1, 10, size=14) + rng.uniform(-5, 1000, size=14)
    return (data + rng.normal(0, 0.2, size=data.shape)).astype("float32")


def forda(n_train=300, n_test=100, length=128, seed=6):
    """FordA-like: float rows (n, length) and labels in {-1, 1} (as the UCR .tsv files)."""
    rng = _rng(seed)
    n = n_train + n_test
    y = rng.choice([-1, 1], size=n)
    t = np.linspace(0, 1, length)
    freq = np.where(y > 0, 5.0, 9.0)[:, None] + rng.normal(0, 0.5, size=(n, 1))
    x = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6, (n, 1))) + rng.normal(0, 0.5, (n, length))
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def heart(n=300, seed=7):
    """heart.csv-like columns (a dict of numpy arrays, the DataFrame's columns) with int64 "target"."""
    rng = _rng(seed)
    cols = {
        "age": rng.randint(29, 78, n), "sex": rng.randint(0, 2, n), "cp": rng.randint(0, 5, n),
        "trestbps": rng.randint(94, 200, n), "chol": rng.randint(126, 564, n),
        "fbs": rng.randint(0, 2, n), "restecg": rng.randint(0, 3, n), "thalach": rng.randint(71, 202, n),
        "exang": rng.randint(0, 2, n), "oldpeak": np.round(rng.uniform(0, 6.2, n), 1),
        "slope": rng.randint(1, 4, n), "ca": rng.randint(0, 4, n),
        "thal": rng.choice(np.array(["fixed", "normal", "reversible"], dtype=object), n),
    }
    score = (cols["cp"] - 2) * 0.8 + (cols["thalach"] - 150) / 20.0 - cols["exang"] * 1.5 \
        + (cols["thal"] == "reversible") * 1.5 + rng.normal(0, 0.7, n)
    cols["target"] = (score > 0).astype("int64")
    return cols


def credit_card(n=2000, features=30, seed=8):
    """creditcard.csv-like: float32 features (n, 30) and ~5% positive int64 labels (imbalanced)."""
    rng = _rng(seed)
    y = (rng.rand(n) < 0.05).astype("int64")
    x = rng.normal(0, 1, size=(n, features)) + y[:, None] * rng.normal(1.5, 0.3, size=features)
    return x.astype("float32"), y


def ratings(n=3000, users=60, movies=80, seed=9):
    """MovieLens-like (user, movie) int64 pairs and ratings scaled to [0, 1] (float32)."""
    rng = _rng(seed)
    uf, mf = rng.normal(size=(users, 4)), rng.normal(size=(movies, 4))
    u, m = rng.randint(0, users, n), rng.randint(0, movies, n)
    r = 1.0 / (1.0 + np.exp(-(uf[u] * mf[m]).sum(1)))
    return np.stack([u, m], 1).astype("int64"), r.astype("float32"), users, movies


def moving_squares(n=40, frames=10, size=16, seed=10):
    """Moving-MNIST-like float32 videos (n, frames, size, size, 1) in [0, 1]: one square drifting."""
    rng = _rng(seed)
    v = np.zeros((n, frames, size, size, 1), dtype="float32")
    for i in range(n):
        x, y, dx, dy = rng.randint(0, size - 4), rng.randint(0, size - 4), *rng.choice([-1, 1], 2)
        for f in range(frames):
            v[i, f, y:y + 4, x:x + 4, 0] = 1.0
            if not 0 <= x + dx <= size - 4:
                dx = -dx
            if not 0 <= y + dy <= size - 4:
                dy = -dy
            x, y = x + dx, y + dy
    return v


def translation_lines(n=300, seed=11):
    """fra.txt-like "english\\tfrench\\tattribution" lines."""
    rng = _rng(seed)
    pairs = [("go.", "va !"), ("hi.", "salut !"), ("run!", "cours !"), ("wow!", "ça alors !"),
             ("i see.", "je vois."), ("help!", "à l'aide !"), ("stop!", "arrête-toi !"),
             ("wait!", "attends !"), ("hello!", "bonjour !"), ("i won.", "j'ai gagné."),
             ("thanks.", "merci."), ("we try.", "on essaye.")]
    return [f"{a}\t{b}\tCC-BY" for a, b in (pairs[i] for i in rng.randint(0, len(pairs), n))]


def babi(n=300, seed=12):
    """bAbI-QA1-like (story, question, answer) word-list triples."""
    rng = _rng(seed)
    people, places = ["Mary", "John", "Sandra", "Daniel"], ["kitchen", "garden", "office", "hallway", "bathroom"]
    data = []
    for _ in range(n):
        story, where = [], {}
        for _ in range(rng.randint(2, 5)):
            p, pl = rng.choice(people), rng.choice(places)
            where[p] = pl
            story += [p, "moved", "to", "the", pl, "."]
        p = rng.choice(list(where))
        data.append((story, ["Where", "is", p, "?"], where[p]))
    return data
