"""fit() from the same initial weights on fixed, unshuffled data: History and trained weights must
match tf.keras to 1e-4 after N epochs (no dropout: random streams cannot match)."""

import numpy as np

from conformance.case import Case, family
from conformance.cases.models import seed_mlp_functional, seed_mlp_sequential_add


def _teacher(rng, rows=512, features=784, classes=10):
    x = rng.random((rows, features)).astype("float32")
    w = rng.standard_normal((features, classes)).astype("float32")
    return x, (x - 0.5) @ w


def mnist_like_onehot(rng):
    x, logits = _teacher(rng)
    return x, np.eye(10, dtype="float32")[logits.argmax(1)]


def mnist_like_sparse(rng):
    x, logits = _teacher(rng)
    return x, logits.argmax(1).astype("int64")


def regression(rng):
    x = rng.standard_normal((256, 8)).astype("float32")
    w = rng.standard_normal((8, 2)).astype("float32")
    return x, (np.tanh(x @ w) + 0.1 * rng.standard_normal((256, 2))).astype("float32")


def binary(rng):
    x = rng.standard_normal((256, 8)).astype("float32")
    return x, (x[:, :1] + x[:, 1:2] > 0).astype("float32")


def small_mlp(k):
    return k.Sequential([k.Input((8,)), k.layers.Dense(16, activation="relu"), k.layers.Dense(2)])


def binary_mlp(k):
    return k.Sequential([k.Input((8,)), k.layers.Dense(8, activation="tanh"),
                         k.layers.Dense(1, activation="sigmoid")])


def two_output(k):
    L = k.layers
    x = k.Input((8,))
    h = L.Dense(8, activation="relu")(x)
    return k.Model(x, [L.Dense(2, name="a")(h), L.Dense(1, activation="sigmoid", name="b")(h)])


def two_output_data(rng):
    x, y = regression(rng)
    return x, [y, (y[:, :1] > 0).astype("float32")]


CCE = {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}


def fit(id, build, data, compile, **kw):
    return Case(id=id, kind="fit", build=build, data=data, compile=compile, **kw)


CASES = [
    fit("fit_seed_mlp_sgd_3ep", seed_mlp_sequential_add, mnist_like_onehot, {"optimizer": "sgd", **CCE}),
    fit("fit_seed_mlp_adam_3ep", seed_mlp_sequential_add, mnist_like_onehot, {"optimizer": "adam", **CCE}),
    fit("fit_seed_mlp_rmsprop_3ep", seed_mlp_sequential_add, mnist_like_onehot,
        {"optimizer": "rmsprop", **CCE}),
    fit("fit_seed_mlp_functional_Adam_sparse", seed_mlp_functional, mnist_like_sparse,
        {"optimizer": "Adam", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
        evaluate=True),
    fit("fit_seed_mlp_SGD_momentum_nesterov", seed_mlp_sequential_add, mnist_like_onehot,
        {"optimizer": lambda k: k.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True), **CCE}),
    fit("fit_seed_mlp_validation_split", seed_mlp_functional, mnist_like_onehot,
        {"optimizer": "adam", **CCE}, fit_kwargs={"validation_split": 0.25}),
    fit("fit_regression_mse_sgd_mae_metric", small_mlp, regression,
        {"optimizer": "sgd", "loss": "mse", "metrics": ["mae"]}, epochs=4, evaluate=True),
    fit("fit_regression_mae_rmsprop_centered", small_mlp, regression,
        {"optimizer": lambda k: k.optimizers.RMSprop(learning_rate=0.01, centered=True, momentum=0.5),
         "loss": "mae", "metrics": ["mse"]}),
    fit("fit_binary_crossentropy_adam", binary_mlp, binary,
        {"optimizer": lambda k: k.optimizers.Adam(learning_rate=0.01), "loss": "binary_crossentropy",
         "metrics": ["accuracy"]}, evaluate=True),
    fit("fit_two_outputs_losses_list", two_output, two_output_data,
        {"optimizer": "adam", "loss": ["mse", "binary_crossentropy"]}),
]

CASES = family("training", CASES)
