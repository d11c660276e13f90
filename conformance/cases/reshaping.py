"""Reshaping layers: Reshape, Permute, Flatten (both data formats), RepeatVector, and the padding,
cropping and up-sampling families in 1D/2D/3D and both data formats."""

from conformance.case import family, layer_case

CF = {"data_format": "channels_first"}

BASIC = [
    layer_case("Reshape_flat_-1", "Reshape", {"target_shape": (-1,)}, (2, 3, 4), grad=True),
    layer_case("Reshape_3x4", "Reshape", {"target_shape": (3, 4)}, (2, 12)),
    layer_case("Reshape_2_-1", "Reshape", {"target_shape": (2, -1)}, (2, 3, 4)),
    layer_case("Reshape_-1_3_2", "Reshape", {"target_shape": (-1, 3, 2)}, (2, 4, 3)),
    layer_case("Reshape_rank4_to_rank2", "Reshape", {"target_shape": (6, 4)}, (2, 2, 3, 4)),
    layer_case("Permute_2_1", "Permute", {"dims": (2, 1)}, (2, 3, 4), grad=True),
    layer_case("Permute_3_1_2", "Permute", {"dims": (3, 1, 2)}, (2, 3, 4, 5)),
    layer_case("Permute_2_3_1", "Permute", {"dims": (2, 3, 1)}, (2, 3, 4, 5)),
    layer_case("Permute_1_3_2", "Permute", {"dims": [1, 3, 2]}, (2, 3, 4, 5)),
    layer_case("Flatten_rank3", "Flatten", {}, (2, 3, 4), grad=True),
    layer_case("Flatten_rank4", "Flatten", {}, (2, 3, 4, 5)),
    layer_case("Flatten_rank5", "Flatten", {}, (2, 2, 3, 2, 2)),
    layer_case("Flatten_rank2", "Flatten", {}, (3, 4)),
    layer_case("Flatten_channels_first_rank4", "Flatten", CF, (2, 3, 4, 5)),
    layer_case("Flatten_channels_first_rank3", "Flatten", CF, (2, 3, 4)),
    layer_case("RepeatVector_3", "RepeatVector", {"n": 3}, (2, 4), grad=True),
    layer_case("RepeatVector_1", "RepeatVector", {"n": 1}, (3, 5)),
]

SPATIAL = []


def _add(id, layer, kwargs, inputs, **extra):
    SPATIAL.append(layer_case(id, layer, kwargs, inputs, **extra))


for fmt, s1, s2, s3 in [("channels_last", (2, 7, 3), (2, 5, 6, 3), (1, 3, 4, 5, 2)),
                        ("channels_first", (2, 3, 7), (2, 3, 5, 6), (1, 2, 3, 4, 5))]:
    f = {"data_format": fmt}
    tag = "cl" if fmt == "channels_last" else "cf"
    _add(f"ZeroPadding2D_1_{tag}", "ZeroPadding2D", {"padding": 1, **f}, s2)
    _add(f"ZeroPadding2D_tuple_{tag}", "ZeroPadding2D", {"padding": (1, 2), **f}, s2)
    _add(f"ZeroPadding2D_asym_{tag}", "ZeroPadding2D", {"padding": ((0, 1), (2, 3)), **f}, s2, grad=True)
    _add(f"ZeroPadding3D_1_{tag}", "ZeroPadding3D", {"padding": 1, **f}, s3)
    _add(f"ZeroPadding3D_asym_{tag}", "ZeroPadding3D", {"padding": ((0, 1), (1, 0), (2, 1)), **f}, s3)
    _add(f"Cropping2D_1_{tag}", "Cropping2D", {"cropping": 1, **f}, s2)
    _add(f"Cropping2D_asym_{tag}", "Cropping2D", {"cropping": ((0, 1), (2, 1)), **f}, s2, grad=True)
    _add(f"Cropping3D_1_{tag}", "Cropping3D", {"cropping": 1, **f}, s3)
    _add(f"Cropping3D_asym_{tag}", "Cropping3D", {"cropping": ((1, 0), (0, 1), (2, 1)), **f}, s3)
    _add(f"UpSampling2D_2_{tag}", "UpSampling2D", {"size": 2, **f}, s2)
    _add(f"UpSampling2D_2x3_{tag}", "UpSampling2D", {"size": (2, 3), **f}, s2, grad=True)
    _add(f"UpSampling2D_bilinear_{tag}", "UpSampling2D", {"size": 2, "interpolation": "bilinear", **f}, s2,
         grad=True)
    _add(f"UpSampling2D_bilinear_3x2_{tag}", "UpSampling2D",
         {"size": (3, 2), "interpolation": "bilinear", **f}, s2)
    _add(f"UpSampling3D_2_{tag}", "UpSampling3D", {"size": 2, **f}, s3)
    _add(f"UpSampling3D_1x2x3_{tag}", "UpSampling3D", {"size": (1, 2, 3), **f}, s3)

_add("ZeroPadding1D_1", "ZeroPadding1D", {"padding": 1}, (2, 7, 3))
_add("ZeroPadding1D_asym", "ZeroPadding1D", {"padding": (2, 0)}, (2, 7, 3), grad=True)
_add("ZeroPadding1D_cf", "ZeroPadding1D", {"padding": (1, 3), "data_format": "channels_first"}, (2, 3, 7))
_add("Cropping1D_1", "Cropping1D", {"cropping": 1}, (2, 7, 3))
_add("Cropping1D_asym", "Cropping1D", {"cropping": (2, 0)}, (2, 7, 3), grad=True)
_add("UpSampling1D_2", "UpSampling1D", {"size": 2}, (2, 5, 3), grad=True)
_add("UpSampling1D_3", "UpSampling1D", {"size": 3}, (2, 5, 3))
_add("UpSampling2D_nearest_1", "UpSampling2D", {"size": 1}, (2, 3, 3, 2))
_add("Flatten_after_ZeroPadding_cf_order", "Flatten", CF, (2, 2, 3, 3))

CASES = family("reshaping", BASIC) + family("spatial_reshaping", SPATIAL)

# The interpolations besides nearest/bilinear go through TF's resize kernels (Keras's ops.image.resize).
_RESIZED = [layer_case(f"UpSampling2D_{interp}_2x3_cl", "UpSampling2D", {"size": (2, 3), "interpolation": interp},
                       (2, 5, 6, 3)) for interp in ("bicubic", "area", "lanczos3", "lanczos5")]
_RESIZED.append(layer_case("UpSampling2D_bicubic_cf", "UpSampling2D",
                           {"size": 2, "interpolation": "bicubic", "data_format": "channels_first"}, (2, 3, 5, 6),
                           grad=True))
CASES += family("spatial_reshaping", _RESIZED)
