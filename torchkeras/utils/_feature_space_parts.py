"""FeatureSpace's building blocks: the Feature and Cross specs, its two small data layers, and
the conversions of adapt/call data (dicts of lists, arrays, tensors, dataset elements)."""

import sys

import numpy as np
import torch
from torch import nn

from torchkeras.layers.preprocessing._base import DataLayer, to_strings

# Where Keras defines these classes: what its `.keras` configs name, so either side loads the other's.
KERAS_MODULE = "keras.src.layers.preprocessing.feature_space"
_ADAPT_BATCH = 32  # Keras batches unbatched datasets by 32 before adapting each layer


def serialize_part(obj):
    from torchkeras.utils.serialization import serialize_keras_object

    record = serialize_keras_object(obj)
    if type(obj) in _PARTS.values():
        # Keras records its unexported classes under their class name.
        record["registered_name"] = record["class_name"]
    return record


def deserialize_part(record):
    from torchkeras.saving.serialization_lib import deserialize_keras_object

    # This path also builds a layer from its `build_config`, so loaded statistics have their variables.
    return deserialize_keras_object(record, module_objects=_PARTS)


class Cross:
    """A feature cross: the named features hashed together into `crossing_dim` bins."""

    _keras_module = KERAS_MODULE

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                             f"Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """A feature: its input dtype, its preprocessing layer and how its output is encoded."""

    _keras_module = KERAS_MODULE

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', "
                             f"'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        self.preprocessor = deserialize_part(preprocessor) if isinstance(preprocessor, dict) else preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialize_part(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class TFDIdentity(DataLayer):
    """The preprocessor of `float` features: the values, as floats of the layer's dtype."""

    _keras_module = KERAS_MODULE

    def call(self, x):
        dtype = getattr(torch, self.compute_dtype)
        if isinstance(x, torch.Tensor) and x.is_floating_point() and x.dtype != dtype:
            return x.to(dtype)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape


class TFDConcat(DataLayer):
    """Concatenates the encoded features (numeric tensors) along `axis`."""

    _keras_module = KERAS_MODULE

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, xs):
        return torch.cat([torch.as_tensor(x) for x in xs], dim=self.axis)

    def compute_output_shape(self, input_shapes):
        shapes = [tuple(s) for s in input_shapes]
        axis = self.axis % len(shapes[0])
        dims = [s[axis] for s in shapes]
        size = None if any(d is None for d in dims) else sum(dims)
        return shapes[0][:axis] + (size,) + shapes[0][axis + 1:]

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


_PARTS = {"Feature": Feature, "Cross": Cross, "TFDIdentity": TFDIdentity, "TFDConcat": TFDConcat}


class LayerDict(nn.ModuleDict):
    """Layers by feature name, a dict for users and a torch module for saving, which visits the
    values in insertion order as Keras visits its tracked dicts. Names are escaped inside: torch
    module names cannot hold "." nor shadow attributes ("values", "training")."""

    @staticmethod
    def _key(name):
        return "k" + str(name).replace("%", "%25").replace(".", "%2E")

    @staticmethod
    def _name(key):
        return key[1:].replace("%2E", ".").replace("%25", "%")

    def __getitem__(self, name):
        return super().__getitem__(self._key(name))

    def __setitem__(self, name, layer):
        super().__setitem__(self._key(name), layer)

    def __contains__(self, name):
        return super().__contains__(self._key(name))

    def __iter__(self):
        return iter(self.keys())

    def keys(self):
        return [self._name(k) for k in super().keys()]

    def items(self):
        return list(zip(self.keys(), self.values()))

    def get(self, name, default=None):
        return self[name] if name in self else default


