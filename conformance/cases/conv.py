"""Convolutions: Conv1D/2D/3D, their transposes, depthwise and separable convs, over strides 1-3,
"valid"/"same" (TF's asymmetric split), "causal", odd and even kernels, dilation, groups, both
data formats and odd input sizes; plus Sequential CNNs whose Flatten order is checked end to end."""

from conformance.case import Case, family, layer_case

CASES = []


def add(id, layer, kwargs, inputs, **extra):
    CASES.append(layer_case(id, layer, kwargs, inputs, **extra))


CF = {"data_format": "channels_first"}

# ---- Conv1D: input (2, 11, 4) (odd length)
for pad in ("valid", "same"):
    for k in (2, 3, 5):
        for s in (1, 2, 3):
            add(f"Conv1D_k{k}_s{s}_{pad}", "Conv1D", {"filters": 3, "kernel_size": k, "strides": s,
                                                      "padding": pad}, (2, 11, 4), grad=(s == 2))
for k, d in ((2, 1), (3, 1), (3, 2), (2, 3)):
    add(f"Conv1D_causal_k{k}_d{d}", "Conv1D", {"filters": 3, "kernel_size": k, "padding": "causal",
                                               "dilation_rate": d}, (2, 11, 4), grad=(d == 2))
for pad in ("valid", "same"):
    add(f"Conv1D_dilation2_k3_{pad}", "Conv1D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                                                 "padding": pad}, (2, 11, 4))
    add(f"Conv1D_k3_s2_{pad}_cf", "Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2,
                                             "padding": pad, **CF}, (2, 4, 11))
    add(f"Conv1D_k4_s1_{pad}_cf", "Conv1D", {"filters": 3, "kernel_size": 4, "padding": pad, **CF}, (2, 4, 9))
add("Conv1D_groups2", "Conv1D", {"filters": 6, "kernel_size": 3, "groups": 2}, (2, 11, 4))
add("Conv1D_groups4_same", "Conv1D", {"filters": 4, "kernel_size": 2, "groups": 4, "padding": "same"},
    (2, 11, 4))
add("Conv1D_relu_no_bias", "Conv1D", {"filters": 3, "kernel_size": 3, "activation": "relu",
                                      "use_bias": False}, (2, 11, 4))
add("Conv1D_random_bias", "Conv1D", {"filters": 3, "kernel_size": 1, "bias_initializer": "random_normal"},
    (2, 7, 4))
add("Conv1D_strides_gt_dilation_refused", "Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2,
                                                     "dilation_rate": 2}, (2, 11, 4), expect_error=True)
add("Conv1D_kernel_larger_than_input_valid", "Conv1D", {"filters": 2, "kernel_size": 6}, (2, 4, 3),
    expect_error=True)

# ---- Conv2D: input (2, 9, 8, 3) (odd height, even width)
for pad in ("valid", "same"):
    for k in (1, 2, 3, 4):
        for s in (1, 2, 3):
            add(f"Conv2D_k{k}_s{s}_{pad}", "Conv2D", {"filters": 4, "kernel_size": k, "strides": s,
                                                      "padding": pad}, (2, 9, 8, 3), grad=(k == 4 and s > 1))
    add(f"Conv2D_k3_s2_{pad}_cf", "Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": pad,
                                             **CF}, (2, 3, 9, 8), grad=True)
    add(f"Conv2D_k2_s1_{pad}_cf", "Conv2D", {"filters": 4, "kernel_size": 2, "padding": pad, **CF},
        (2, 3, 9, 8))
    add(f"Conv2D_k4_s3_{pad}_cf", "Conv2D", {"filters": 2, "kernel_size": 4, "strides": 3, "padding": pad,
                                             **CF}, (2, 3, 10, 7))
    add(f"Conv2D_dilation2_k3_{pad}", "Conv2D", {"filters": 3, "kernel_size": 3, "dilation_rate": 2,
                                                 "padding": pad}, (2, 9, 8, 3), grad=(pad == "same"))
    add(f"Conv2D_dilation_1x2_k2_{pad}", "Conv2D", {"filters": 3, "kernel_size": 2, "dilation_rate": (1, 2),
                                                    "padding": pad}, (2, 9, 8, 3))
    add(f"Conv2D_kernel_3x2_s2x1_{pad}", "Conv2D", {"filters": 3, "kernel_size": (3, 2), "strides": (2, 1),
                                                    "padding": pad}, (2, 9, 8, 3))
    add(f"Conv2D_groups3_{pad}", "Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3, "padding": pad},
        (2, 9, 8, 3))
add("Conv2D_dilation2_cf", "Conv2D", {"filters": 3, "kernel_size": 3, "dilation_rate": 2, **CF}, (2, 3, 9, 8))
add("Conv2D_groups2_cf", "Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2, **CF}, (2, 4, 7, 7))
add("Conv2D_relu_no_bias", "Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu",
                                      "use_bias": False}, (2, 9, 8, 3))
