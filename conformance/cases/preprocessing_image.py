"""Image preprocessing layers against tf.keras: Rescaling, Resizing (every interpolation, antialias,
crop/pad to aspect ratio), CenterCrop, the augmentation layers at inference, and their training
paths wherever the random draw is pinned (equal factor bounds, probability 1, identity strengths).
Pixel data lie in [0, 255] (or [0, 1] for the resampling cases, so the 1e-5 tolerance stays
meaningful near zero); layers refusing a configuration must refuse it in both."""

import numpy as np

from conformance.case import Case, family, layer_case

CASES = []
TOL = {"atol": 1e-5, "rtol": 1e-5}


def pixels(shape, high=255.0, dtype="float32"):
    def data(rng):
        x = rng.uniform(0.0, high, size=shape)
        return np.round(x).astype(dtype) if dtype != "float32" else x.astype(dtype)
    return data


def add(id, layer, kwargs=None, shape=(2, 9, 10, 3), high=255.0, training=None, dtype="float32", **extra):
    tol = {**TOL, **{k: extra.pop(k) for k in ("atol", "rtol") if k in extra}}
    CASES.append(layer_case(id, layer, kwargs, data=pixels(shape, high, dtype), training=training, **tol, **extra))


def error(id, layer, kwargs, shape=(2, 8, 8, 3)):
    CASES.append(layer_case(id, layer, kwargs, data=pixels(shape), expect_error=True))


# ---------------------------------------------------------------- deterministic layers
add("Rescaling_1_255", "Rescaling", {"scale": 1 / 255.0})
add("Rescaling_offset", "Rescaling", {"scale": 1 / 127.5, "offset": -1.0})
add("Rescaling_per_channel", "Rescaling", {"scale": [0.5, 1.0, 2.0], "offset": [1.0, 0.0, -1.0]})
add("Rescaling_int_input", "Rescaling", {"scale": 0.5, "offset": 0.25}, dtype="int32")
for interp in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5"):
    for aa in (False, True):
        tag = f"{interp}{'_antialias' if aa else ''}"
        add(f"Resizing_down_{tag}", "Resizing", {"height": 5, "width": 4, "interpolation": interp, "antialias": aa},
            shape=(2, 11, 13, 2), high=1.0)
        add(f"Resizing_up_{tag}", "Resizing", {"height": 13, "width": 17, "interpolation": interp, "antialias": aa},
            shape=(2, 6, 7, 2), high=1.0)
add("Resizing_crop_to_aspect_ratio", "Resizing", {"height": 6, "width": 4, "crop_to_aspect_ratio": True},
    shape=(2, 9, 12, 3), high=1.0)
add("Resizing_pad_to_aspect_ratio", "Resizing", {"height": 6, "width": 12, "pad_to_aspect_ratio": True,
                                                 "fill_value": 0.5}, shape=(2, 9, 8, 3), high=1.0)
add("Resizing_pad_to_aspect_ratio_tall", "Resizing", {"height": 12, "width": 5, "pad_to_aspect_ratio": True},
    shape=(2, 7, 9, 3), high=1.0)
add("Resizing_channels_first", "Resizing", {"height": 4, "width": 6, "data_format": "channels_first"},
    shape=(2, 3, 9, 10), high=1.0)
add("Resizing_unbatched", "Resizing", {"height": 4, "width": 6, "interpolation": "bicubic"}, shape=(9, 10, 3),
    high=1.0)
add("Resizing_uint8_rounds", "Resizing", {"height": 5, "width": 7}, shape=(2, 9, 10, 3), dtype="uint8")
add("CenterCrop_smaller", "CenterCrop", {"height": 5, "width": 4})
add("CenterCrop_odd_margin", "CenterCrop", {"height": 6, "width": 7}, shape=(2, 9, 10, 3))
add("CenterCrop_upsizes", "CenterCrop", {"height": 12, "width": 8}, high=1.0)
add("CenterCrop_channels_first", "CenterCrop", {"height": 4, "width": 5, "data_format": "channels_first"},
    shape=(2, 3, 9, 10))
