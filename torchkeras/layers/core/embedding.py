"""Embedding: maps integer ids to dense vectors (wraps nn.Embedding; weight layout = Keras's)."""

import numbers

import torch
from torch import nn

from torchkeras import constraints, initializers, regularizers
from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.quantizers.layer_saving import LoRAQuantSavingMixin, deserialize_quantization_config
from torchkeras.quantizers.layer_support import LoRAQuantMixin, drop_variable, split_dtype
from torchkeras.quantizers.quantizers import dequantize_with_sz_map, unpack_int4
from torchkeras.sparse_grads import embedding_lookup

_INDEX_DTYPES = (torch.int32, torch.int64)


def _positive_int_arg(value, arg):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"`{arg}` must be a positive integer. Received: {arg}={value!r} "
                         f"(of type {type(value).__name__}).")
    return int(value)


class Embedding(LoRAQuantSavingMixin, LoRAQuantMixin, Layer):
    """Turns ids of shape (batch, ...) into vectors of shape (batch, ..., output_dim).

    Args:
        input_dim: vocabulary size (ids must lie in [0, input_dim)).
        output_dim: size of each vector.
        embeddings_initializer: default "uniform" = U(-0.05, 0.05), as Keras.
        embeddings_regularizer, embeddings_constraint, activity_regularizer: as Keras.
        mask_zero: id 0 is padding; the layer then emits the mask `ids != 0`.
        weights: `[matrix]` (or the matrix) of shape (input_dim, output_dim) to start from.
        input_length: Keras-2 argument, honoured as a build hint: it fixes the input shape to
            (None, input_length) when no input shape was given, so a Sequential
            `Embedding(..., input_length=n), Flatten(), Dense(...)` builds before any data.
    Float ids are cast to integers. The torch module is `self.torch_module` (nn.Embedding).
    LoRA (`lora_rank=` or `enable_lora(rank)`) and `quantize("int8" | "int4")` follow Keras 3.15.
    """

    _lq_weight = "embeddings"
    _lq_lora = ("lora_embeddings_a", "lora_embeddings_b")
    _lq_axis = -1
    _lq_modes = ("int8", "int4")
    _lq_quantizable = ("Embedding",)
    _lq_spec = {None: ["embeddings"], "int8": ["embeddings", "embeddings_scale"],
                "int4": ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"]}

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, activity_regularizer=None, input_length=None, **kwargs):
        kwargs["dtype"], policy = split_dtype(kwargs.get("dtype"))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = _positive_int_arg(input_dim, "input_dim")
        self.output_dim = _positive_int_arg(output_dim, "output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False
        self._lq_setup(lora_rank, lora_alpha, deserialize_quantization_config(quantization_config), policy)
        self.input_length = None
        if input_length is not None:
            if isinstance(input_length, bool) or not isinstance(input_length, numbers.Integral) or input_length <= 0:
                raise ValueError(f"`input_length` must be a positive integer or None. Received: "
                                 f"input_length={input_length!r}")
            self.input_length = int(input_length)
            if self._batch_input_shape is None:
                self._batch_input_shape = (None, self.input_length)
        if weights is not None:
            self._maybe_build(self._batch_input_shape)
            if not (isinstance(weights, (list, tuple)) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        dtype = torch_dtype(self.variable_dtype)
        self.torch_module = nn.Embedding(self.input_dim, self.output_dim, dtype=dtype, device=self._device_cache)
        with torch.no_grad():
            init = self.embeddings_initializer((self.input_dim, self.output_dim), dtype=dtype)
            self.torch_module.weight.copy_(init)
        self._embeddings = self._track_variable(self.torch_module, "weight", "embeddings",
                                                regularizer=self.embeddings_regularizer,
                                                constraint=self.embeddings_constraint)
        self.built = True
        if self.quantization_mode in ("int8", "int4"):
            self._lq_drop_float()
            drop_variable(self, self._embeddings)
        self._lq_build()

    @property
    def embeddings(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `embeddings`.")
        if not self._lq_active():
            return self._embeddings
        emb = self._embeddings
        if self.quantization_mode == "int4":
            emb = unpack_int4(emb, self._orig_output_dim, axis=-1)
        if self.lora_enabled:
            base = emb.value if hasattr(emb, "_to_keras") else emb
            base = base if base.is_floating_point() else base.to(torch.float32)
            emb = base + self._lq_lora_delta().to(base.dtype)
        return emb

    # ---- LoRA / quantization hooks (torchkeras/quantizers/layer_support.py)
    def _lq_float_var(self):
        return self._embeddings

    def _lq_drop_float(self):
        self.torch_module.weight = None

    def _lq_dims(self):
        return (self.input_dim, self.output_dim)

    def _lq_call(self, inputs):
        ids = inputs if inputs.dtype in _INDEX_DTYPES else inputs.to(torch.int64)
        target = torch_dtype(self.compute_dtype)
        mode = self.quantization_mode
        if mode is None:
            w = self._embeddings.value
            return (w + self._lq_lora_delta().to(w.dtype))[ids].to(target)
        q = self._embeddings
        if mode == "int4":
            q = unpack_int4(q, self._orig_output_dim, axis=-1)
        rows = q[ids].to(target)
        if "g_idx" in self._parameters:
            out = dequantize_with_sz_map(rows, self.embeddings_scale[ids], self.embeddings_zero[ids], self.g_idx, -1)
        else:
            out = rows / self.embeddings_scale[ids].unsqueeze(-1)
        if self.lora_enabled:
            lora = torch.matmul(self.lora_embeddings_a[ids], self.lora_embeddings_b)
            out = out + (self.lora_alpha / self.lora_rank) * lora
        return out.to(target)

    def call(self, inputs):
        ids = inputs if inputs.dtype in _INDEX_DTYPES else inputs.to(torch.int64)
        weight = self.torch_module.weight
        if ids.device.type == "cpu":
            # On CPU torch already range-checks every id, so a clear message costs nothing; on an
            # accelerator a check would need a host sync per call, so it is skipped there.
            try:
                out = embedding_lookup(ids, weight)
            except IndexError as err:
                lo, hi = int(ids.min()), int(ids.max())
                if -self.input_dim <= lo and hi < self.input_dim:
                    # Keras's `take` on torch counts negative ids from the end, as numpy does.
                    out = embedding_lookup(torch.where(ids < 0, ids + self.input_dim, ids), weight)
                    target = torch_dtype(self.compute_dtype)
                    return out if out.dtype == target else out.to(target)
                raise ValueError(
                    f"Embedding {self.name!r} received an id outside [-input_dim, input_dim) for input_dim={self.input_dim}. "
                    f"Ids must be integers in that range (got values between {lo} and "
                    f"{hi}); increase `input_dim` or re-index the data.") from err
        else:
            out = embedding_lookup(ids, weight)
        target = torch_dtype(self.compute_dtype)
        return out if out.dtype == target else out.to(target)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_build_config(self):
        cfg = super().get_build_config()
        if cfg is None and self.built:
            # As Keras: a layer built by `build()` without a shape records an empty shapes dict, so
            # that loading builds it again (the table does not depend on the input shape).
            return {"shapes_dict": {}}
        return cfg

    def build_from_config(self, cfg):
        if cfg and (("input_shape" in cfg and cfg["input_shape"] is None)
                    or ("input_shape" not in cfg and "shapes_dict" in cfg)):
            self._maybe_build(None, build_kwargs=dict(cfg.get("shapes_dict") or {}))
            return
        super().build_from_config(cfg)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return self._lq_config(cfg)

