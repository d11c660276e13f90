"""Our port of `keras.src.testing.test_utils`: synthetic classification data and named parameter
products for absl's `named_parameters` (test names must come out as upstream's)."""

import itertools

import numpy as np


def get_test_data(train_samples, test_samples, input_shape, num_classes, random_seed=None):
    """Balanced classes around one random template per class, split per class into train and test."""
    np.random.seed(random_seed)
    total = train_samples + test_samples
    per_class = total // num_classes
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), per_class)
    labels = np.concatenate([labels, np.arange(total - len(labels), dtype=np.int64) % num_classes])
    templates = 2 * num_classes * np.random.random((num_classes,) + input_shape)
    x = np.zeros((total,) + input_shape, dtype=np.float32)
    for i in range(total):
        x[i] = templates[labels[i]] + np.random.normal(loc=0, scale=1.0, size=input_shape)
    order = np.arange(total)
    np.random.shuffle(order)
    x, labels = x[order], labels[order]

    x_train, y_train, x_test, y_test = [], [], [], []
    train_per_class = int(train_samples / num_classes)
    for cls in range(num_classes):
        rows = np.where(labels == cls)[0]
        np.random.shuffle(rows)
        x_train.extend(x[rows[:train_per_class]])
        y_train.extend(labels[rows[:train_per_class]])
        x_test.extend(x[rows[train_per_class:]])
        y_test.extend(labels[rows[train_per_class:]])
    x_train, y_train, x_test, y_test = map(np.array, (x_train, y_train, x_test, y_test))
    train_order, test_order = np.arange(len(x_train)), np.arange(len(x_test))
    np.random.shuffle(train_order)
    np.random.shuffle(test_order)
    return (x_train[train_order], y_train[train_order]), (x_test[test_order], y_test[test_order])


def _label(value):
    return value.__name__.lower() if hasattr(value, "__name__") else str(value).lower()


def named_product(*args, **kwargs):
    """Cartesian product of parameter dicts, each case named by joining its parts' names with `_`.

    Positional arguments are sequences of dicts that carry a "testcase_name"; keyword arguments are
    value lists, each value named by its `__name__` or `str()`, lowercased. The first axis varies
    fastest, as in Keras's helper, so that the generated names and their order match upstream.
    """
    axes = list(args) + [[{"testcase_name": _label(v), key: v} for v in values]
                         for key, values in kwargs.items()]
    cases = []
    for combo in itertools.product(*reversed(axes)):
        merged, names = {}, []
        for part in reversed(combo):
            merged.update(part)
            names.append(part["testcase_name"])
        merged["testcase_name"] = "_".join(names)
        cases.append(merged)
    return cases
