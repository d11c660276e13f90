"""Every Keras 3.15 activation string, through Dense(activation=) and Activation(), plus the
activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax)."""

from conformance.case import Case, family, layer_case

NAMES = ["celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
         "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu",
         "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
         "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
         "threshold"]


def _wide(rng):
    # x3 so kinks and saturations (relu6 at 6, hard_sigmoid at +-3, shrink thresholds at 0.5) are hit
    return (rng.standard_normal((3, 4, 6)) * 3).astype("float32")


CASES = []
for name in NAMES:
    # "threshold" has required arguments (threshold, default_value): Keras fails when it is
    # called by name, so the by-name cases expect an error and the callable case below checks values
    err = name == "threshold"
    CASES.append(layer_case(f"dense_activation_{name}", "Dense", {"units": 4, "activation": name},
                            inputs=(3, 5), grad=not err, expect_error=err))
    CASES.append(Case(id=f"activation_{name}", layer="Activation", kwargs={"activation": name}, data=_wide,
                      expect_error=err))

CASES += [
    Case(id="activation_none", layer="Activation", kwargs={"activation": None}, data=_wide),
    layer_case("dense_activation_none", "Dense", {"units": 3, "activation": None}, inputs=(3, 5)),
    Case(id="activation_threshold_callable", config=False, data=_wide,
         build=lambda k: k.layers.Activation(lambda x: k.activations.threshold(x, 0.5, -1.0))),
    Case(id="activation_unknown_name", layer="Activation", kwargs={"activation": "no_such_fn"},
         data=_wide, expect_error=True),
    Case(id="ReLU_default", layer="ReLU", data=_wide, grad=True),
    Case(id="ReLU_max_value", layer="ReLU", kwargs={"max_value": 2.0}, data=_wide),
    Case(id="ReLU_negative_slope_threshold", layer="ReLU",
         kwargs={"max_value": 4.0, "negative_slope": 0.1, "threshold": 0.5}, data=_wide),
    Case(id="LeakyReLU_default", layer="LeakyReLU", data=_wide, grad=True),
    Case(id="LeakyReLU_slope_0.1", layer="LeakyReLU", kwargs={"negative_slope": 0.1}, data=_wide),
    Case(id="PReLU_default", layer="PReLU", kwargs={"alpha_initializer": "random_uniform"}, data=_wide,
         grad=True),
    Case(id="PReLU_shared_axes", layer="PReLU",
         kwargs={"alpha_initializer": "random_uniform", "shared_axes": [1]}, data=_wide),
    Case(id="ELU_default", layer="ELU", data=_wide),
    Case(id="ELU_alpha_0.5", layer="ELU", kwargs={"alpha": 0.5}, data=_wide),
    Case(id="Softmax_default", layer="Softmax", data=_wide, grad=True),
    Case(id="Softmax_axis_1", layer="Softmax", kwargs={"axis": 1}, data=_wide),
]

CASES = family("activations", CASES)
