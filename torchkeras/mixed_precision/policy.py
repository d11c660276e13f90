"""DTypePolicy objects, the global policy, and the per-layer autocast context.

A layer records its policy name at construction (Keras resolves `dtype=None` to the global policy
then). Mixed layers run their call under torch.autocast with the policy's compute dtype; a layer
with a plain float policy inside an autocast region (Keras's `dtype="float32"` output layer of a
mixed model) turns autocast off and casts its low-precision inputs up, so it computes as declared.
"""

import contextlib

import torch

from .. import config

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_PLAIN = ("float16", "bfloat16", "float32", "float64")
VALID_NAMES = tuple(_MIXED) + _PLAIN
_global = None  # None: follow config.floatx()


def _check_name(name):
    if not isinstance(name, str) or name not in VALID_NAMES:
        raise ValueError(f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies "
                         f"are: {', '.join(repr(n) for n in VALID_NAMES)}.")
    return name


class DTypePolicy:
    """A dtype policy: `name`, `compute_dtype` (the math) and `variable_dtype` (the weights)."""

    def __init__(self, name=None):
        self._name = _check_name(name if name is not None else config.floatx())

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return _MIXED.get(self._name, self._name)

    @property
    def variable_dtype(self):
        return "float32" if self._name in _MIXED else self._name

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, cfg):
        return cls(**cfg)


Policy = DTypePolicy  # Keras 2's keras.mixed_precision.Policy


def _as_policy(policy):
    if isinstance(policy, DTypePolicy):
        return policy
    if isinstance(policy, dict):
        policy = policy.get("config", policy).get("name")
    return _full_policy(_check_name(policy))


def _full_policy(name):
    # keras.mixed_precision hands out keras.dtype_policies.DTypePolicy (a subclass of the one here).
    from torchkeras.dtype_policies import DTypePolicy as KerasDTypePolicy
    return KerasDTypePolicy(name)


def set_global_policy(policy):
    """Set the policy of layers created from now on (`None` resets to floatx)."""
    global _global
    _global = None if policy is None else _as_policy(policy)


set_dtype_policy = set_global_policy  # Keras 3's keras.config.set_dtype_policy


def global_policy():
    return _global if _global is not None else _full_policy(config.floatx())


dtype_policy = global_policy  # Keras 3's keras.config.dtype_policy


def default_policy_name():
    """The name a layer built with `dtype=None` takes (Layer's hook into this module)."""
    return _global.name if _global is not None else config.floatx()


def _device_type(inputs):
    stack = [inputs]
    while stack:
        x = stack.pop()
        if isinstance(x, torch.Tensor):
            return x.device.type
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return "cpu"


def _upcast(x):
    if isinstance(x, torch.Tensor):
        return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
    if isinstance(x, (list, tuple)):
        return type(x)(_upcast(v) for v in x)
    if isinstance(x, dict):
        return {k: _upcast(v) for k, v in x.items()}
    return x


def layer_autocast(name):
    """What a layer with policy `name` needs around its call: "mixed", "plain", or None.

    Plain float layers only need a guard when a mixed policy is active globally at construction
    (the Keras idiom), so ordinary float32 models keep a zero-cost call path."""
    if name in _MIXED:
        return "mixed"
    if name in _PLAIN and _global is not None and _global.name in _MIXED:
        return "plain"
    return None


def autocast_call(layer, mode, inputs):
    """(context manager, inputs) for one call of `layer` (mode from layer_autocast)."""
    device = _device_type(inputs)
    if mode == "mixed":
        dtype = torch.float16 if layer._dtype_name == "mixed_float16" else torch.bfloat16
        return torch.autocast(device, dtype=dtype), inputs
    if torch.is_autocast_enabled(device):
        return torch.autocast(device, enabled=False), _upcast(inputs)
    return contextlib.nullcontext(), inputs


def uses_float16(model):
    """True when any layer of `model` computes in float16 (loss scaling is then needed)."""
    return any(getattr(m, "_dtype_name", None) == "mixed_float16" for m in model.modules())
