"""Conformance cases: numeric preprocessing layers (Normalization, Discretization, CategoryEncoding,
Hashing / HashedCrossing / IntegerLookup on integer features, STFTSpectrogram, MelSpectrogram).

Adapted layers are adapted inside `build` on the same fixed data in both libraries, so the learned
statistics (and hence the outputs) are compared too. String-input layers are compared in
conformance/tests/test_preprocessing_conformance.py.
"""

import numpy as np

from conformance.case import Case, family, layer_case

CASES = []
_ADAPT = np.random.default_rng(7).normal(2.0, 3.0, size=(40, 4, 3)).astype("float32")


def adapt(layer, data):
    layer.adapt(data)
    return layer


# Normalization: adapt on arrays and on an iterable of batches, given statistics, invert, axes.
CASES += [
    Case(id="Normalization_adapt_axis_last", build=lambda k: adapt(k.layers.Normalization(), _ADAPT), inputs=(5, 4, 3)),
    Case(id="Normalization_adapt_axis_none", build=lambda k: adapt(k.layers.Normalization(axis=None), _ADAPT), inputs=(5, 4, 3)),
    Case(id="Normalization_adapt_axis_1_2", build=lambda k: adapt(k.layers.Normalization(axis=(1, 2)), _ADAPT), inputs=(5, 4, 3)),
    Case(id="Normalization_adapt_batches", build=lambda k: adapt(k.layers.Normalization(), [_ADAPT[:16], _ADAPT[16:33], _ADAPT[33:]]),
         inputs=(5, 4, 3), atol=1e-5),
    Case(id="Normalization_adapt_invert", build=lambda k: adapt(k.layers.Normalization(invert=True), _ADAPT[:, 0]), inputs=(5, 3)),
    layer_case("Normalization_given_scalar", "Normalization", {"mean": 3.0, "variance": 2.0}, inputs=(4, 3)),
    layer_case("Normalization_given_vector", "Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 0.25]},
               inputs=(4, 3)),
    layer_case("Normalization_given_invert", "Normalization", {"mean": [1.0, 2.0], "variance": [4.0, 9.0],
                                                               "invert": True}, inputs=(4, 2)),
    layer_case("Normalization_given_axis_1", "Normalization", {"axis": 1, "mean": [0.5, -1.0, 2.0],
                                                               "variance": [1.0, 2.0, 3.0]}, inputs=(2, 3, 4)),
    layer_case("Normalization_mean_without_variance", "Normalization", {"mean": 1.0}, expect_error=True),
    layer_case("Normalization_mean_rank_too_high", "Normalization", {"mean": [[1.0]], "variance": [[1.0]]},
               expect_error=True),
]

# Discretization
_bounds = [-1.0, 0.0, 0.5, 2.0]
for mode in ("int", "one_hot", "multi_hot", "count"):
    CASES.append(layer_case(f"Discretization_bounds_{mode}", "Discretization",
                            {"bin_boundaries": _bounds, "output_mode": mode}, inputs=(4, 3)))
CASES += [
    layer_case("Discretization_bounds_one_hot_rank1", "Discretization",
               {"bin_boundaries": _bounds, "output_mode": "one_hot"}, inputs=(6,)),
    Case(id="Discretization_adapt_num_bins", build=lambda k: adapt(k.layers.Discretization(num_bins=5), _ADAPT), inputs=(6, 3)),
    Case(id="Discretization_adapt_epsilon", build=lambda k: adapt(k.layers.Discretization(num_bins=3, epsilon=0.1), _ADAPT),
         inputs=(6, 3)),
    layer_case("Discretization_both_args", "Discretization", {"bin_boundaries": [0.0], "num_bins": 2},
               expect_error=True),
    layer_case("Discretization_no_args", "Discretization", {}, expect_error=True),
]

# CategoryEncoding
for mode in ("one_hot", "multi_hot", "count"):
    CASES.append(layer_case(f"CategoryEncoding_{mode}_rank2", "CategoryEncoding",
                            {"num_tokens": 6, "output_mode": mode}, inputs=(4, 3), dtype="int32", high=6))
    CASES.append(layer_case(f"CategoryEncoding_{mode}_rank1", "CategoryEncoding",
                            {"num_tokens": 6, "output_mode": mode}, inputs=(5,), dtype="int64", high=6))
CASES += [
    layer_case("CategoryEncoding_one_hot_last_dim_1", "CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"},
               inputs=(5, 1), dtype="int32", high=4),
    layer_case("CategoryEncoding_one_hot_int32_dtype", "CategoryEncoding",
               {"num_tokens": 4, "output_mode": "one_hot", "dtype": "int32"}, inputs=(4,), dtype="int64", high=4),
    layer_case("CategoryEncoding_multi_hot_rank3", "CategoryEncoding", {"num_tokens": 5, "output_mode": "multi_hot"},
               inputs=(2, 3, 4), dtype="int32", high=5),
    layer_case("CategoryEncoding_no_num_tokens", "CategoryEncoding", {}, expect_error=True),
    layer_case("CategoryEncoding_bad_mode", "CategoryEncoding", {"num_tokens": 3, "output_mode": "tf_idf"},
               expect_error=True),
]

