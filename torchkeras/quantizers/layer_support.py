"""LoRA and weight quantization for layers with one 2-D weight (Dense's kernel, Embedding's embeddings).

A host layer mixes in `LoRAQuantMixin` and declares (see Dense / Embedding for examples):

    _lq_weight = "kernel"                       Keras name of the adapted / quantized weight
    _lq_lora = ("lora_kernel_a", "lora_kernel_b")
    _lq_axis = 0                                abs-max reduction axis (per output channel: Dense 0,
                                                per row: Embedding -1)
    _lq_modes = ("int8", "int4", "float8")      modes its `quantize` accepts
    _lq_spec = {None: [...], "int8": [...]}     Keras's variable_serialization_spec (save order)
    _lq_float_var(self)                         the float weight's Keras variable
    _lq_drop_float(self)                        remove the float torch parameter (after quantize)
    _lq_call(self, inputs)                      the LoRA / quantized forward
    _lq_dims(self)                              (rows, cols) of the 2-D weight in Keras layout

The mixin keeps Keras's variables (names, shapes, dtypes, trainability, creation order) as
KerasParameters on the layer (`_kernel` int8 / packed int4, `kernel_scale`, `kernel_zero`, `g_idx`,
`lora_*`, float8 scales), swaps the layer's `call` for `_lq_call` on the instance once LoRA or a
quantization mode is active (the plain float path is untouched), and saves / loads them in
Keras's order (merging LoRA into the saved weight and re-quantizing it, as Keras does).
EinsumDense can mix it in with its kernel viewed as 2-D; `kernel_ops` holds the forward passes.
The calibrated modes ("gptq", "awq": variables, forward pass, kernel view) live in calibrated_support.
"""

import weakref

import torch

from torchkeras import initializers
from torchkeras.dtype_policies import DTypePolicy, DTypePolicyMap, QuantizedDTypePolicy
from torchkeras.dtype_policies import get as get_policy
from torchkeras.quantizers import quantization_config as qc
from torchkeras.quantizers import quantizers as Q
from torchkeras.variables import KerasParameter, Variable


def split_dtype(dtype):
    """A layer's `dtype` argument -> (what the Layer base takes, the quantized policy or None)."""
    if dtype is None or isinstance(dtype, DTypePolicyMap):
        return dtype, None
    if isinstance(dtype, QuantizedDTypePolicy) or (isinstance(dtype, str) and dtype.startswith(
            ("int8_", "int4", "float8_", "gptq", "awq"))) or (isinstance(dtype, dict) and "mode" in dtype.get(
            "config", {})):
        policy = get_policy(dtype)
        return policy._source_name, policy
    return dtype, None


def new_variable(layer, attr, name, value, trainable, regularizer=None):
    """A Keras variable `name` stored as the KerasParameter `layer.<attr>` (appended in creation order)."""
    value = torch.as_tensor(value)
    dev = layer._device()
    if dev is not None:
        value = value.to(dev)
    p = KerasParameter(value, requires_grad=bool(trainable) and value.dtype.is_floating_point)
    p.__dict__.update(_keras_name=name, _keras_layer=weakref.ref(layer), _keras_trainable=bool(trainable),
                      _keras_regularizer=regularizer, _keras_constraint=None)
    layer.__dict__.pop(attr, None)
    layer.register_parameter(attr, p)
    layer._keras_vars.append(p)
    return p


def drop_variable(layer, var):
    layer._keras_vars[:] = [v for v in layer._keras_vars if v is not var]


# Keras's variable_serialization_spec (save order) of the kernel layers, Dense and EinsumDense.
KERNEL_LQ_MODES = ("int8", "int4", "float8", "gptq", "awq")
KERNEL_LQ_SPEC = {
    None: ["kernel", "bias"],
    "int8": ["kernel", "bias", "kernel_scale"],
    "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
    "float8": ["kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history",
               "outputs_grad_scale", "outputs_grad_amax_history"],
    "gptq": ["bias", "quantized_kernel", "kernel_scale", "kernel_zero", "g_idx"],
    "awq": ["bias", "quantized_kernel", "kernel_scale", "kernel_zero", "awq_scales", "g_idx"],
}


