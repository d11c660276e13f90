"""Conformance cases: layers_extra (ConvLSTM1D/2D/3D over return_sequences, go_backwards, return_state,
padding, strides, dilation, data_format and masks; RMSNormalization; SpectralNormalization; adaptive
pooling)."""

import numpy as np

from conformance.case import Case, family, layer_case

CASES = []

_SHAPES = {1: (2, 4, 7, 3), 2: (2, 3, 6, 5, 2), 3: (2, 3, 4, 5, 4, 2)}


def _cf(shape):
    # (B, T, *S, C) -> (B, T, C, *S)
    return shape[:2] + shape[-1:] + shape[2:-1]


def add(id, layer, kwargs, inputs, **extra):
    CASES.append(layer_case(id, layer, kwargs, inputs, **extra))


for r in (1, 2, 3):
    name = f"ConvLSTM{r}D"
    shp = _SHAPES[r]
    for rs in (False, True):
        for gb in (False, True):
            for st in (False, True):
                kw = {"filters": 3, "kernel_size": 3, "padding": "same", "return_sequences": rs,
                      "go_backwards": gb, "return_state": st}
                add(f"{name}_seq{int(rs)}_back{int(gb)}_state{int(st)}", name, kw, shp,
                    grad=(not st and r < 3), rtol=1e-5, atol=2e-6)
    add(f"{name}_valid", name, {"filters": 2, "kernel_size": 2, "return_sequences": True}, shp, grad=True)
    add(f"{name}_strides2_same", name, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, shp,
        grad=True)
    add(f"{name}_strides2_valid", name, {"filters": 2, "kernel_size": 2, "strides": 2}, shp)
    add(f"{name}_dilation2", name, {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same",
                                    "return_sequences": True}, shp, grad=True)
    add(f"{name}_kernel_even_same", name, {"filters": 2, "kernel_size": 2, "padding": "same"}, shp)
    add(f"{name}_channels_first", name, {"filters": 3, "kernel_size": 3, "padding": "same",
                                         "data_format": "channels_first", "return_sequences": True},
        _cf(shp), grad=True)
    add(f"{name}_no_bias_no_forget_bias", name, {"filters": 2, "kernel_size": 3, "use_bias": False,
                                                 "unit_forget_bias": False}, shp)
    add(f"{name}_random_bias", name, {"filters": 2, "kernel_size": 3, "padding": "same",
                                      "bias_initializer": "random_normal", "unit_forget_bias": False}, shp)
    add(f"{name}_relu_hard_sigmoid", name, {"filters": 2, "kernel_size": 3, "padding": "same",
                                            "activation": "relu", "recurrent_activation": "hard_sigmoid"}, shp)
    add(f"{name}_dropout_inference", name, {"filters": 2, "kernel_size": 3, "dropout": 0.4,
                                            "recurrent_dropout": 0.3}, shp)
    add(f"{name}_bad_strides_dilation", name, {"filters": 2, "kernel_size": 3, "strides": 2,
                                               "dilation_rate": 2}, shp, expect_error=True)
    add(f"{name}_rank_refused", name, {"filters": 2, "kernel_size": 3}, shp[:-1], expect_error=True)


def _masked_data(r):
    def data(rng):
        x = rng.standard_normal(_SHAPES[r]).astype("float32")
        m = np.ones(_SHAPES[r][:2], dtype=bool)
        m[0, -1:] = False
        m[1, 1] = False
        return [x, m]
    return data


def _masked_model(r, **kw):
    def build(k):
        x = k.Input(_SHAPES[r][1:])
        m = k.Input(_SHAPES[r][1:2], dtype="bool")
        y = getattr(k.layers, f"ConvLSTM{r}D")(2, 3, padding="same", **kw)(x, mask=m)
        return k.Model([x, m], y)
    return build


for r in (1, 2):
    for kw in ({}, {"return_sequences": True}, {"go_backwards": True, "return_sequences": True}):
        tag = "_".join(f"{k}" for k in kw) or "last"
        CASES.append(Case(id=f"ConvLSTM{r}D_masked_{tag}", kind="model", build=_masked_model(r, **kw),
                          data=_masked_data(r)))


def _initial_state_model(k):
    x, h, c = k.Input((3, 6, 5, 2)), k.Input((6, 5, 3)), k.Input((6, 5, 3))
    y = k.layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True)(x, initial_state=[h, c])
    return k.Model([x, h, c], y)


CASES.append(Case(id="ConvLSTM2D_initial_state", kind="model", build=_initial_state_model,
                  inputs=[(2, 3, 6, 5, 2), (2, 6, 5, 3), (2, 6, 5, 3)], grad=True))
CASES.append(Case(id="model_ConvLSTM2D_stack", kind="model", inputs=(2, 4, 8, 8, 1), grad=True, build=lambda k:
                  k.Sequential([k.Input((4, 8, 8, 1)), k.layers.ConvLSTM2D(4, 3, padding="same",
                                                                           return_sequences=True),
                                k.layers.ConvLSTM2D(2, 3, strides=2), k.layers.Flatten(), k.layers.Dense(3)])))


