"""keras.utils.FeatureSpace: one-stop preprocessing and encoding of structured (tabular) data.

Each feature is a preprocessing layer (Normalization, Discretization, IntegerLookup, StringLookup,
Hashing, ...), crosses are HashedCrossing layers, and categorical outputs are one-hot encoded by
CategoryEncoding before being concatenated (or returned as a dict). Strings stay numpy object
arrays (torch has no string tensor); every other output is a torch tensor.
"""

from torchkeras import config as _config
from torchkeras import layers
from torchkeras.layers.layer import Layer
from torchkeras.utils import _feature_space_parts as _parts
from torchkeras.utils._feature_space_parts import Cross, Feature, TFDConcat, TFDIdentity

__all__ = ["FeatureSpace"]

_NAMED_TYPES = ("float", "float_normalized", "float_rescaled", "float_discretized", "integer_categorical",
                "string_categorical", "integer_hashed", "string_hashed")


def _auto_name(prefix):
    return _config.unique_name(_config.to_snake_case(prefix))


class FeatureSpace(Layer):
    """One-stop utility for preprocessing and encoding structured data.

    Args:
        features: dict mapping each feature name to its type, a name (`"integer_categorical"`) or a
            spec (`FeatureSpace.integer_categorical(max_tokens=10)`). Types: `float`,
            `float_normalized`, `float_rescaled`, `float_discretized`, `integer_categorical`,
            `string_categorical`, `integer_hashed`, `string_hashed`, or `FeatureSpace.feature(...)`
            with your own preprocessing layer.
        output_mode: `"concat"` (one float vector per sample) or `"dict"` (one encoded tensor per
            feature and cross).
        crosses: features to cross, e.g. `[("f1", "f2")]` or `[FeatureSpace.cross(...)]`; a cross
            hashes the combined values into `crossing_dim` bins.
        crossing_dim, hashing_dim, num_discretization_bins: defaults (32) for crosses, `*_hashed`
            features and `float_discretized` features given by name.

    Call `adapt(dataset)` first (a `tf.data`-style dataset of dicts, or a dict of arrays), then call
    the FeatureSpace on a dict of values (one sample or a batch), map it over a dataset, or build a
    functional model from `get_inputs()` and `get_encoded_features()`. `save("fs.keras")` writes a
    `.keras` file that `keras.models.load_model` (torchkeras or Keras) reloads.

    Example:

    ```python
    fs = FeatureSpace({"age": "float_normalized", "city": "string_categorical"},
                      crosses=[("age", "city")], output_mode="concat")
    fs.adapt({"age": [31.0, 45.0, 23.0], "city": ["Paris", "Lima", "Paris"]})
    fs({"age": [50.0], "city": ["Lima"]}).shape  # (1, 1 + 3 + 32)
    ```
    """

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or _auto_name("float")
        return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or _auto_name("float_rescaled")
        layer = layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature("float32", layer, "float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or _auto_name("float_normalized")
        return Feature("float32", layers.Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or _auto_name("float_discretized")
        layer = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                         name=f"{name}_preprocessor")
        return Feature("float32", layer, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_categorical")
        layer = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                        num_oov_indices=num_oov_indices)
        return Feature("int32", layer, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or _auto_name("string_categorical")
        layer = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                       num_oov_indices=num_oov_indices)
        return Feature("string", layer, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("string_hashed")
        return Feature("string", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_hashed")
        return Feature("int32", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        if not isinstance(features, dict):
            raise ValueError("The `features` argument should be a dict mapping feature names to feature "
                             f"types. Received: features={features!r} (of type {type(features)})")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value) for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross, set(features)) for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                             f"Received: output_mode={output_mode}")
        self.output_mode = output_mode
        self.inputs = {name: layers.Input(shape=(1,), dtype=f.dtype, name=name) for name, f in self.features.items()}
        # Keras saves these by structure (`preprocessors/normalization`, ...): torch modules so that
        # torchkeras's saving walks them the same way.
        self.preprocessors = _parts.LayerDict({name: f.preprocessor for name, f in self.features.items()})
        self.crossers = _parts.LayerDict({c.name: layers.HashedCrossing(c.crossing_dim, name=c.name)
                                          for c in self.crosses})
        self.one_hot_encoders = _parts.LayerDict()
        self.encoded_features = None
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _parts.deserialize_part(feature)
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        if isinstance(feature, str) and feature in _NAMED_TYPES:
            return getattr(self, feature)(name=name)
        raise ValueError(f"Invalid feature type: {feature}. Expected one of {list(_NAMED_TYPES)} or a "
                         "`FeatureSpace.feature(...)` spec.")

    def _standardize_cross(self, cross, feature_set):
        if isinstance(cross, dict):
            cross = _parts.deserialize_part(cross)
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                             "crossing space) should be specified as well.")
        if any(key not in feature_set for key in cross):
            raise ValueError("All features referenced in the `crosses` argument should be present in the "
                             f"`features` dict. Received unknown features: {cross}")
        return Cross(cross, crossing_dim=self.crossing_dim)

    # ------------------------------------------------------------------ adapt
    def _list_adaptable_preprocessors(self):
        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            # Preset statistics or vocabulary: nothing to learn.
            if isinstance(preprocessor, layers.Normalization) and preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, layers.TextVectorization) and preprocessor._has_input_vocabulary:
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Learn each feature's statistics or vocabulary from `dataset`: a `tf.data`-style dataset
        of dicts (batched or not) or a dict of arrays/lists."""
        _parts.check_adapt_data(dataset)
        for name in self._list_adaptable_preprocessors():
            self.preprocessors[name].adapt(_parts.feature_batches(dataset, name))
        self._is_adapted = True
        self.get_encoded_features()  # finishes building: encoders and concat layer
        self.built = True
        self._sublayers_built = True

    # ------------------------------------------------------------------ functional API
    def get_inputs(self):
        """The dict of `keras.Input`s (shape `(1,)`, one per feature) of the encoded features."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features as symbolic tensors of `get_inputs()` (to build a functional model)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {c.name: self.crossers[c.name]([features[n] for n in c.feature_names]) for c in self.crosses}

    def _merge_features(self, preprocessed, crossed):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[n] for n in self._preprocessed_features_names] + \
                 [crossed[n] for n in self._crossed_features_names]
        if not self._sublayers_built:
            self._build_encoders(names, values)
        encoded = {}
        for name, value in zip(names, values):
            encoder = self.one_hot_encoders.get(name)
            encoded[name] = encoder(value) if encoder is not None else value
        if self.output_mode == "dict":
            return encoded
        return self.concat([encoded[n] for n in names])

    def _build_encoders(self, names, values):
        """First (symbolic) pass: one-hot encoders for `one_hot` outputs, checks, and the concat layer."""
        specs = [self.features[n] for n in self._preprocessed_features_names] + \
                [self.crosses_by_name[n] for n in self._crossed_features_names]
        for name, value, spec in zip(names, values, specs):
            dtype = _parts.dtype_name(value)
            if spec.output_mode == "one_hot":
                if not dtype.startswith("int"):
                    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor should "
                                     f"return an integer dtype. Instead it returns a {dtype} dtype.")
                preprocessor = self.preprocessors.get(name) if name in self.preprocessors else self.crossers[name]
                encoder = layers.CategoryEncoding(num_tokens=_parts.cardinality(name, preprocessor),
                                                  output_mode="multi_hot")
                self.one_hot_encoders[name] = encoder
                dtype = _parts.dtype_name(encoder(value))
            if self.output_mode == "concat" and (dtype.startswith(("int", "uint")) or dtype == "string"):
                raise ValueError(f"Cannot concatenate features because feature '{name}' has not been encoded "
                                 f"(it has dtype {dtype}). Consider using `output_mode='dict'`.")
        if self.output_mode == "concat":
            self.concat = TFDConcat(axis=-1)

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can start "
                                 "using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ------------------------------------------------------------------ call
    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data} "
                             f"(of type {type(data)})")
        if _parts.in_tf_graph(data):
            # Inside `tf.data.Dataset.map` (real TensorFlow): run on each element's numpy values.
            from torchkeras.layers.preprocessing.image_preprocessing._tf_data import tf_data_call
            return tf_data_call(self._call_eager, data)
        return self._call_eager(data)

    def _call_eager(self, data):
        missing = [n for n in self.features if n not in data]
        unknown = [n for n in data if n not in self.features]
        if missing or unknown:
            raise ValueError(f"The FeatureSpace expects a dict with the keys {list(self.features)}. Missing: "
                             f"{missing}; unknown: {unknown}. Received keys: {list(data)}")
        data = {name: _parts.convert_input(data[name]) for name in self.features}
        rebatched = False
        for name, x in data.items():
            if x.ndim == 0:
                data[name], rebatched = x.reshape(1, 1), True
            elif x.ndim == 1:
                data[name] = x[:, None]
        preprocessed = self._preprocess_features(data)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if rebatched:
            if self.output_mode == "concat":
                if merged.shape[0] != 1:
                    raise ValueError(f"Expected rebatched data to have batch size 1. Received: shape={merged.shape}")
                return merged[0]
            return {n: x[0] if x.ndim == 2 and x.shape[0] == 1 else x for n, x in merged.items()}
        return merged

    # ------------------------------------------------------------------ config and saving
    def get_config(self):
        return {"features": {n: _parts.serialize_part(f) for n, f in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [_parts.serialize_part(c) for c in self.crosses],
                "crossing_dim": self.crossing_dim,
                "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: f.preprocessor.get_build_config() for name, f in self.features.items()}

    def build_from_config(self, config):
        for name in config:
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built:
                preprocessor.build_from_config(config[name])
        self._is_adapted = True
        self.built = True

    def save(self, filepath):
        """Save to a `.keras` file; reload with `keras.models.load_model(filepath)`."""
        from torchkeras.saving.saving_api import save_model
        save_model(self, filepath)

    def save_own_variables(self, store):
        return

    def load_own_variables(self, store):
        # Called once the preprocessors' state (weights, vocabularies) is restored from a file:
        # the loaded FeatureSpace is adapted (Keras marks it in `build_from_config`).
        self._is_adapted = True
        self.built = True