class _FrozenView(Variable):
    """The float weight after enable_lora: still listed where it was created (Keras's order), but
    not trainable."""

    @property
    def trainable(self):
        return False

    @trainable.setter
    def trainable(self, value):
        pass


class _FrozenParameter(KerasParameter):
    @property
    def trainable(self):
        return False

    @trainable.setter
    def trainable(self, value):
        pass


class LoRAQuantMixin:
    _lq_weight = "kernel"
    _lq_lora = ("lora_kernel_a", "lora_kernel_b")
    _lq_axis = 0
    _lq_modes = ("int8", "int4", "float8")
    _lq_spec = {}

    # ------------------------------------------------------------------ state
    def _lq_setup(self, lora_rank, lora_alpha, quantization_config, policy):
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        self._quant_policy = policy

    @property
    def quantization_mode(self):
        policy = self.__dict__.get("_quant_policy")
        return None if policy is None else policy.quantization_mode

    @property
    def dtype_policy(self):
        policy = self.__dict__.get("_quant_policy")
        return policy if policy is not None else DTypePolicy(self._dtype_name)

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = get_policy(value)
        if policy.quantization_mode is not None:
            if self.built and self.quantization_mode is None:
                if policy.quantization_mode == "gptq":
                    raise ValueError(f"Implicitly enabling GPTQ quantization by setting `dtype_policy` to '{value}' "
                                     "is not supported. GPTQ requires a calibration dataset and a `GPTQConfig` "
                                     "object.\n\nPlease use the `.quantize('gptq', config=...)` method on the layer "
                                     "or model instead.")
                # As Keras: a quantized policy set on a built float layer quantizes it.
                self.quantize(policy.quantization_mode)
            self._quant_policy = policy
        else:
            self._quant_policy, self._dtype_name = None, policy.name

    def _lq_activate(self):
        # Instance-level override: the class's plain `call` (the float hot path) stays untouched.
        self.__dict__["call"] = self._lq_call

    def _lq_active(self):
        return self.lora_enabled or self.quantization_mode is not None

    def _lq_build(self):
        """End of the host's build: quantized variables for a quantized policy, LoRA for lora_rank."""
        mode = self.quantization_mode
        if mode is not None:
            before = len(self._keras_vars)
            self._lq_quantized_build(mode, self.quantization_config)
            if mode == "float8":
                # Keras's build creates the float8 variables before the kernel and bias.
                self._keras_vars[:] = self._keras_vars[before:] + self._keras_vars[:before]
            self._lq_activate()
        if self.lora_rank and not self.lora_enabled:
            self.built = True  # as Keras: build marks the layer built before enabling LoRA
            self.enable_lora(self.lora_rank, self.lora_alpha)
        pending = self.__dict__.pop("_lq_pending", None)
        if pending is not None:
            self.built = True
            self._lq_load(pending)

    # ------------------------------------------------------------------ LoRA
    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        constraint = getattr(self, f"{self._lq_weight}_constraint", None)
        if constraint:
            what = "kernel" if self._lq_weight == "kernel" else "embedding"
            raise ValueError(f"Lora is incompatible with {what} constraints. In order to enable lora on this layer, "
                             f"remove the `{what}_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        if self.quantization_mode in ("gptq", "awq"):
            raise NotImplementedError(f"lora is not currently supported with {self.quantization_mode.upper()} "
                                      "quantization.")
        shape_a, shape_b = self._lq_lora_shapes(rank)
        reg = getattr(self, f"{self._lq_weight}_regularizer", None)
        a, b = self._lq_lora
        new_variable(self, a, a, initializers.get(a_initializer)(shape_a, dtype=torch.float32), True, reg)
        new_variable(self, b, b, initializers.get(b_initializer)(shape_b, dtype=torch.float32), True, reg)
        if self.quantization_mode is None:
            self._lq_freeze_float()
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        self._lq_activate()

    def _lq_lora_shapes(self, rank):
        """Shapes of the two LoRA factors (their product has the weight's shape)."""
        rows, cols = self._lq_dims()
        return (rows, rank), (rank, cols)

    @property
    def torch_params(self):
        """Keras's torch-backend `torch_params`: this layer's variables by path."""
        return {v.path: v.value for v in self.variables}

    def _lq_freeze_float(self):
        v = self._lq_float_var()
        if isinstance(v, KerasParameter):
            # An add_weight variable freezes in place and keeps its place among the weights
            # created trainable (Keras lists weights by their trainability at creation).
            v.__class__ = _FrozenParameter
            v.requires_grad_(False)
            return
        frozen = _FrozenView(v._owner, v._attr, v.name, layer=v._layer, to_keras=v._to_keras,
                             to_torch=v._to_torch, regularizer=v.regularizer, constraint=v.constraint,
                             assign_fn=v._assign_fn)
        self._keras_vars[:] = [frozen if x is v else x for x in self._keras_vars]
        frozen.param.requires_grad_(False)
        self.__dict__[f"_{self._lq_weight}"] = frozen

    def _lq_lora_delta(self):
        a, b = (getattr(self, n) for n in self._lq_lora)
        return (self.lora_alpha / self.lora_rank) * torch.matmul(a, b)

    # ------------------------------------------------------------------ quantize
    def quantize(self, mode=None, type_check=True, config=None):
        if type_check and type(self).__name__ not in self._lq_quantizable:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize()` method "
                                      "implemented.")
        config = qc.validate_and_resolve_config(mode, config)
        mode = config.mode
        if mode not in self._lq_modes:
            raise NotImplementedError(f"Invalid quantization mode. Expected one of {self._lq_modes}. "
                                      f"Received: quantization_mode={mode}")
        if not self.built:
            raise ValueError(f"Cannot quantize a layer that isn't yet built. Layer '{self.name}' (of type "
                             f"'{type(self).__name__}') is not built yet.")
        if self.quantization_mode is not None:
            raise ValueError(f"Layer '{self.name}' is already quantized with dtype_policy='{self.dtype_policy.name}'. "
                             f"Received: mode={mode}")
        self.quantization_config = config
        source = self._dtype_name
        name = mode
        if mode == "int4":
            block = qc.block_size_for_layer(self, config)
            name = f"int4/{-1 if block is None else block}"
        elif mode in ("gptq", "awq"):
            name = config.dtype_policy_string()
        self._quant_policy = get_policy(f"{name}_from_{source}")
        if mode in ("float8", "gptq", "awq"):
            # gptq / awq keep the float kernel (and forward pass) until calibration replaces it.
            self._lq_quantized_build(mode, config)
        else:
            w = self._lq_float_var().value.detach()
            self._lq_drop_float()
            drop_variable(self, self._lq_float_var())
            self._lq_quantized_build(mode, config, w)
        self._lq_activate()

    def quantized_build(self, kernel_shape, mode, config=None):
        """Keras's hook: create the variables of `mode` (zero-valued), e.g. before loading weights."""
        if mode not in self._lq_modes:
            raise NotImplementedError(f"Invalid quantization mode. Expected one of {self._lq_modes}. "
                                      f"Received: quantization_mode={mode}")
        self._lq_quantized_build(mode, config)
        self._is_quantized = True

    def _lq_block_size(self, config):
        block = qc.block_size_for_layer(self, config)
        return None if block is None or block == -1 else block

    def _lq_quantized_build(self, mode, config, weight=None):
        """Create Keras's variables for `mode` (values quantized from `weight` when given)."""
        from torchkeras.quantizers.quantization_config import QuantizationConfig
        w, rows_cols = self._lq_weight, self._lq_dims()
        if mode in ("gptq", "awq"):
            from torchkeras.quantizers.calibrated_support import calibrated_build
            self.kernel_shape = tuple(rows_cols)
            calibrated_build(self, mode, config, rows_cols)
            return
        if mode == "float8":
            self._lq_float8_build()
            return
        if mode == "int8":
            self.inputs_quantizer = (QuantizationConfig.activation_quantizer_or_default(config, Q.AbsMaxQuantizer())
                                     if self._lq_weight == "kernel" else None)
            q, scale = self._lq_int_quantize(weight, config, (-127, 127), Q.AbsMaxQuantizer(axis=self._lq_axis))
            new_variable(self, f"_{w}", w, q, False)
            new_variable(self, f"{w}_scale", f"{w}_scale", scale, False)
            return
        if mode != "int4":
            raise NotImplementedError(f"Invalid quantization mode. Expected one of {self._lq_modes}. Received: "
                                      f"quantization_mode={mode}")
        self.inputs_quantizer = (QuantizationConfig.activation_quantizer_or_default(config, None)
                                 if self._lq_weight == "kernel" else None)
        self._int4_block_size = qc.block_size_for_layer(self, config)
        block = self._lq_block_size(config)
        self._orig_output_dim = rows_cols[1]
        self._orig_input_dim = rows_cols[0]
        if block is None:
            q, scale = self._lq_int_quantize(weight, config, (-8, 7),
                                             Q.AbsMaxQuantizer(axis=self._lq_axis, value_range=(-8, 7)))
            zero = None
        else:
            q, scale, zero = self._lq_grouped_quantize(weight, block)
        new_variable(self, f"_{w}", w, Q.pack_int4(q, axis=-1)[0], False)
        new_variable(self, f"{w}_scale", f"{w}_scale", scale, False)
        if zero is not None:
            new_variable(self, f"{w}_zero", f"{w}_zero", zero, False)
            glen = rows_cols[0] if self._lq_axis == 0 else rows_cols[1]
            new_variable(self, "g_idx", "g_idx", torch.div(torch.arange(glen, dtype=torch.float32), block,
                                                           rounding_mode="floor"), False)

    def _lq_int_quantize(self, weight, config, value_range, default):
        rows, cols = self._lq_dims()
        n = cols if self._lq_axis == 0 else rows
        if weight is None:
            q = torch.zeros((rows, cols), dtype=torch.int8)
            return q, torch.ones(n)
        quantizer = qc.QuantizationConfig.weight_quantizer_or_default(config, default)
        q, scale = quantizer(weight, to_numpy=True)
        return q, scale.squeeze(self._lq_axis)

    def _lq_grouped_quantize(self, weight, block):
        rows, cols = self._lq_dims()
        if self._lq_axis == 0:  # groups of input rows (Dense): scale (n_groups, units)
            groups = -(-rows // block)
            if weight is None:
                return torch.zeros((rows, cols), dtype=torch.int8), torch.ones(groups, cols), torch.zeros(
                    groups, cols, dtype=torch.int8)
            return Q.abs_max_quantize_grouped_with_zero_point(weight, block)
        groups = -(-cols // block)  # groups along each row (Embedding): scale (input_dim, n_groups)
        if weight is None:
            return torch.zeros((rows, cols), dtype=torch.int8), torch.ones(rows, groups), torch.zeros(
                rows, groups, dtype=torch.int8)
        q, s, z = Q.abs_max_quantize_grouped_with_zero_point(weight.t(), block)
        return q.t().contiguous(), s.t().contiguous(), z.t().contiguous()

    def _lq_float8_build(self):
        length = getattr(self.dtype_policy, "amax_history_length", 1024)
        for name in ("inputs", "kernel", "outputs_grad"):
            for suffix, value in (("scale", torch.ones(())), ("amax_history", torch.zeros(length))):
                # Keras marks them trainable (their "gradient" overwrites them); here the forward and
                # backward passes write them directly, so they take no gradient.
                p = new_variable(self, f"{name}_{suffix}", f"{name}_{suffix}", value, True)
                p.requires_grad_(False)

    # ------------------------------------------------------------------ dequantized / merged weight
    def _lq_dequantized(self):
        """The float weight (Keras layout) the quantized variables stand for."""
        w = self._lq_weight
        q = getattr(self, f"_{w}")
        scale = getattr(self, f"{w}_scale")
        cdt = torch.float32
        if self.quantization_mode == "int4":
            q = Q.unpack_int4(q, self._orig_output_dim, axis=-1)
            if "g_idx" in self._parameters:
                axis = 0 if self._lq_axis == 0 else -1
                return Q.dequantize_with_sz_map(q.to(cdt), scale, getattr(self, f"{w}_zero"), self.g_idx, axis)
        s = scale if self._lq_axis == 0 else scale.unsqueeze(-1)
        return q.to(cdt) / s
