"""fit() from the same initial weights on fixed, unshuffled data: History, trained weights, evaluate
and predict must match tf.keras to 1e-4 after N epochs (no dropout: random streams cannot match).

The optimizer rows train one small softmax MLP (512 rows, batch 32, 3 epochs) with learning rates
large enough that every rule moves the weights visibly; the model rows cover each loss family, a
multi-output model, BatchNormalization, an LSTM, class_weight and sample_weight.
"""

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


def clf_onehot(rng):
    x = rng.standard_normal((512, 20)).astype("float32")
    logits = x @ rng.standard_normal((20, 5)).astype("float32")
    return x, np.eye(5, dtype="float32")[logits.argmax(1)]


def clf_sparse(rng):
    x, y = clf_onehot(rng)
    return x, y.argmax(1).astype("int64")


def regression(rng, rows=256):
    x = rng.standard_normal((rows, 8)).astype("float32")
    w = rng.standard_normal((8, 2)).astype("float32")
    return x, (np.tanh(x @ w) + 0.1 * rng.standard_normal((rows, 2))).astype("float32")


def regression512(rng):
    return regression(rng, 512)


def binary(rng, rows=256):
    x = rng.standard_normal((rows, 8)).astype("float32")
    return x, (x[:, :1] + x[:, 1:2] > 0).astype("float32")


def binary512(rng):
    return binary(rng, 512)


def images(rng):
    x = rng.standard_normal((512, 8, 8, 1)).astype("float32")
    return x, (x[:, :4].mean((1, 2, 3)) > x[:, 4:].mean((1, 2, 3))).astype("int64")


def token_ids(rng):
    x = rng.integers(1, 20, size=(512, 10)).astype("int64")
    x[rng.random((512, 10)) < 0.2] = 0          # padding, masked by Embedding(mask_zero=True)
    return x, ((x >= 10).sum(1) > (x > 0).sum(1) / 2).astype("float32")[:, None]


def small_mlp(k):
    return k.Sequential([k.Input((8,)), k.layers.Dense(16, activation="relu"), k.layers.Dense(2)])


def softmax_mlp(k):
    return k.Sequential([k.Input((20,)), k.layers.Dense(16, activation="relu"),
                         k.layers.Dense(5, activation="softmax")])


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


def two_output_data512(rng):
    x, y = regression(rng, 512)
    return x, [y, (y[:, :1] > 0).astype("float32")]


def small_cnn_bn(k, conv_bias=False):
    # A conv bias right before BatchNormalization gets a gradient that is float rounding noise
    # (BN subtracts the batch mean); Adam normalises that noise into full-size steps whose sign
    # no two libraries share, so the Adam row uses the usual use_bias=False (the SGD row keeps it).
    L = k.layers
    return k.Sequential([k.Input((8, 8, 1)), L.Conv2D(4, 3, padding="same", use_bias=conv_bias),
                         L.BatchNormalization(),
                         L.Activation("relu"), L.MaxPooling2D(2), L.Flatten(),
                         L.Dense(2, activation="softmax")])


def small_cnn_bias_bn(k):
    return small_cnn_bn(k, conv_bias=True)


def text_rnn(k, rnn="LSTM", units=8, mask_zero=True):
    L = k.layers
    return k.Sequential([k.Input((10,), dtype="int64"), L.Embedding(20, 8, mask_zero=mask_zero),
                         getattr(L, rnn)(units), L.Dense(1, activation="sigmoid")])


def embedding_lstm(k):
    return text_rnn(k)


CCE = {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}
BCE = {"loss": "binary_crossentropy", "metrics": ["accuracy"]}


def fit(id, build, data, compile, **kw):
    return Case(id=id, kind="fit", build=build, data=data, compile=compile, **kw)


def opt(name, **kwargs):
    return lambda k: getattr(k.optimizers, name)(**kwargs)


def sched(name, **kwargs):
    return lambda k: getattr(k.optimizers.schedules, name)(**kwargs)


