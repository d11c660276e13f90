"""Small real or generated data sets for the examples (no download: scikit-learn ships the digits)."""

import numpy as np


def digits_28x28(seed=0):
    """scikit-learn's 1797 handwritten digits (8x8, 0..16), upscaled 3x and padded to MNIST's 28x28 in [0, 1].

    Returns (x_train, y_train), (x_test, y_test) with x of shape (n, 28, 28) float32 and integer labels.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype("float32") / 16.0
    big = np.kron(images, np.ones((1, 3, 3), dtype="float32"))           # (n, 24, 24)
    big = np.pad(big, ((0, 0), (2, 2), (2, 2)))                          # (n, 28, 28), centred like MNIST
    order = np.random.RandomState(seed).permutation(len(big))
    big, labels = big[order], digits.target[order]
    split = int(0.8 * len(big))
    return (big[:split], labels[:split]), (big[split:], labels[split:])


def topic_sequences(n, maxlen, vocab_size, num_classes, seed=0):
    """Text-like integer sequences whose class is the topic word group that occurs most often.

    Word ids 1..vocab_size-1 (0 is padding); ids are split into `num_classes` topic groups plus common
    "filler" words. Each sequence has a random length, is left-padded with 0 to `maxlen`, and mixes fillers
    with words of its own topic and a few of other topics, so the label needs counting, not one word.
    """
    rng = np.random.RandomState(seed)
    group = (vocab_size - 1) // (num_classes + 1)
    topics = [np.arange(1 + k * group, 1 + (k + 1) * group) for k in range(num_classes)]
    fillers = np.arange(1 + num_classes * group, vocab_size)
    x = np.zeros((n, maxlen), dtype="int32")
    y = rng.randint(0, num_classes, size=n)
    for i in range(n):
        length = rng.randint(maxlen // 2, maxlen + 1)
        words = rng.choice(fillers, size=length)
        own = rng.rand(length) < 0.3
        other = rng.rand(length) < 0.12
        words[own] = rng.choice(topics[y[i]], size=own.sum())
        others = np.concatenate([t for k, t in enumerate(topics) if k != y[i]])
        words[other & ~own] = rng.choice(others, size=(other & ~own).sum())
        x[i, maxlen - length:] = words
    return x, y