# ---- RMSNormalization
for i, (kw, shp) in enumerate([({}, (3, 6)), ({"axis": -1, "epsilon": 1e-3}, (2, 4, 5)),
                               ({"axis": [-2, -1]}, (2, 3, 4)), ({"axis": [-1, -2]}, (2, 3, 4)),
                               ({"axis": [1, 2, 3]}, (2, 3, 4, 2)), ({"epsilon": 0.5}, (4, 3))]):
    add(f"RMSNormalization_{i}_{'_'.join(map(str, kw.values())) or 'default'}", "RMSNormalization", kw, shp,
        grad=True)


def _random_scale(k):
    layer = k.layers.RMSNormalization(axis=[-2, -1])
    layer.build((None, 3, 4))
    layer.set_weights([np.random.default_rng(3).standard_normal((3, 4)).astype("float32")])
    return layer


CASES.append(Case(id="RMSNormalization_random_scale", inputs=(2, 3, 4), build=_random_scale, grad=True))


# ---- SpectralNormalization: inference (kernel untouched) and a training call (kernel and vector_u written)
def _sn(inner, **kw):
    return lambda k: k.layers.SpectralNormalization(inner(k), **kw)


_SN = [
    ("Dense", lambda k: k.layers.Dense(3), (4, 5), "float32"),
    ("Dense_3d", lambda k: k.layers.Dense(2, activation="tanh"), (2, 3, 4), "float32"),
    ("Conv2D", lambda k: k.layers.Conv2D(3, 3, padding="same"), (2, 5, 5, 2), "float32"),
    ("Conv1D", lambda k: k.layers.Conv1D(2, 2), (2, 6, 3), "float32"),
    ("Embedding", lambda k: k.layers.Embedding(10, 4), (3, 5), "ids"),
]


def _float_ids(shape):
    # Keras's SpectralNormalization casts the output to the input dtype: float ids keep it float.
    return lambda rng: rng.integers(0, 10, size=shape).astype("float32")


for name, inner, shp, dt in _SN:
    for its in (1, 3):
        for training in (None, True):
            CASES.append(Case(id=f"SpectralNormalization_{name}_it{its}_{'train' if training else 'infer'}",
                              build=_sn(inner, power_iterations=its), inputs=shp,
                              data=_float_ids(shp) if dt == "ids" else None, training=training, grad=name != "Embedding" and not training))
CASES.append(Case(id="SpectralNormalization_bad_power_iterations", build=_sn(lambda k: k.layers.Dense(2),
                                                                             power_iterations=0),
                  inputs=(2, 3), expect_error=True))


def _sn_fit_data(rng):
    x = rng.standard_normal((64, 6)).astype("float32")
    return x, (x @ rng.standard_normal((6, 2))).astype("float32")


CASES.append(Case(id="fit_SpectralNormalization_Dense_sgd", kind="fit", data=_sn_fit_data, epochs=2,
                  batch_size=16, compile={"optimizer": "sgd", "loss": "mse"},
                  build=lambda k: k.Sequential([k.Input((6,)), k.layers.SpectralNormalization(
                      k.layers.Dense(4, activation="tanh"), power_iterations=2), k.layers.Dense(2)])))


# ---- adaptive pooling: bins [floor(i*L/O), ceil((i+1)*L/O)) over shrinking, growing, uneven sizes
_POOL = {1: [((2, 10, 3), 4), ((2, 7, 2), 3), ((2, 3, 2), 5), ((1, 13, 2), 13), ((2, 9, 1), 1)],
         2: [((2, 7, 5, 3), (3, 2)), ((2, 8, 8, 2), 4), ((1, 5, 3, 2), (7, 4)), ((2, 11, 6, 1), (5, 6))],
         3: [((2, 5, 7, 4, 2), (2, 3, 3)), ((1, 4, 4, 4, 3), 2), ((1, 3, 5, 2, 2), (4, 2, 3))]}
for r, configs in _POOL.items():
    for kind in ("Average", "Max"):
        for i, (shp, size) in enumerate(configs):
            if kind == "Max" and size == 1:
                continue  # tf.keras's max-pool path aborts the process (SIGFPE) when output_size is 1
            add(f"Adaptive{kind}Pooling{r}D_{i}", f"Adaptive{kind}Pooling{r}D", {"output_size": size}, shp,
                grad=True)
        shp, size = configs[0]
        cf = (shp[0], shp[-1]) + shp[1:-1]
        add(f"Adaptive{kind}Pooling{r}D_channels_first", f"Adaptive{kind}Pooling{r}D",
            {"output_size": size, "data_format": "channels_first"}, cf, grad=True)

CASES = family("layers_extra", CASES)