add("CenterCrop_unbatched", "CenterCrop", {"height": 4, "width": 5}, shape=(9, 10, 3))
add("AutoContrast", "AutoContrast", {})
add("AutoContrast_unit_range", "AutoContrast", {"value_range": (0, 1)}, high=1.0)
add("Equalization_training", "Equalization", {}, training=True)
add("Equalization_bins_64", "Equalization", {"bins": 64}, training=True)
add("CLAHE", "ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 3)}, shape=(2, 12, 12, 3))
add("CLAHE_padded_tiles", "ContrastLimitedAdaptiveHistogramEqualization",
    {"tile_grid_size": (4, 3), "clip_limit": 2.0}, shape=(2, 10, 11, 3))

# ---------------------------------------------------------------- inference: every random layer is the identity
INFER = {
    "RandomCrop": {"height": 5, "width": 6}, "RandomFlip": {}, "RandomRotation": {"factor": 0.3},
    "RandomZoom": {"height_factor": 0.3}, "RandomTranslation": {"height_factor": 0.2, "width_factor": 0.2},
    "RandomContrast": {"factor": 0.5}, "RandomBrightness": {"factor": 0.3}, "RandomSaturation": {"factor": 0.5},
    "RandomHue": {"factor": 0.5}, "RandomGrayscale": {}, "RandomColorDegeneration": {"factor": 0.5},
    "RandomInvert": {}, "RandomPosterization": {"factor": (2, 6)}, "RandomSharpness": {"factor": 0.5},
    "RandomShear": {"x_factor": 0.3}, "RandomPerspective": {}, "RandomElasticTransform": {},
    "RandomGaussianBlur": {}, "RandomErasing": {}, "Solarization": {"addition_factor": 0.2},
    "RandomColorJitter": {"brightness_factor": 0.2, "hue_factor": 0.2}, "MixUp": {}, "CutMix": {},
    "AugMix": {}, "RandAugment": {}, "MaxNumBoundingBoxes": {"max_number": 3},
}
for name, kw in INFER.items():
    add(f"{name}_inference", name, {**kw, "seed": 3} if name != "MaxNumBoundingBoxes" else kw, training=False)

# ---------------------------------------------------------------- training with the draw pinned
for fill in ("reflect", "wrap", "constant", "nearest"):
    for interp in ("bilinear", "nearest"):
        add(f"RandomRotation_fixed_{fill}_{interp}", "RandomRotation",
            {"factor": (0.1, 0.1), "fill_mode": fill, "interpolation": interp, "fill_value": 7.0}, training=True)
        add(f"RandomZoom_fixed_{fill}_{interp}", "RandomZoom",
            {"height_factor": (0.3, 0.3), "width_factor": (-0.2, -0.2), "fill_mode": fill,
             "interpolation": interp}, training=True)
        add(f"RandomTranslation_fixed_{fill}_{interp}", "RandomTranslation",
            {"height_factor": (0.25, 0.25), "width_factor": (-0.35, -0.35), "fill_mode": fill,
             "interpolation": interp, "fill_value": 3.0}, training=True)
add("RandomRotation_fixed_large_angle", "RandomRotation", {"factor": (-0.6, -0.6)}, training=True)
add("RandomRotation_fixed_channels_first", "RandomRotation", {"factor": (0.2, 0.2), "data_format": "channels_first"},
    shape=(2, 3, 9, 10), training=True)
add("RandomRotation_fixed_unbatched", "RandomRotation", {"factor": (0.15, 0.15)}, shape=(9, 10, 3), training=True)
add("RandomZoom_fixed_zoom_in_keep_ratio", "RandomZoom", {"height_factor": (-0.4, -0.4)}, training=True)
add("RandomTranslation_fixed_channels_first", "RandomTranslation",
    {"height_factor": (0.1, 0.1), "width_factor": (0.3, 0.3), "data_format": "channels_first"},
    shape=(2, 3, 9, 10), training=True)
add("RandomCrop_smaller_image_resizes", "RandomCrop", {"height": 12, "width": 14}, training=True, high=1.0)
add("RandomContrast_factor_0", "RandomContrast", {"factor": 0.0}, training=True)
add("RandomBrightness_fixed_up", "RandomBrightness", {"factor": (0.2, 0.2)}, training=True)
add("RandomBrightness_fixed_down_unit", "RandomBrightness", {"factor": (-0.3, -0.3), "value_range": (0, 1)},
    training=True, high=1.0)
add("RandomSaturation_fixed", "RandomSaturation", {"factor": (0.7, 0.7)}, training=True, high=1.0,
    atol=1e-5, rtol=1e-4)
add("RandomSaturation_gray", "RandomSaturation", {"factor": (0.0, 0.0)}, training=True, high=1.0)
add("RandomHue_factor_0", "RandomHue", {"factor": 0.0}, training=True)
add("RandomColorDegeneration_fixed", "RandomColorDegeneration", {"factor": (0.6, 0.6)}, training=True)
add("RandomSharpness_fixed", "RandomSharpness", {"factor": (0.9, 0.9)}, training=True)
add("RandomSharpness_fixed_channels_first", "RandomSharpness", {"factor": (0.2, 0.2),
                                                                 "data_format": "channels_first"},
    shape=(2, 3, 9, 10), training=True)
add("RandomPosterization_fixed_3_bits", "RandomPosterization", {"factor": (3, 3)}, training=True)
add("RandomPosterization_fixed_unit_range", "RandomPosterization", {"factor": (5, 5), "value_range": (0, 1)},
    training=True, high=1.0)
add("Solarization_threshold_0", "Solarization", {}, training=True)
add("RandomInvert_always", "RandomInvert", {"factor": (1.0, 1.0)}, training=True)
add("RandomGrayscale_always", "RandomGrayscale", {"factor": 1.0}, training=True)
add("RandomGrayscale_never", "RandomGrayscale", {"factor": 0.0}, training=True)
add("RandomGaussianBlur_fixed_3", "RandomGaussianBlur", {"factor": (1.0, 1.0), "sigma": (0.6, 0.6)},
    training=True)
add("RandomGaussianBlur_fixed_5", "RandomGaussianBlur", {"factor": (1.0, 1.0), "kernel_size": 5,
                                                         "sigma": (0.9, 0.9)}, training=True)
add("RandomColorJitter_brightness_fixed", "RandomColorJitter", {"brightness_factor": (0.1, 0.1)}, training=True)
add("RandomPerspective_scale_0", "RandomPerspective", {"scale": 0.0}, training=True)
add("RandomElasticTransform_scale_0", "RandomElasticTransform", {"scale": 0.0}, training=True)
add("RandomShear_factor_0", "RandomShear", {}, training=True)
CASES.append(Case(id="Pipeline_autocontrast_centercrop", data=pixels((2, 10, 12, 3)), training=False, **TOL,
                  build=lambda k: k.layers.Pipeline([k.layers.AutoContrast(), k.layers.CenterCrop(8, 9)])))

# ---------------------------------------------------------------- configurations Keras refuses
error("RandomRotation_bad_fill_mode", "RandomRotation", {"factor": 0.2, "fill_mode": "mirror"})
error("RandomRotation_bad_interpolation", "RandomRotation", {"factor": 0.2, "interpolation": "bicubic"})
error("RandomRotation_factor_out_of_range", "RandomRotation", {"factor": 1.5})
error("RandomZoom_factor_minus_one", "RandomZoom", {"height_factor": -1.0})
error("RandomZoom_three_factors", "RandomZoom", {"height_factor": (0.1, 0.2, 0.3)})
error("RandomTranslation_factor_out_of_range", "RandomTranslation", {"height_factor": 1.2, "width_factor": 0.1})
error("RandomContrast_factor_out_of_range", "RandomContrast", {"factor": 1.5})
error("RandomBrightness_bad_value_range", "RandomBrightness", {"factor": 0.2, "value_range": (0, 1, 2)})
error("RandomBrightness_factor_string", "RandomBrightness", {"factor": "0.2"})
error("RandomSaturation_factor_out_of_range", "RandomSaturation", {"factor": 1.2})
error("RandomHue_factor_negative", "RandomHue", {"factor": -0.5})
error("RandomGrayscale_factor_out_of_range", "RandomGrayscale", {"factor": 1.5})
error("RandomPosterization_factor_9", "RandomPosterization", {"factor": 9})
error("RandomGaussianBlur_even_kernel", "RandomGaussianBlur", {"kernel_size": 4})
error("RandomPerspective_scale_out_of_range", "RandomPerspective", {"scale": 1.5})
error("RandomShear_negative_factor", "RandomShear", {"x_factor": -0.2})
error("Solarization_factor_out_of_range", "Solarization", {"addition_factor": 1.5})
error("Resizing_bad_interpolation", "Resizing", {"height": 4, "width": 4, "interpolation": "cubic"})
error("Resizing_crop_and_pad", "Resizing", {"height": 4, "width": 4, "crop_to_aspect_ratio": True,
                                            "pad_to_aspect_ratio": True})
error("Resizing_fill_mode_reflect", "Resizing", {"height": 4, "width": 4, "fill_mode": "reflect"})
error("RandomFlip_rank_5", "RandomFlip", {}, shape=(2, 2, 8, 8, 3))
error("CutMix_factor_out_of_range", "CutMix", {"factor": 2.0})
error("RandomErasing_scale_out_of_range", "RandomErasing", {"scale": (1.5, 2.5)})

CASES = family("preprocessing_image", CASES)