add("Conv2D_sigmoid_random_bias", "Conv2D", {"filters": 2, "kernel_size": 2, "activation": "sigmoid",
                                             "bias_initializer": "random_normal"}, (2, 5, 5, 3))
add("Conv2D_strides_and_dilation_refused", "Conv2D", {"filters": 3, "kernel_size": 3, "strides": 2,
                                                      "dilation_rate": 2}, (2, 9, 8, 3), expect_error=True)
add("Conv2D_groups_not_dividing_refused", "Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2},
    (2, 9, 8, 3), expect_error=True)

# ---- Conv3D: input (1, 5, 6, 7, 2)
for pad in ("valid", "same"):
    for k in (2, 3):
        for s in (1, 2):
            add(f"Conv3D_k{k}_s{s}_{pad}", "Conv3D", {"filters": 3, "kernel_size": k, "strides": s,
                                                      "padding": pad}, (1, 5, 6, 7, 2), grad=(k == 2 and s == 2))
    add(f"Conv3D_k3_s2_{pad}_cf", "Conv3D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": pad,
                                             **CF}, (1, 2, 5, 6, 7))
add("Conv3D_dilation2_same", "Conv3D", {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                                        "padding": "same"}, (1, 5, 6, 7, 2))
add("Conv3D_groups2", "Conv3D", {"filters": 4, "kernel_size": 2, "groups": 2}, (1, 4, 5, 6, 4))
add("Conv3D_kernel_1x2x3_s_3x2x1", "Conv3D", {"filters": 2, "kernel_size": (1, 2, 3), "strides": (3, 2, 1),
                                              "padding": "same"}, (1, 5, 6, 7, 2))

# ---- Transposed convolutions (kernels smaller than the stride included)
for pad in ("valid", "same"):
    for k in (2, 3, 4):
        for s in (1, 2, 3):
            add(f"Conv2DTranspose_k{k}_s{s}_{pad}", "Conv2DTranspose",
                {"filters": 3, "kernel_size": k, "strides": s, "padding": pad}, (2, 5, 4, 3),
                grad=(k == 3 and s == 2))
    add(f"Conv2DTranspose_k1_s2_{pad}", "Conv2DTranspose", {"filters": 3, "kernel_size": 1, "strides": 2,
                                                            "padding": pad}, (2, 5, 4, 3))
    add(f"Conv2DTranspose_k3_s2_{pad}_cf", "Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2,
                                                               "padding": pad, **CF}, (2, 3, 5, 4))
    add(f"Conv2DTranspose_k3_s2_outpad1_{pad}", "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1, "padding": pad}, (2, 5, 4, 3))
    add(f"Conv2DTranspose_k2_s3_outpad_2x1_{pad}", "Conv2DTranspose",
        {"filters": 2, "kernel_size": 2, "strides": 3, "output_padding": (2, 1), "padding": pad}, (2, 5, 4, 3))
add("Conv2DTranspose_dilation2", "Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": 2},
    (2, 5, 4, 3))
add("Conv2DTranspose_relu_no_bias", "Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2,
                                                        "activation": "relu", "use_bias": False}, (2, 5, 4, 3))
for pad in ("valid", "same"):
    for k in (2, 3, 5):
        for s in (1, 2, 3):
            add(f"Conv1DTranspose_k{k}_s{s}_{pad}", "Conv1DTranspose",
                {"filters": 3, "kernel_size": k, "strides": s, "padding": pad}, (2, 7, 4), grad=(s == 3))
    add(f"Conv1DTranspose_k3_s2_{pad}_cf", "Conv1DTranspose",
        {"filters": 3, "kernel_size": 3, "strides": 2, "padding": pad, **CF}, (2, 4, 7))
    add(f"Conv1DTranspose_k4_s2_outpad1_{pad}", "Conv1DTranspose",
        {"filters": 3, "kernel_size": 4, "strides": 2, "output_padding": 1, "padding": pad}, (2, 7, 4))
for pad in ("valid", "same"):
    for k, s in ((2, 2), (3, 1), (3, 2)):
        add(f"Conv3DTranspose_k{k}_s{s}_{pad}", "Conv3DTranspose",
            {"filters": 2, "kernel_size": k, "strides": s, "padding": pad}, (1, 3, 4, 5, 2))
add("Conv3DTranspose_k2_s2_cf", "Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2, **CF},
    (1, 2, 3, 4, 5))