def opt_sched(name, schedule, **kwargs):
    return lambda k: getattr(k.optimizers, name)(learning_rate=schedule(k), **kwargs)


# One softmax-MLP row per optimizer configuration (evaluate + predict compared on each).
OPTIMIZERS = {
    "SGD": opt("SGD", learning_rate=0.1),
    "SGD_momentum": opt("SGD", learning_rate=0.05, momentum=0.9),
    "SGD_nesterov": opt("SGD", learning_rate=0.05, momentum=0.9, nesterov=True),
    "Adam": opt("Adam", learning_rate=0.01),
    "Adam_amsgrad": opt("Adam", learning_rate=0.01, amsgrad=True),
    "AdamW": opt("AdamW", learning_rate=0.01, weight_decay=0.05),
    "RMSprop": opt("RMSprop", learning_rate=0.005),
    "RMSprop_centered": opt("RMSprop", learning_rate=0.005, centered=True),
    "RMSprop_momentum": opt("RMSprop", learning_rate=0.002, momentum=0.8),
    "RMSprop_centered_momentum": opt("RMSprop", learning_rate=0.002, centered=True, momentum=0.8),
    "Adagrad": opt("Adagrad", learning_rate=0.05),
    "Adadelta": opt("Adadelta", learning_rate=1.0),
    "Adamax": opt("Adamax", learning_rate=0.01),
    "Nadam": opt("Nadam", learning_rate=0.01),
    "Lion": opt("Lion", learning_rate=0.001),
    "Ftrl": opt("Ftrl", learning_rate=0.05),
    "Adam_ExponentialDecay": opt_sched("Adam", sched("ExponentialDecay", initial_learning_rate=0.02,
                                                     decay_steps=10, decay_rate=0.8)),
    "SGD_ExponentialDecay_staircase": opt_sched(
        "SGD", sched("ExponentialDecay", initial_learning_rate=0.2, decay_steps=16, decay_rate=0.5,
                     staircase=True), momentum=0.5),
    "Adam_CosineDecay": opt_sched("Adam", sched("CosineDecay", initial_learning_rate=0.02,
                                                decay_steps=40, alpha=0.1)),
    "SGD_CosineDecay_warmup": opt_sched("SGD", sched("CosineDecay", initial_learning_rate=0.05,
                                                     decay_steps=30, warmup_target=0.2,
                                                     warmup_steps=10)),
    "SGD_clipnorm": opt("SGD", learning_rate=0.5, clipnorm=0.5),
    "Adam_clipnorm": opt("Adam", learning_rate=0.01, clipnorm=0.1),
    "SGD_global_clipnorm": opt("SGD", learning_rate=0.5, global_clipnorm=0.5),
    "SGD_clipvalue": opt("SGD", learning_rate=0.5, clipvalue=0.05),
    "SGD_weight_decay": opt("SGD", learning_rate=0.1, weight_decay=0.1),
    "Adam_weight_decay": opt("Adam", learning_rate=0.01, weight_decay=0.1),
    "RMSprop_weight_decay_clipnorm": opt("RMSprop", learning_rate=0.005, weight_decay=0.05,
                                         clipnorm=0.2),
    "Adam_PolynomialDecay": opt_sched("Adam", sched("PolynomialDecay", initial_learning_rate=0.02,
                                                    decay_steps=30, end_learning_rate=0.002,
                                                    power=2.0)),
    "SGD_InverseTimeDecay": opt_sched("SGD", sched("InverseTimeDecay", initial_learning_rate=0.2,
                                                   decay_steps=5, decay_rate=0.5), momentum=0.5),
    "RMSprop_PiecewiseConstantDecay": opt_sched(
        "RMSprop", sched("PiecewiseConstantDecay", boundaries=[10, 30], values=[0.01, 0.005, 0.001])),
    "Adam_CosineDecayRestarts": opt_sched("Adam", sched("CosineDecayRestarts",
                                                        initial_learning_rate=0.02,
                                                        first_decay_steps=12, t_mul=2.0,
                                                        m_mul=0.8, alpha=0.05)),
    "Adam_ema": opt("Adam", learning_rate=0.01, use_ema=True, ema_momentum=0.9),
    "SGD_ema_overwrite": opt("SGD", learning_rate=0.1, momentum=0.9, use_ema=True,
                             ema_momentum=0.8, ema_overwrite_frequency=7),
    "Adam_loss_scale_factor": opt("Adam", learning_rate=0.01, loss_scale_factor=64.0),
    "SGD_gradient_accumulation": opt("SGD", learning_rate=0.1, momentum=0.9,
                                     gradient_accumulation_steps=3),
    "Nadam_global_clipnorm_weight_decay": opt("Nadam", learning_rate=0.01, global_clipnorm=0.3,
                                              weight_decay=0.02),
    "Adagrad_initial_accumulator": opt("Adagrad", learning_rate=0.05,
                                       initial_accumulator_value=0.5, epsilon=1e-5),
    "Ftrl_l1_l2_shrinkage": opt("Ftrl", learning_rate=0.05, learning_rate_power=-0.6,
                                l1_regularization_strength=0.001, l2_regularization_strength=0.01,
                                l2_shrinkage_regularization_strength=0.005, beta=0.1),
    "Lion_weight_decay_betas": opt("Lion", learning_rate=0.002, beta_1=0.95, beta_2=0.98,
                                   weight_decay=0.05),
    "SGD_nesterov_weight_decay_clipvalue": opt("SGD", learning_rate=0.05, momentum=0.8,
                                               nesterov=True, weight_decay=0.01, clipvalue=0.5),
    "Adadelta_rho_epsilon": opt("Adadelta", learning_rate=2.0, rho=0.8, epsilon=1e-5),
    "RMSprop_rho_epsilon_momentum_centered": opt("RMSprop", learning_rate=0.003, rho=0.8,
                                                 epsilon=1e-4, momentum=0.3, centered=True),
    "Adamax_betas_epsilon": opt("Adamax", learning_rate=0.02, beta_1=0.8, beta_2=0.95,
                                epsilon=1e-5),
    "Nadam_betas": opt("Nadam", learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
}

# tf.keras hands the optimizer an Embedding's gradient as IndexedSlices with one slice per token
# occurrence, and Keras's sparse-aware ops keep the occurrences apart through nonlinear steps
# (squares, abs, clipping, norms). Every optimizer configuration runs once more on a bag-of-tokens
# model whose ids repeat within each row, so those rules are compared on repeated ids. Left out
# because tf.keras itself cannot train them with an Embedding: RMSprop(centered=True) (its sparse
# division gathers out of range) and loss_scale_factor (`IndexedSlices / float` raises TypeError).
def bag_of_tokens(k):
    L = k.layers
    return k.Sequential([k.Input((10,), dtype="int64"), L.Embedding(20, 4),
                         L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])


def repeated_token_ids(rng):
    x = rng.integers(0, 6, size=(512, 10)).astype("int64")   # 10 draws from 6 ids: many repeats
    x[:, ::3] += 6 * (rng.random((512, 4)) < 0.5)
    return x, ((x % 6).mean(1) > 2.5).astype("float32")[:, None]


def shared_embedding_pair(k):
    # One Embedding called on two inputs: tf.keras concatenates the two IndexedSlices.
    L = k.layers
    a, b = k.Input((10,), dtype="int64"), k.Input((10,), dtype="int64")
    emb, pool = L.Embedding(20, 4), L.GlobalAveragePooling1D()
    merged = L.Concatenate()([pool(emb(a)), pool(emb(b))])
    return k.Model([a, b], L.Dense(1, activation="sigmoid")(merged))


def repeated_token_pairs(rng):
    x1, y = repeated_token_ids(rng)
    x2 = rng.integers(0, 8, size=x1.shape).astype("int64")
    return [x1, x2], y


EMBEDDING_OPTIMIZERS = {
    **{name: OPTIMIZERS[name] for name in (
        "SGD_momentum", "Adam", "Adam_amsgrad", "AdamW", "RMSprop", "RMSprop_momentum",
        "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion", "Ftrl", "Adam_clipnorm",
        "SGD_global_clipnorm", "SGD_clipvalue", "RMSprop_weight_decay_clipnorm")},
    "Adam_global_clipnorm": opt("Adam", learning_rate=0.01, global_clipnorm=0.05),
    "Adam_clipvalue": opt("Adam", learning_rate=0.01, clipvalue=0.002),
    "Adagrad_clipnorm": opt("Adagrad", learning_rate=0.05, clipnorm=0.05),
    "Adam_gradient_accumulation": opt("Adam", learning_rate=0.01, gradient_accumulation_steps=2),
}

_sw_rng = np.random.default_rng(7)
SAMPLE_WEIGHT_512 = _sw_rng.uniform(0.1, 2.0, 512).astype("float32")

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

CASES += [fit(f"fit_mlp_cce_{name}", softmax_mlp, clf_onehot, {"optimizer": o, **CCE}, evaluate=True)
          for name, o in OPTIMIZERS.items()]

CASES += [
    fit("fit_mlp_sparse_cce_adam_metrics", softmax_mlp, clf_sparse,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": "sparse_categorical_crossentropy",
         "metrics": ["accuracy", "sparse_top_k_categorical_accuracy"]}, evaluate=True),
    fit("fit_mlp_cce_label_smoothing_sgd", softmax_mlp, clf_onehot,
        {"optimizer": opt("SGD", learning_rate=0.1, momentum=0.9),
         "loss": lambda k: k.losses.CategoricalCrossentropy(label_smoothing=0.1),
         "metrics": ["categorical_accuracy", "auc"]}, evaluate=True),
    fit("fit_binary_bce_sgd_512", binary_mlp, binary512,
        {"optimizer": opt("SGD", learning_rate=0.2), "loss": "binary_crossentropy",
         "metrics": ["accuracy", "precision", "recall"]}, evaluate=True),
    fit("fit_regression_mse_adam_512", small_mlp, regression512,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": "mse",
         "metrics": ["mae", "root_mean_squared_error"]}, evaluate=True),
    fit("fit_two_outputs_loss_weights_list", two_output, two_output_data512,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": ["mse", "binary_crossentropy"],
         "loss_weights": [0.3, 2.0], "metrics": [["mae"], ["accuracy"]]}, evaluate=True),
    fit("fit_two_outputs_loss_weights_dict", two_output, two_output_data512,
        {"optimizer": opt("SGD", learning_rate=0.05, momentum=0.9),
         "loss": {"a": "mse", "b": "binary_crossentropy"}, "loss_weights": {"a": 0.5, "b": 1.5},
         "metrics": {"a": "mae", "b": "accuracy"}}, evaluate=True),
    fit("fit_cnn_batchnorm_sparse_adam", small_cnn_bn, images,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": "sparse_categorical_crossentropy",
         "metrics": ["accuracy"]}, evaluate=True),
    fit("fit_cnn_bias_batchnorm_sparse_sgd", small_cnn_bias_bn, images,
        {"optimizer": opt("SGD", learning_rate=0.05, momentum=0.9),
         "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}, evaluate=True),
    *(fit(f"fit_embedding_lstm_bce_{name}", embedding_lstm, token_ids, {"optimizer": o, **BCE},
          evaluate=True)
      for name, o in (("sgd", opt("SGD", learning_rate=0.5, momentum=0.9)),
                      ("rmsprop", opt("RMSprop", learning_rate=0.01)),
                      ("adam", opt("Adam", learning_rate=0.01)))),
    fit("fit_mlp_cce_class_weight", softmax_mlp, clf_onehot,
        {"optimizer": opt("Adam", learning_rate=0.01), **CCE}, evaluate=True,
        fit_kwargs={"class_weight": {0: 0.5, 1: 2.0, 2: 1.0, 3: 3.0, 4: 0.25}}),
    fit("fit_mlp_sparse_class_weight_sgd", softmax_mlp, clf_sparse,
        {"optimizer": opt("SGD", learning_rate=0.1), "loss": "sparse_categorical_crossentropy",
         "metrics": ["accuracy"]}, evaluate=True,
        fit_kwargs={"class_weight": {0: 1.0, 1: 0.2, 2: 4.0, 3: 1.0, 4: 0.7}}),
    fit("fit_binary_sample_weight_weighted_metrics", binary_mlp, binary512,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": "binary_crossentropy",
         "metrics": ["accuracy"], "weighted_metrics": ["accuracy", "mse"]}, evaluate=True,
        fit_kwargs={"sample_weight": SAMPLE_WEIGHT_512}),
    fit("fit_regression_sample_weight_validation", small_mlp, regression512,
        {"optimizer": opt("RMSprop", learning_rate=0.005), "loss": "mse", "metrics": ["mae"]},
        evaluate=True, fit_kwargs={"sample_weight": SAMPLE_WEIGHT_512, "validation_split": 0.25}),
]