# Hashing, HashedCrossing and IntegerLookup on integer features (ids must equal TF's exactly).
for mode in ("int", "one_hot", "multi_hot", "count"):
    CASES.append(layer_case(f"Hashing_int_features_{mode}", "Hashing", {"num_bins": 7, "output_mode": mode},
                            inputs=(6, 1) if mode == "one_hot" else (6, 3), dtype="int64", high=10_000))
CASES += [
    layer_case("Hashing_mask_value", "Hashing", {"num_bins": 5, "mask_value": 3}, inputs=(8, 4), dtype="int64", high=6),
    layer_case("Hashing_salt_pair", "Hashing", {"num_bins": 11, "salt": [133, 137]}, inputs=(8, 4), dtype="int64",
               high=1000),
    layer_case("Hashing_salt_int", "Hashing", {"num_bins": 11, "salt": 7}, inputs=(8, 4), dtype="int64", high=1000),
    layer_case("Hashing_float_features", "Hashing", {"num_bins": 13}, inputs=(8, 2)),
    layer_case("Hashing_bad_num_bins", "Hashing", {"num_bins": 0}, expect_error=True),
    layer_case("Hashing_bad_salt", "Hashing", {"num_bins": 3, "salt": [1, 2, 3]}, expect_error=True),
    layer_case("HashedCrossing_int", "HashedCrossing", {"num_bins": 17}, inputs=[(9,), (9,)], dtype="int64",
               high=1000),
    layer_case("HashedCrossing_one_hot", "HashedCrossing", {"num_bins": 5, "output_mode": "one_hot"},
               inputs=[(6, 1), (6, 1)], dtype="int64", high=50),
]
for mode in ("int", "one_hot", "multi_hot", "count"):
    CASES.append(layer_case(f"IntegerLookup_vocab_{mode}", "IntegerLookup",
                            {"vocabulary": [3, 5, 7, 11], "output_mode": mode}, inputs=(4, 3), dtype="int64", high=13))
CASES += [
    layer_case("IntegerLookup_tf_idf", "IntegerLookup", {"vocabulary": [3, 5, 7], "output_mode": "tf_idf",
                                                        "idf_weights": [0.5, 1.0, 2.0]}, inputs=(4, 3), dtype="int64",
               high=9),
    layer_case("IntegerLookup_mask_multi_oov", "IntegerLookup", {"vocabulary": [3, 5, 7], "mask_token": 0,
                                                                "num_oov_indices": 3}, inputs=(5, 4), dtype="int64",
               high=20),
    layer_case("IntegerLookup_farmhash_oov", "IntegerLookup", {"vocabulary": [3, 5], "num_oov_indices": 4,
                                                              "oov_method": "farmhash"}, inputs=(5, 4), dtype="int64",
               high=30),
    layer_case("IntegerLookup_invert", "IntegerLookup", {"vocabulary": [3, 5, 7], "invert": True}, inputs=(3, 3),
               dtype="int64", high=5),
    Case(id="IntegerLookup_adapt_max_tokens", build=lambda k: adapt(k.layers.IntegerLookup(max_tokens=4), np.array([1, 1, 1, 2, 2, 3, 4, 4, 4, 4])), inputs=(4, 3), dtype="int64", high=6),
    Case(id="IntegerLookup_adapt_tf_idf", build=lambda k: adapt(k.layers.IntegerLookup(output_mode="tf_idf"), np.array([[1, 2, 2], [3, 1, 1], [4, 4, 1]])), inputs=(4, 3), dtype="int64", high=6),
    layer_case("IntegerLookup_duplicate_vocab", "IntegerLookup", {"vocabulary": [1, 2, 1]}, expect_error=True),
    layer_case("IntegerLookup_bad_max_tokens", "IntegerLookup", {"max_tokens": 1}, expect_error=True),
]

# Spectrograms
for mode in ("log", "magnitude", "psd", "real", "imag", "angle", "stft"):
    CASES.append(layer_case(f"STFTSpectrogram_{mode}", "STFTSpectrogram",
                            {"mode": mode, "frame_length": 16, "frame_step": 8}, inputs=(2, 64, 1), atol=1e-5))
CASES += [
    layer_case("STFTSpectrogram_same_fft32_2ch", "STFTSpectrogram",
               {"mode": "magnitude", "frame_length": 20, "frame_step": 6, "fft_length": 32, "padding": "same",
                "scaling": "spectrum", "periodic": True}, inputs=(2, 50, 2), atol=1e-5),
    layer_case("STFTSpectrogram_expand_dims", "STFTSpectrogram",
               {"mode": "real", "frame_length": 8, "expand_dims": True, "window": "hamming"}, inputs=(2, 40, 3),
               atol=1e-5),
    layer_case("STFTSpectrogram_bad_mode", "STFTSpectrogram", {"mode": "nope"}, expect_error=True),
    layer_case("MelSpectrogram_db", "MelSpectrogram", {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 8,
                                                       "sampling_rate": 8000}, inputs=(2, 256), atol=2e-3, rtol=1e-4),
    layer_case("MelSpectrogram_power", "MelSpectrogram", {"fft_length": 64, "sequence_stride": 32, "sequence_length": 48,
                                                          "num_mel_bins": 10, "power_to_db": False, "mag_exp": 1.0,
                                                          "window": "hamming"}, inputs=(3, 300), atol=1e-4, rtol=1e-4),
]

CASES = family("preprocessing", CASES)