# ---- Depthwise and separable
for pad in ("valid", "same"):
    for k, s, m in ((3, 1, 1), (3, 2, 2), (2, 2, 1), (4, 3, 3)):
        add(f"DepthwiseConv2D_k{k}_s{s}_m{m}_{pad}", "DepthwiseConv2D",
            {"kernel_size": k, "strides": s, "depth_multiplier": m, "padding": pad}, (2, 9, 8, 3),
            grad=(k == 3 and s == 2))
        add(f"SeparableConv2D_k{k}_s{s}_m{m}_{pad}", "SeparableConv2D",
            {"filters": 4, "kernel_size": k, "strides": s, "depth_multiplier": m, "padding": pad},
            (2, 9, 8, 3), grad=(k == 3 and s == 2))
    for k, s, m in ((3, 1, 1), (2, 2, 2), (3, 3, 1)):
        add(f"DepthwiseConv1D_k{k}_s{s}_m{m}_{pad}", "DepthwiseConv1D",
            {"kernel_size": k, "strides": s, "depth_multiplier": m, "padding": pad}, (2, 11, 3))
        add(f"SeparableConv1D_k{k}_s{s}_m{m}_{pad}", "SeparableConv1D",
            {"filters": 4, "kernel_size": k, "strides": s, "depth_multiplier": m, "padding": pad},
            (2, 11, 3))
add("DepthwiseConv2D_dilation2", "DepthwiseConv2D", {"kernel_size": 3, "dilation_rate": 2,
                                                     "padding": "same"}, (2, 9, 8, 3))
add("DepthwiseConv2D_cf", "DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, **CF}, (2, 3, 9, 8))
add("DepthwiseConv2D_relu_no_bias", "DepthwiseConv2D", {"kernel_size": 3, "activation": "relu",
                                                        "use_bias": False}, (2, 9, 8, 3))
add("SeparableConv2D_dilation2", "SeparableConv2D", {"filters": 3, "kernel_size": 3, "dilation_rate": 2},
    (2, 9, 8, 3))
add("SeparableConv2D_cf", "SeparableConv2D", {"filters": 3, "kernel_size": 3, "strides": 2,
                                              "padding": "same", **CF}, (2, 3, 9, 8))
add("SeparableConv2D_relu_no_bias", "SeparableConv2D", {"filters": 3, "kernel_size": 2, "activation": "relu",
                                                        "use_bias": False}, (2, 9, 8, 3))
add("DepthwiseConv1D_cf", "DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, **CF}, (2, 3, 11))
add("SeparableConv1D_cf", "SeparableConv1D", {"filters": 2, "kernel_size": 3, **CF}, (2, 3, 11))


# ---- Sequential CNNs: conv -> pool -> flatten -> dense, weights copied (proves the Flatten order)
def cnn(fmt, pool="MaxPooling2D"):
    def build(k):
        L = k.layers
        shape = (10, 9, 2) if fmt == "channels_last" else (2, 10, 9)
        return k.Sequential([k.Input(shape), L.Conv2D(4, 3, activation="relu", data_format=fmt),
                             getattr(L, pool)(2, data_format=fmt),
                             L.Conv2D(6, 2, padding="same", activation="relu", data_format=fmt),
                             L.Flatten(), L.Dense(5, activation="softmax")])
    return build


def seed_cnn(k):
    L = k.layers
    return k.Sequential([k.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
                         L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(), L.Dropout(0.5),
                         L.Dense(10, activation="softmax")])


def cnn1d(k):
    L = k.layers
    return k.Sequential([k.Input((12, 3)), L.Conv1D(4, 3, strides=2, padding="same", activation="relu"),
                         L.MaxPooling1D(2), L.Flatten(), L.Dense(3)])


def cnn_bn_functional(k):
    L = k.layers
    x = k.Input((8, 8, 3))
    h = L.Conv2D(4, 3, padding="same", use_bias=False)(x)
    h = L.BatchNormalization()(h)
    h = L.Activation("relu")(h)
    h = L.Add()([h, L.Conv2D(4, 1)(x)])
    h = L.GlobalAveragePooling2D()(h)
    return k.Model(x, L.Dense(2)(h))


def cnn_transpose_autoencoder(k):
    L = k.layers
    return k.Sequential([k.Input((8, 8, 2)), L.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
                         L.Conv2DTranspose(2, 3, strides=2, padding="same"), L.Flatten(), L.Dense(3)])


CASES += [
    Case(id="model_cnn_conv_pool_flatten_dense", kind="model", build=cnn("channels_last"),
         inputs=(3, 10, 9, 2), grad=True),
    Case(id="model_cnn_conv_pool_flatten_dense_cf", kind="model", build=cnn("channels_first"),
         inputs=(3, 2, 10, 9), grad=True),
    Case(id="model_cnn_avgpool_cf", kind="model", build=cnn("channels_first", "AveragePooling2D"),
         inputs=(3, 2, 10, 9)),
    Case(id="model_seed_small_cnn", kind="model", build=seed_cnn, inputs=(4, 28, 28, 1)),
    Case(id="model_cnn1d_conv_pool_flatten_dense", kind="model", build=cnn1d, inputs=(3, 12, 3)),
    Case(id="model_cnn_batchnorm_residual_gap", kind="model", build=cnn_bn_functional, inputs=(3, 8, 8, 3)),
    Case(id="model_cnn_transpose_autoencoder", kind="model", build=cnn_transpose_autoencoder,
         inputs=(3, 8, 8, 2)),
]

CASES = family("conv", CASES)