# Batches of unequal size (the last one short): Keras weights each batch's loss and metrics by its
# row count in the epoch averages, and validation_split cuts before the remainder.
def clf_onehot_300(rng):
    x, y = clf_onehot(rng)
    return x[:300], y[:300]


def regression_250(rng):
    return regression(rng, 250)


CASES += [
    fit("fit_uneven_batches_cce_adam", softmax_mlp, clf_onehot_300,
        {"optimizer": opt("Adam", learning_rate=0.01), **CCE}, evaluate=True, batch_size=64,
        fit_kwargs={"validation_split": 0.3}),
    fit("fit_uneven_batches_mse_rmsprop_sample_weight", small_mlp, regression_250,
        {"optimizer": opt("RMSprop", learning_rate=0.005), "loss": "mse", "metrics": ["mae"],
         "weighted_metrics": ["mse"]}, evaluate=True, batch_size=48,
        fit_kwargs={"sample_weight": SAMPLE_WEIGHT_512[:250], "validation_split": 0.2}),
    fit("fit_uneven_batches_bce_class_weight_sgd", binary_mlp, binary,
        {"optimizer": opt("SGD", learning_rate=0.1, momentum=0.5), "loss": "binary_crossentropy",
         "metrics": ["accuracy", "auc"]}, evaluate=True, batch_size=40,
        fit_kwargs={"class_weight": {0: 0.7, 1: 1.8}}),
    fit("fit_uneven_batches_validation_batch_size", small_mlp, regression_250,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": "mae", "metrics": ["mse"]},
        batch_size=30, fit_kwargs={"validation_split": 0.25, "validation_batch_size": 17}),
]

