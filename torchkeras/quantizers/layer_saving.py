"""Saving, loading and config of LoRA / quantized layers (Keras's save_own_variables order)."""

import torch

from torchkeras.quantizers import quantizers as Q
from torchkeras.utils.serialization import serialize_keras_object


class LoRAQuantSavingMixin:
    """Keras's `save_own_variables` / `load_own_variables` for an active LoRA or quantization mode.

    They are properties that give the base Layer's methods while the layer is plain, so the weights file
    code keeps its checked generic path for ordinary layers and uses these only where Keras's order differs."""

    @property
    def variable_serialization_spec(self):
        return self._lq_spec

    @property
    def save_own_variables(self):
        from torchkeras.layers.layer import Layer

        return self._lq_save if self._lq_active() else Layer.save_own_variables.__get__(self)

    @property
    def load_own_variables(self):
        from torchkeras.layers.layer import Layer

        return self._lq_load if self._lq_active() else Layer.load_own_variables.__get__(self)

    def _lq_weight_for_save(self):
        """(weight, scale, zero) to save: LoRA merged in, re-quantized when the layer is quantized."""
        mode, w = self.quantization_mode, self._lq_weight
        if mode in ("gptq", "awq"):
            return None, None, None  # their own variables are saved as they are
        if mode is None or mode == "float8":
            value = self._lq_float_var().value.detach()
            return (value + self._lq_lora_delta().to(value.dtype)).detach() if self.lora_enabled else value, None, None
        q, scale = getattr(self, f"_{w}"), getattr(self, f"{w}_scale")
        zero = getattr(self, f"{w}_zero", None) if f"{w}_zero" in self._parameters else None
        if not self.lora_enabled:
            return q, scale, zero
        with torch.no_grad():
            merged = self._lq_dequantized() + self._lq_lora_delta()
            if mode == "int8":
                q, scale = Q.abs_max_quantize(merged, self._lq_axis)
                return q, scale.squeeze(self._lq_axis), None
            block = getattr(self, "_int4_block_size", None)
            if block is None or block == -1:
                q, scale = Q.abs_max_quantize(merged, self._lq_axis, value_range=(-8, 7))
                scale, zero = scale.squeeze(self._lq_axis), None
            else:
                q, scale, zero = self._lq_grouped_quantize(merged, block)
            return Q.pack_int4(q, axis=-1)[0], scale, zero

    def _lq_names(self):
        return [n for n in self._lq_spec.get(self.quantization_mode, []) if self._lq_has(n)]

    def _lq_has(self, name):
        if name == "bias":
            return getattr(self, "bias", None) is not None
        if name in (self._lq_weight,):
            return True
        return name in self._parameters

    def _lq_save(self, store):
        if not self.built:
            return
        value, scale, zero = self._lq_weight_for_save()
        w = self._lq_weight
        for i, name in enumerate(self._lq_names()):
            if name == w:
                v = value
            elif name == f"{w}_scale" and self.quantization_mode in ("int8", "int4"):
                v = scale
            elif name == f"{w}_zero" and self.quantization_mode in ("int8", "int4"):
                v = zero
            else:
                v = getattr(self, name)
            v = v.value if hasattr(v, "value") and not isinstance(v, torch.Tensor) else v
            store[str(i)] = v.detach().cpu().numpy()

    def _lq_load(self, store):
        if not self.built:
            # A model loaded without a build config builds on its first call: load then.
            self.__dict__["_lq_pending"] = {k: store[k][...] for k in store}
            return
        names = self._lq_names()
        if not self.lora_enabled and len(store) != len(names):
            raise ValueError(f"Layer '{self.name}' expected {len(names)} variables, but received {len(store)} "
                             "variables during loading. Expected: "
                             f"{names}")
        w, mode = self._lq_weight, self.quantization_mode
        for i, name in enumerate(names):
            value = store[str(i)]
            if name == w:
                target = self._lq_float_var() if mode in (None, "float8") else getattr(self, f"_{w}")
            else:
                target = getattr(self, name)
            target.assign(torch.as_tensor(value[...] if hasattr(value, "shape") else value))
        if mode in ("gptq", "awq"):
            # As Keras: saved gptq / awq weights are always calibrated ones.
            setattr(self, f"is_{mode}_calibrated", True)
        if self.lora_enabled:
            for n in self._lq_lora:
                getattr(self, n).assign(torch.zeros(getattr(self, n).shape))

    def _lq_config(self, cfg):
        cfg["quantization_config"] = serialize_keras_object(self.quantization_config)
        if self.lora_rank:
            cfg["lora_rank"] = self.lora_rank
            cfg["lora_alpha"] = self.lora_alpha
        if self.quantization_mode is not None:
            cfg["dtype"] = serialize_keras_object(self._quant_policy)
        return cfg


def deserialize_quantization_config(cfg):
    if isinstance(cfg, dict):
        from torchkeras.quantizers import deserialize
        return deserialize(cfg)
    return cfg
