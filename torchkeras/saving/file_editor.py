"""keras.saving.KerasFileEditor: inspect and edit the weights in a `.keras` or `.weights.h5` file.

The file's weights become a nested dict (`weights_dict`) keyed by the structural paths of
`_tree.py` (`layers/dense` -> {"0": kernel, "1": bias}); objects can be compared with a model,
renamed, deleted or added, and the result written as a new `.weights.h5` file.
"""

import io
import json
import os

import h5py
import numpy as np

from torchkeras.saving import integrity, keras_zip, weights_h5
from torchkeras.saving._tree import walk

_MAX_DATASET_BYTES = 1 << 32  # refuse absurd shapes in a damaged or hostile file before reading them


def _dict_error(weights):
    return ValueError("Argument `weights` should be a dict where keys are weight names (usually '0', '1', etc.) "
                      f"and values are NumPy arrays. Received: type(weights)={type(weights)}")


class KerasFileEditor:
    """Weights of a saved model as an editable nested dict.

    Example:

        editor = keras.saving.KerasFileEditor("model.keras")
        editor.summary()
        editor.compare(new_model)            # {"status": ..., "error_count": ..., "match_count": ...}
        editor.rename_object("dense_3", "dense_4")
        editor.add_weights("dense_4", {"1": bias})
        editor.save("edited.weights.h5")
        new_model.load_weights("edited.weights.h5")
    """

    def __init__(self, filepath):
        self.filepath = filepath = os.fspath(filepath)
        self.metadata = self.config = None
        if filepath.endswith(".keras"):
            members = keras_zip.read_members(filepath, (keras_zip.CONFIG, keras_zip.METADATA, keras_zip.WEIGHTS))
            self.config = json.loads(members[keras_zip.CONFIG].decode("utf-8"))
            self.metadata = json.loads(members[keras_zip.METADATA].decode("utf-8"))
            data = members[keras_zip.WEIGHTS]
            where = f"The weights ({keras_zip.WEIGHTS}) inside {filepath!r}"
        elif filepath.endswith(".weights.h5"):
            with open(filepath, "rb") as f:
                data = f.read()
            where = f"The file {filepath!r}"
        else:
            raise ValueError("Invalid filename: expected a `.keras` `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        if not integrity.check_h5_bytes(data, where):
            integrity.probe_h5(data, where)
        with h5py.File(io.BytesIO(data), "r") as h5file:
            self.weights_dict, self.object_metadata = self._extract(h5file, {}, "")
        print(f"Keras model file '{filepath}'")
        if self.metadata is not None:
            print(f"Saved with Keras {self.metadata.get('keras_version')} - date: {self.metadata.get('date_saved')}")

    # ------------------------------------------------------------------------------ reading
    def _extract(self, group, metadata, inner_path):
        if group.attrs:
            metadata[inner_path] = dict(group.attrs)
        result = {}
        for key in group.keys():
            path = f"{inner_path}/{key}"
            link = group.get(key, getlink=True)
            if isinstance(link, (h5py.ExternalLink, h5py.SoftLink)):
                raise ValueError(f"Not allowed: H5 file with {type(link).__name__}")
            value = group[key]
            if isinstance(value, h5py.Group):
                sub, metadata = self._extract(value, metadata, inner_path if key == "vars" else path)
                if key == "vars":  # an object's own variables sit beside its children's groups
                    result.update(sub)
                elif sub:
                    result[key] = sub
            elif isinstance(value, h5py.Dataset):
                if value.external:
                    raise ValueError(f"Not allowed: H5 file Dataset with external links: {value.external}")
                if value.is_virtual:
                    raise ValueError(f"Not allowed: H5 file with virtual Dataset at {path}")
                if len(value.shape) > 64 or int(np.prod(value.shape, dtype=object)) * value.dtype.itemsize > \
                        _MAX_DATASET_BYTES:
                    raise ValueError(f"HDF5 dataset {path} is too large or malformed to load safely "
                                     f"(shape={value.shape}).")
                result[key] = value[()]
        return result, metadata

    # ------------------------------------------------------------------------------ inspecting
    def summary(self):
        """Print the weight structure of the opened file."""
        def show(d, indent):
            for key, value in d.items():
                if isinstance(value, dict):
                    print(f"{'  ' * indent}{key}/")
                    show(value, indent + 1)
                else:
                    value = np.asarray(value)
                    print(f"{'  ' * indent}{key}: shape={value.shape}, dtype={value.dtype}")
        show(self.weights_dict, 0)

    def weights_summary(self):
        self.summary()

    def compare(self, reference_model):
        """Mismatches between the file and `reference_model`: objects or weights on one side only,
        and shape differences. Returns {'status': 'success'|'error', 'error_count', 'match_count'}."""
        ref = model_weight_spec(reference_model)
        checked = set()

        def diff(target, spec, base, target_name, ref_name):
            errors = matches = 0
            for key, val in spec.items():
                path = f"{base}/{key}"
                if path in checked:
                    continue
                if key not in target:
                    errors += 1
                    checked.add(path)
                    kind = "Object" if isinstance(val, dict) else "Weight"
                    print(f"...{kind} {path} present in {ref_name}, missing from {target_name}")
                elif isinstance(val, dict):
                    e, m = diff(target[key], val, path, target_name, ref_name)
                    errors, matches = errors + e, matches + m
                elif tuple(np.shape(target[key])) != tuple(np.shape(val)):
                    errors += 1
                    checked.add(path)
                    print(f"...Weight shape mismatch for {path}\n    In {ref_name}: shape={np.shape(val)}\n"
                          f"    In {target_name}: shape={np.shape(target[key])}")
                else:
                    matches += 1
            return errors, matches

        errors, matches = diff(self.weights_dict, ref, "", "saved file", "reference model")
        errors += diff(ref, self.weights_dict, "", "reference model", "saved file")[0]
        if errors == 0:
            print("Comparison successful: saved file is compatible with the reference model\n"
                  f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not compatible with the "
                  "reference model")
        return {"status": "success" if errors == 0 else "error", "error_count": errors, "match_count": matches}

    # ------------------------------------------------------------------------------ editing
    def _edit_object(self, edit_fn, source_name, target_name=None):
        if target_name is not None and "/" in target_name:
            raise ValueError("Argument `target_name` should be a leaf name, not a full path name. "
                             f"Received: target_name='{target_name}'")
        if "/" in source_name:
            parts = source_name.split("/")
            node = self.weights_dict
            for part in parts[:-1]:
                if part not in node:
                    raise ValueError(f"Path '{source_name}' not found in model.")
                node = node[part]
            if parts[-1] not in node:
                raise ValueError(f"Path '{source_name}' not found in model.")
            edit_fn(node, parts[-1], target_name)
            return
        holders = []

        def find(d):
            for value in d.values():
                if isinstance(value, dict):
                    find(value)
            if source_name in d:
                holders.append(d)

        find(self.weights_dict)
        if len(holders) > 1:
            raise ValueError(f"Name '{source_name}' occurs more than once in the model; try passing a complete path")
        if not holders:
            raise ValueError(f"Source name '{source_name}' does not appear in the model. Use "
                             "`editor.weights_summary()` to list all objects.")
        edit_fn(holders[0], source_name, target_name)

    def rename_object(self, object_name, new_name):
        """Rename an object (a name such as `"dense_2"` or a path such as `"layers/dense_2"`)."""
        def rename(d, source, target):
            d[target] = d.pop(source)
        self._edit_object(rename, object_name, new_name)

    def delete_object(self, object_name):
        """Remove an object (by name or path) and all its weights."""
        self._edit_object(lambda d, source, _: d.pop(source), object_name)

    def add_object(self, object_path, weights):
        """Add an object at `object_path` (e.g. `"layers/dense_2"`) holding `weights` ({"0": array, ...})."""
        if not isinstance(weights, dict):
            raise _dict_error(weights)
        parts = object_path.split("/")
        node = self.weights_dict
        for part in parts[:-1]:
            if part not in node:
                raise ValueError(f"Path '{'/'.join(parts[:-1])}' not found in model.")
            node = node[part]
        node[parts[-1]] = dict(weights)

    def delete_weight(self, object_name, weight_name):
        """Remove the weight `weight_name` (e.g. `"0"`) from an object."""
        def delete(d, source, _):
            if weight_name not in d[source]:
                raise ValueError(f"Weight {weight_name} not found in object {object_name}. Weights found: "
                                 f"{list(d[source].keys())}")
            d[source].pop(weight_name)
        self._edit_object(delete, object_name)

    def add_weights(self, object_name, weights):
        """Add weights ({"1": array, ...}) to an existing object."""
        if not isinstance(weights, dict):
            raise _dict_error(weights)
        self._edit_object(lambda d, source, _: d[source].update(weights), object_name)

    # ------------------------------------------------------------------------------ writing
    def save(self, filepath):
        """Write the edited weights as a `.weights.h5` file (loadable with `model.load_weights`)."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        from torchkeras.saving.saving_api import atomic_target

        def write(h5file, d, path):
            values = {k: v for k, v in d.items() if not isinstance(v, dict)}
            for key, value in d.items():
                if isinstance(value, dict) and value:
                    write(h5file, value, f"{path}/{key}" if path else key)
            if values:
                group = h5file.create_group(f"{path}/vars" if path else "vars")
                for key, value in values.items():
                    value = np.asarray(value)
                    group.create_dataset(str(key), data=value, **integrity.dataset_kwargs(value))

        with atomic_target(filepath) as tmp:
            with h5py.File(tmp, "w", **integrity.h5_create_kwargs()) as f:
                write(f, self.weights_dict, "")
            integrity.seal(tmp)

    def resave_weights(self, filepath):
        self.save(filepath)


def model_weight_spec(model):
    """The nested {path part: {weight name: value}} a model's weights file would hold."""
    spec = {}
    for path, obj in walk(model):
        if weights_h5._own_store(obj):
            store = {}
            obj.save_own_variables(store)
            values = {str(k): np.asarray(v) for k, v in store.items()}
        else:
            values = {str(i): v for i, v in enumerate(weights_h5._values_of(obj))}
        if not values:
            continue
        node = spec
        for part in path.split("/") if path else ():
            node = node.setdefault(part, {})
        node.update(values)
    return spec