def regularized_mlp(k):
    L = k.layers
    return k.Sequential([k.Input((20,)), L.Dense(16, activation="relu", kernel_regularizer="l2",
                                                 activity_regularizer=k.regularizers.L1(0.01)),
                         L.Dense(5, kernel_regularizer=k.regularizers.L1L2(0.01, 0.02),
                                 bias_regularizer="l1")])


def gru_text(k):
    return text_rnn(k, "GRU", 6, mask_zero=False)


def bidirectional_text(k):
    L = k.layers
    return k.Sequential([k.Input((10,), dtype="int64"), L.Embedding(20, 8, mask_zero=True),
                         L.Bidirectional(L.LSTM(4, return_sequences=True)),
                         L.GlobalMaxPooling1D(), L.Dense(1, activation="sigmoid")])


def conv1d_text(k):
    L = k.layers
    return k.Sequential([k.Input((10,), dtype="int64"), L.Embedding(20, 8),
                         L.Conv1D(6, 3, activation="relu", padding="causal"),
                         L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])


CASES += [
    fit("fit_regularized_logits_sparse_cce_nadam", regularized_mlp, clf_sparse,
        {"optimizer": opt("Nadam", learning_rate=0.01),
         "loss": lambda k: k.losses.SparseCategoricalCrossentropy(from_logits=True),
         "metrics": ["sparse_categorical_accuracy"]}, evaluate=True),
    fit("fit_gru_text_adam", gru_text, token_ids,
        {"optimizer": opt("Adam", learning_rate=0.01), **BCE}, evaluate=True),
    fit("fit_bidirectional_lstm_text_rmsprop", bidirectional_text, token_ids,
        {"optimizer": opt("RMSprop", learning_rate=0.005), **BCE}, evaluate=True),
    fit("fit_conv1d_text_adamw", conv1d_text, token_ids,
        {"optimizer": opt("AdamW", learning_rate=0.01, weight_decay=0.01),
         "loss": "binary_crossentropy", "metrics": ["accuracy", "precision"]}, evaluate=True),
]

