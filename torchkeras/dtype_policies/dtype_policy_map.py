"""DTypePolicyMap: a dict from layer paths (or regex patterns of paths) to dtype policies."""

import re
from collections.abc import MutableMapping

from torchkeras.dtype_policies.dtype_policy import DTypePolicy, QuantizedDTypePolicy, _global_name


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Maps `Layer.path` strings to policies; a key may be a regex matched in full against the path.

    Args:
        default_policy: the policy for paths that match no key (default: the global policy).
        policy_map: optional dict of key -> policy (anything `dtype_policies.get` accepts).
    """

    _keras_module = "keras.dtype_policies"

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError("If specified, `policy_map` must be a dict. "
                            f"Received: policy_map={policy_map} of type {type(policy_map)}")
        self._default_policy_arg = default_policy
        from torchkeras.dtype_policies import get
        self._default_policy = get(default_policy) if default_policy is not None else None
        self._policy_map = dict(policy_map or {})

    @property
    def name(self):
        return f"map_{self.default_policy._name}"

    @property
    def _name(self):
        return self.name

    @property
    def default_policy(self):
        if self._default_policy is not None:
            return self._default_policy
        from torchkeras.dtype_policies import get
        return get(_global_name())

    @property
    def variable_dtype(self):
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self):
        return self.default_policy.quantization_mode

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matching = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Path '{key}' matches multiple dtype policy specification keys: {matching}. Please "
                             "make sure each path only matches at most one dtype policy specification key in the "
                             "DTypePolicyMap.")
        if matching:
            return self._policy_map[matching[0]]
        return self.default_policy

    def __setitem__(self, key, policy):
        if key in self._policy_map:
            raise ValueError(f"{key} already exist in the DTypePolicyMap with value {self._policy_map[key]}. Please "
                             "make sure to not use duplicated keys.")
        from torchkeras.dtype_policies import get
        try:
            policy = get(policy)
        except Exception:
            raise ValueError("Cannot interpret the assigned value by `keras.dtype_policies.get`. "
                             f"Received: {policy} of type {type(policy)}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def get_config(self):
        from torchkeras.utils.serialization import serialize_keras_object
        policy_map = self._policy_map
        if self._default_policy_arg is None:
            # As Keras: without an explicit default, the stored policies follow the loading
            # process's global policy, so their names are not pinned in the config.
            for policy in policy_map.values():
                if isinstance(policy, QuantizedDTypePolicy):
                    policy._name = None
                    policy._source_name = None
                elif isinstance(policy, DTypePolicy):
                    policy._name = None
        return {"default_policy": self._default_policy_arg,
                "policy_map": serialize_keras_object(policy_map)}

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        from torchkeras.utils.serialization import deserialize_keras_object
        cfg = dict(cfg)
        cfg["policy_map"] = deserialize_keras_object(cfg["policy_map"], custom_objects=custom_objects)
        return cls(**cfg)

    def __repr__(self):
        default = self._default_policy.name if self._default_policy is not None else None
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return f"<DTypePolicyMap at {hex(id(self))} default_policy={default}, mapping={mapping}>"
