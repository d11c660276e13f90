"""Pooling: Max/Average 1D/2D/3D (pool sizes, strides incl. the None default, "valid"/"same" with
average "same" excluding padded cells, both data formats, odd sizes) and the global poolings."""


from conformance.case import Case, family, layer_case

CASES = []
CF = {"data_format": "channels_first"}


def add(id, layer, kwargs, inputs, **extra):
    CASES.append(layer_case(id, layer, kwargs, inputs, **extra))


for kind in ("Max", "Average"):
    for pad in ("valid", "same"):
        for p in (2, 3):
            for s in (None, 1, 2):
                add(f"{kind}Pooling2D_p{p}_s{s}_{pad}", f"{kind}Pooling2D",
                    {"pool_size": p, "strides": s, "padding": pad}, (2, 7, 8, 3),
                    grad=(p == 3 and s == 2))
            add(f"{kind}Pooling1D_p{p}_{pad}", f"{kind}Pooling1D", {"pool_size": p, "padding": pad},
                (2, 11, 3))
            add(f"{kind}Pooling1D_p{p}_s1_{pad}", f"{kind}Pooling1D",
                {"pool_size": p, "strides": 1, "padding": pad}, (2, 11, 3))
        add(f"{kind}Pooling2D_p3x2_s2x1_{pad}", f"{kind}Pooling2D",
            {"pool_size": (3, 2), "strides": (2, 1), "padding": pad}, (2, 7, 8, 3))
        add(f"{kind}Pooling2D_p3_s2_{pad}_cf", f"{kind}Pooling2D",
            {"pool_size": 3, "strides": 2, "padding": pad, **CF}, (2, 3, 7, 8))
        add(f"{kind}Pooling1D_p3_s2_{pad}_cf", f"{kind}Pooling1D",
            {"pool_size": 3, "strides": 2, "padding": pad, **CF}, (2, 3, 11))
        add(f"{kind}Pooling3D_p2_{pad}", f"{kind}Pooling3D", {"pool_size": 2, "padding": pad},
            (1, 5, 6, 7, 2))
        add(f"{kind}Pooling3D_p3_s2_{pad}", f"{kind}Pooling3D", {"pool_size": 3, "strides": 2, "padding": pad},
            (1, 5, 6, 7, 2))
        add(f"{kind}Pooling3D_p2_{pad}_cf", f"{kind}Pooling3D", {"pool_size": 2, "padding": pad, **CF},
            (1, 2, 5, 6, 7))
    for dim, shape, cf_shape in ((1, (2, 5, 3), (2, 3, 5)), (2, (2, 5, 4, 3), (2, 3, 5, 4)),
                                 (3, (1, 3, 4, 5, 2), (1, 2, 3, 4, 5))):
        name = f"Global{kind}Pooling{dim}D"
        add(name, name, {}, shape, grad=True)
        add(f"{name}_keepdims", name, {"keepdims": True}, shape)
        add(f"{name}_cf", name, dict(CF), cf_shape)
        add(f"{name}_keepdims_cf", name, {"keepdims": True, **CF}, cf_shape)


def masked_gap(k):
    L = k.layers
    return k.Sequential([k.Input((6,), dtype="int32"), L.Embedding(10, 4, mask_zero=True),
                         L.GlobalAveragePooling1D(), L.Dense(2)])


def _ids(rng):
    x = rng.integers(1, 10, size=(4, 6)).astype("int32")
    x[0, 2:] = 0
    x[1, 5:] = 0
    x[3, 1] = 0
    return x


def masked_gmp(k):
    L = k.layers
    return k.Sequential([k.Input((5, 3)), L.Masking(0.0), L.GlobalMaxPooling1D()])


def _padded(rng):
    x = rng.standard_normal((3, 5, 3)).astype("float32")
    x[0, 3:] = 0.0
    return x


CASES += [
    Case(id="model_GlobalAveragePooling1D_masked_embedding", kind="model", build=masked_gap, data=_ids),
    Case(id="model_GlobalMaxPooling1D_after_masking", kind="model", build=masked_gmp, data=_padded),
]

CASES = family("pooling", CASES)