def masked_bag(k):
    L = k.layers
    return k.Sequential([k.Input((10,), dtype="int64"), L.Embedding(20, 4, mask_zero=True),
                         L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])


def positive_regression(rng):
    x, y = regression(rng, 512)
    return x, np.abs(y) + 0.1


def signed_binary(rng):
    x, y = binary512(rng)
    return x, 2 * y - 1


def positive_mlp(k):
    # Poisson needs positive predictions (a log of a negative one is NaN in both libraries).
    return k.Sequential([k.Input((8,)), k.layers.Dense(16, activation="relu"),
                         k.layers.Dense(2, activation="softplus")])


REGRESSION_LOSSES = ["huber", "log_cosh", "mean_absolute_percentage_error",
                     "mean_squared_logarithmic_error", "poisson", "cosine_similarity"]

CASES += [
    *(fit(f"fit_regression_{loss}_adam", positive_mlp if loss == "poisson" else small_mlp,
          positive_regression,
          {"optimizer": opt("Adam", learning_rate=0.01), "loss": loss, "metrics": ["mse", "mae"]},
          evaluate=True) for loss in REGRESSION_LOSSES),
    *(fit(f"fit_binary_{loss}_sgd", small_mlp, signed_binary,
          {"optimizer": opt("SGD", learning_rate=0.05), "loss": loss,
           "metrics": ["binary_accuracy"]}, evaluate=True) for loss in ("hinge", "squared_hinge")),
    fit("fit_mlp_categorical_hinge_kld_metric", softmax_mlp, clf_onehot,
        {"optimizer": opt("RMSprop", learning_rate=0.005), "loss": "categorical_hinge",
         "metrics": ["kl_divergence", "top_k_categorical_accuracy"]}, evaluate=True),
    fit("fit_mlp_focal_f1", softmax_mlp, clf_onehot,
        {"optimizer": opt("Adam", learning_rate=0.01),
         "loss": lambda k: k.losses.CategoricalFocalCrossentropy(gamma=2.0),
         "metrics": [lambda k: k.metrics.F1Score(average="macro")]}, evaluate=True),
    fit("fit_masked_bag_binary_focal", masked_bag, token_ids,
        {"optimizer": opt("Adam", learning_rate=0.01),
         "loss": lambda k: k.losses.BinaryFocalCrossentropy(apply_class_balancing=True),
         "metrics": ["accuracy", "auc"]}, evaluate=True),
    fit("fit_steps_initial_epoch_validation_freq", softmax_mlp, clf_onehot,
        {"optimizer": opt("SGD", learning_rate=0.1, momentum=0.9), **CCE}, epochs=4,
        fit_kwargs={"steps_per_epoch": 5, "initial_epoch": 1, "validation_split": 0.2,
                    "validation_freq": 2}),
]