# ---------------------------------------------------------------------------------- data
def to_array(x):
    """A tensor, array, list or scalar as numpy; strings as an object array of Python str."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy") and not isinstance(x, (np.ndarray, np.generic)):
        x = x.numpy()  # TensorFlow eager tensors, the porting runner's string tensors
    arr = np.asarray(x)
    return to_strings(arr) if arr.dtype.kind in "USO" else arr


def convert_input(x):
    """A feature's call value: numbers as a torch tensor, strings as a numpy object array."""
    if isinstance(x, torch.Tensor):
        return x
    arr = to_array(x)
    if arr.dtype == object:
        return arr
    if isinstance(x, (list, tuple, int, float)):
        # TensorFlow's conversion of Python numbers, which Keras applies here: float32 and int32.
        arr = arr.astype({"f": np.float32, "i": np.int32}.get(arr.dtype.kind, arr.dtype))
    # (np.ascontiguousarray would turn a 0-d value into shape (1,).)
    return torch.from_numpy(arr if arr.flags.c_contiguous and arr.flags.writeable else arr.copy())


def in_tf_graph(data):
    """Whether `data` holds symbolic TensorFlow tensors (a `tf.data` map traced by real TensorFlow)."""
    tf = sys.modules.get("tensorflow")
    eager = getattr(tf, "executing_eagerly", None)
    if tf is None or eager is None or eager() or not isinstance(getattr(tf, "Tensor", None), type):
        return False
    return any(isinstance(v, tf.Tensor) for v in data.values())


def check_adapt_data(dataset):
    if isinstance(dataset, dict):
        return
    if isinstance(dataset, (str, bytes, list, tuple, np.ndarray, torch.Tensor)) or not hasattr(dataset, "__iter__"):
        raise ValueError("`adapt()` can only be called on a tf.data.Dataset or a dict of arrays/lists. "
                         f"Received instead: {dataset} (of type {type(dataset)})")


def feature_batches(dataset, name):
    """The batches of one feature that its layer adapts on, shaped `(batch, 1)` as Keras's."""
    if isinstance(dataset, dict):
        return _dict_batches(dataset, name)
    return _dataset_batches(dataset, name)


def _dict_batches(data, name):
    if name not in data:
        raise ValueError(f"The data passed to `adapt()` has no feature '{name}'. Received keys: {list(data)}")
    values = to_array(data[name])
    if values.ndim == 0:
        raise ValueError(f"Feature '{name}' in the data passed to `adapt()` is a scalar ({values!r}): expected "
                         "an array or list of values, one per sample.")
    if values.ndim == 1:  # Keras slices the dict into scalars, then batches them by 32
        for start in range(0, len(values), _ADAPT_BATCH):
            yield values[start:start + _ADAPT_BATCH][:, None]
        return
    for row in values:
        yield row[:, None] if row.ndim == 1 else row


def _dataset_batches(dataset, name):
    pending = []
    for element in dataset:
        if isinstance(element, tuple) and element:
            element = element[0]  # (features, labels): adapt on the features
        if not isinstance(element, dict) or name not in element:
            got = list(element) if isinstance(element, dict) else type(element).__name__
            raise ValueError("`adapt()` expects a dataset of dicts holding every feature of the FeatureSpace; "
                             f"feature '{name}' is missing. Received elements: {got}")
        value = to_array(element[name])
        if value.ndim == 0:
            pending.append(value)
            if len(pending) == _ADAPT_BATCH:
                yield np.stack(pending)[:, None]
                pending = []
        else:
            yield value[:, None] if value.ndim == 1 else value
    if pending:
        yield np.stack(pending)[:, None]


# ---------------------------------------------------------------------------------- encoding
def dtype_name(value):
    from torchkeras.utils.general_utils import standardize_dtype

    while isinstance(value, (list, tuple, dict)):
        value = next(iter(value.values() if isinstance(value, dict) else value))
    return standardize_dtype(value.dtype)


def cardinality(name, preprocessor):
    """The number of distinct ids a one-hot encoded feature's preprocessor outputs."""
    from torchkeras import layers

    if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
        return preprocessor.vocabulary_size()
    if isinstance(preprocessor, layers.CategoryEncoding):
        return preprocessor.num_tokens
    if isinstance(preprocessor, layers.Discretization):
        if preprocessor.num_bins is None:  # given bin_boundaries
            return len(preprocessor.bin_boundaries) + 1
        return preprocessor.num_bins
    if isinstance(preprocessor, (layers.HashedCrossing, layers.Hashing)):
        return preprocessor.num_bins
    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature and "
                     "the dimensionality of its output space is not known, thus it cannot be one-hot encoded. "
                     "Try using `output_mode='int'`.")