def sequence_tagger(k, wrap_dense=False):
    # Embedding(mask_zero) -> per-step outputs: the mask reaches the loss and the metrics.
    L = k.layers
    dense = L.Dense(3, activation="softmax")
    return k.Sequential([k.Input((10,), dtype="int64"), L.Embedding(20, 6, mask_zero=True),
                         L.GRU(5, return_sequences=True),
                         L.TimeDistributed(dense) if wrap_dense else dense])


def sequence_tagger_time_distributed(k):
    return sequence_tagger(k, wrap_dense=True)


def padded_tags(rng):
    x, _ = token_ids(rng)
    lengths = rng.integers(3, 11, size=512)
    x[np.arange(10)[None, :] >= lengths[:, None]] = 0   # right padding
    x[:, 0] = np.maximum(x[:, 0], 1)
    return x, (x % 3).astype("int64")


def two_output_dict_data(rng):
    x, (a, b) = two_output_data512(rng)
    return x, {"a": a, "b": b}


def residual_layernorm_constrained(k):
    L = k.layers
    x = k.Input((20,))
    h = L.Dense(16, activation="relu", kernel_constraint=k.constraints.MaxNorm(0.5))(x)
    h2 = L.Dense(16, activation="tanh", kernel_constraint=k.constraints.UnitNorm(axis=0))(h)
    h = L.LayerNormalization()(L.Add()([h, h2]))
    both = L.Concatenate()([h, L.Dense(4, activation="relu")(x)])
    return k.Model(x, L.Dense(5, activation="softmax")(both))


def strided_cnn(k):
    # No conv bias before BatchNormalization: see small_cnn_bn (its gradient is rounding noise).
    L = k.layers
    return k.Sequential([k.Input((8, 8, 1)), L.Conv2D(6, 3, strides=2, padding="same", use_bias=False),
                         L.BatchNormalization(momentum=0.9, epsilon=1e-3), L.ReLU(),
                         L.DepthwiseConv2D(3, padding="same"), L.GlobalAveragePooling2D(),
                         L.Dense(2, activation="softmax")])


def _scaled_mse(k):
    return lambda y_true, y_pred: k.ops.mean(k.ops.square(y_true - y_pred) * 2.0, axis=-1)


def _max_error(k):
    def max_error(y_true, y_pred):
        return k.ops.max(k.ops.abs(y_true - y_pred), axis=-1)
    return max_error


def frozen_parts(k):
    # A frozen BatchNormalization runs in inference mode inside fit (Keras 3); a frozen Dense
    # keeps its weights; the weight-decay exclusion is by variable name.
    L = k.layers
    return k.Sequential([k.Input((20,)), L.Dense(16, activation="relu", trainable=False),
                         L.BatchNormalization(trainable=False), L.Dense(16, activation="relu"),
                         L.BatchNormalization(), L.Dense(5, activation="softmax")])


def _adamw_no_bias_decay(k):
    optimizer = k.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return optimizer


def callbacks(*makers):
    """fit_kwargs callbacks made per library: each maker is `lambda k: k.callbacks.X(...)`."""
    return lambda k: [make(k) for make in makers]


CASES += [
    fit("fit_reduce_lr_on_plateau", softmax_mlp, clf_onehot,
        {"optimizer": opt("SGD", learning_rate=0.3, momentum=0.9), **CCE}, epochs=5,
        fit_kwargs={"validation_split": 0.25, "callbacks": callbacks(
            lambda k: k.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0,
                                                    min_delta=0.01))}),
    fit("fit_learning_rate_scheduler", softmax_mlp, clf_onehot,
        {"optimizer": opt("Adam", learning_rate=0.02), **CCE}, epochs=4,
        fit_kwargs={"callbacks": callbacks(
            lambda k: k.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 ** epoch))}),
    fit("fit_early_stopping_restore_best", softmax_mlp, clf_onehot,
        {"optimizer": opt("SGD", learning_rate=0.8, momentum=0.9), **CCE}, epochs=8,
        evaluate=True,
        fit_kwargs={"validation_split": 0.3, "callbacks": callbacks(
            lambda k: k.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                                restore_best_weights=True))}),
    fit("fit_validation_data_with_sample_weight", small_mlp, regression512,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": "mse", "metrics": ["mae"],
         "weighted_metrics": ["mae"]},
        fit_kwargs={"validation_data": lambda k: (regression(np.random.default_rng(3), 64)
                                                  + (np.linspace(0.2, 2, 64, dtype="float32"),))}),
]

CASES += [
    fit("fit_masked_sequence_tagger_adam", sequence_tagger, padded_tags,
        {"optimizer": opt("Adam", learning_rate=0.02), "loss": "sparse_categorical_crossentropy",
         "metrics": ["accuracy"]}, evaluate=True),
    fit("fit_masked_sequence_tagger_time_distributed_rmsprop", sequence_tagger_time_distributed,
        padded_tags,
        {"optimizer": opt("RMSprop", learning_rate=0.01), "loss": "sparse_categorical_crossentropy",
         "metrics": ["sparse_categorical_accuracy"]}, evaluate=True),
    fit("fit_sequence_tagger_temporal_sample_weight", sequence_tagger, padded_tags,
        {"optimizer": opt("Adam", learning_rate=0.02), "loss": "sparse_categorical_crossentropy",
         "metrics": ["accuracy"], "weighted_metrics": ["accuracy"]},
        fit_kwargs={"sample_weight": np.linspace(0.2, 1.5, 5120, dtype="float32").reshape(512, 10)}),
    fit("fit_two_outputs_dict_data_weighted_metrics", two_output, two_output_dict_data,
        {"optimizer": opt("Adam", learning_rate=0.01),
         "loss": {"a": "mse", "b": "binary_crossentropy"}, "loss_weights": {"a": 1.0, "b": 0.5},
         "metrics": {"a": ["mae"], "b": ["accuracy", "auc"]}, "weighted_metrics": {"b": ["accuracy"]}},
        evaluate=True, fit_kwargs={"validation_split": 0.25}),
]

CASES += [
    fit("fit_residual_layernorm_constraints_adamax", residual_layernorm_constrained, clf_onehot,
        {"optimizer": opt("Adamax", learning_rate=0.02), **CCE}, evaluate=True),
    fit("fit_strided_cnn_bn_depthwise_amsgrad", strided_cnn, images,
        {"optimizer": opt("Adam", learning_rate=0.01, amsgrad=True),
         "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}, evaluate=True),
    fit("fit_custom_loss_and_metric_functions", small_mlp, regression512,
        {"optimizer": opt("SGD", learning_rate=0.05, momentum=0.5), "loss": _scaled_mse,
         "metrics": [_max_error, "mae"]}, evaluate=True),
]

CASES += [
    fit("fit_frozen_layers_adamw_exclusions", frozen_parts, clf_onehot,
        {"optimizer": _adamw_no_bias_decay, **CCE}, evaluate=True),
    fit("fit_sum_reduction_thresholded_metrics", binary_mlp, binary512,
        {"optimizer": opt("SGD", learning_rate=0.002),
         "loss": lambda k: k.losses.BinaryCrossentropy(reduction="sum"),
         "metrics": [lambda k: k.metrics.Precision(thresholds=0.7),
                     lambda k: k.metrics.Recall(thresholds=[0.3, 0.6]),
                     lambda k: k.metrics.AUC(num_thresholds=50, curve="PR"),
                     lambda k: k.metrics.BinaryAccuracy(threshold=0.4)]}, evaluate=True),
    fit("fit_two_outputs_one_metric_list", two_output, two_output_data512,
        {"optimizer": opt("Adam", learning_rate=0.01), "loss": ["mse", "binary_crossentropy"],
         "metrics": [["mae", "mse"], ["accuracy", "mse"]]}, evaluate=True),
]

CASES += [fit(f"fit_embedding_bag_bce_{name}", bag_of_tokens, repeated_token_ids,
               {"optimizer": o, **BCE})
          for name, o in EMBEDDING_OPTIMIZERS.items()]

CASES += [fit(f"fit_shared_embedding_bce_{name}", shared_embedding_pair, repeated_token_pairs,
               {"optimizer": EMBEDDING_OPTIMIZERS[name], "loss": "binary_crossentropy",
                "metrics": ["accuracy"]}, evaluate=True)
          for name in ("Adam", "Adagrad", "Adam_clipnorm")]

CASES = family("training", CASES)
