"""`TestCase.run_layer_test`: the checks Keras's helper runs on a layer class, against torchkeras.

Order as in Keras 3.15.1: count weights from an eager call, config round trip, `supports_masking`,
build from a shape, symbolic call on KerasTensors, eager call (values, losses), one training step
through `Model.fit`, and the mixed-precision check (CUDA only, as Keras skips it on torch CPU).
Keras also counts `layer.torch_params` on torch: that is its own backend's storage, which torchkeras
need not share (it keeps torch-layout parameters), so that one count is left out.
"""

from conformance.keras_suite.testing import _tk, tree

_INPUT_DTYPES = {"float16", "float32", "float64", "int8", "uint8", "int16", "uint16", "int32", "uint32",
                 "int64", "uint64"}


def _check_arguments(input_shape, input_data, expected_output_shape, expected_output,
                     expected_mask_shape, supports_masking):
    if input_shape is not None and input_data is not None:
        raise ValueError("input_shape and input_data cannot be passed at the same time.")
    if expected_output_shape is not None and expected_output is not None:
        raise ValueError("expected_output_shape and expected_output cannot be passed at the same time.")
    if expected_output is not None and input_data is None:
        raise ValueError("In order to use expected_output, input_data must be provided.")
    if expected_mask_shape is not None and supports_masking is not True:
        raise ValueError("In order to use expected_mask_shape, supports_masking must be True.")


def keras_tensors(shape, dtype, sparse=False, ragged=False):
    extra = {k: True for k, v in (("sparse", sparse), ("ragged", ragged)) if v}
    make = lambda s, d: _tk.KerasTensor(s, dtype=d, **extra)
    if isinstance(shape, dict):
        return {k.removesuffix("_shape"): make(v, dtype[k]) for k, v in shape.items()}
    return tree.map_shape_dtype(make, shape, dtype)


def eager_tensors(shape, dtype, sparse=False, ragged=False):
    if set(tree.flatten(dtype)) - _INPUT_DTYPES:
        raise ValueError(f"dtype must be a standard float or int dtype. Received: dtype={dtype}")
    if sparse or ragged:
        raise ValueError("Sparse and ragged inputs are unsupported with backend torch")
    make = lambda s, d: _tk.cast(_tk.uniform(s) * 3, d)
    if isinstance(shape, dict):
        return {k.removesuffix("_shape"): make(v, dtype[k]) for k, v in shape.items()}
    return tree.map_shape_dtype(make, shape, dtype)


def seed_generators(layer):
    """Every SeedGenerator held by the layer or its sublayers, once each."""
    if _tk.SeedGenerator is None:
        return []
    modules = list(layer.modules()) if hasattr(layer, "modules") else [layer]
    found, seen = [], set()
    for module in modules:
        for value in vars(module).values():
            values = value if isinstance(value, (list, tuple)) else [value]
            for v in values:
                if isinstance(v, _tk.SeedGenerator) and id(v) not in seen:
                    seen.add(id(v))
                    found.append(v)
    return found


def _call(layer, inputs, call_kwargs):
    return layer(**inputs, **call_kwargs) if isinstance(inputs, dict) else layer(inputs, **call_kwargs)


def _train_one_step(layer, input_data, output_data):
    class TestModel(_tk.Model):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def call(self, x, training=False):
            return self.layer(x, training=training)

    class SumLoss(_tk.Loss):
        def __call__(self, y_true, y_pred, sample_weight=None):
            return _tk.ops.sum(y_pred)

    data = tree.map_structure(_tk.to_numpy, (input_data, output_data))

    def forever():
        while True:
            yield data

    model = TestModel(layer)
    model.compile(optimizer="sgd", loss=SumLoss(), jit_compile="auto")
    model.fit(forever(), steps_per_epoch=1, verbose=0)


def run_layer_test(self, layer_cls, init_kwargs, input_shape=None, input_dtype=None, input_sparse=False,
                   input_ragged=False, input_data=None, call_kwargs=None, expected_output_shape=None,
                   expected_output_dtype=None, expected_output_sparse=False, expected_output_ragged=False,
                   expected_output=None, expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None, expected_num_non_trainable_variables=None,
                   expected_num_seed_generators=None, expected_num_losses=None, supports_masking=None,
                   expected_mask_shape=None, custom_objects=None, run_training_check=True,
                   run_mixed_precision_check=True, assert_built_after_instantiation=False,
                   tpu_atol=None, tpu_rtol=None):
    _check_arguments(input_shape, input_data, expected_output_shape, expected_output,
                     expected_mask_shape, supports_masking)
    init_kwargs = init_kwargs or {}
    call_kwargs = call_kwargs or {}
    has_input = input_data is not None or input_shape is not None
    if input_shape is not None and input_dtype is None:
        input_dtype = tree.map_shape_structure(lambda _: "float32", input_shape)

    expected = {"trainable_weights": expected_num_trainable_weights,
                "non_trainable_weights": expected_num_non_trainable_weights,
                "non_trainable_variables": expected_num_non_trainable_variables,
                "seed_generators": expected_num_seed_generators}
    if has_input:
        # Counts the test leaves open are taken from an eager call, then held for every other path.
        if input_data is None:
            input_data = eager_tensors(input_shape, input_dtype, input_sparse, input_ragged)
        layer = layer_cls(**init_kwargs)
        _call(layer, input_data, call_kwargs)
        for key in expected:
            if expected[key] is None:
                expected[key] = len(seed_generators(layer) if key == "seed_generators" else getattr(layer, key))

    layer = layer_cls(**init_kwargs)
    self.run_class_serialization_test(layer, custom_objects)
    if supports_masking is not None:
        self.assertEqual(layer.supports_masking, supports_masking, msg="Unexpected supports_masking value")

    def check_built(layer):
        self.assertTrue(layer.built)
        for key, count in expected.items():
            if count is not None:
                got = seed_generators(layer) if key == "seed_generators" else getattr(layer, key)
                self.assertLen(got, count, msg=f"Unexpected number of {key}")

    def check_outputs(layer, output, eager):
        if expected_output_shape is not None:
            def same_shape(want, x):
                return len(x.shape) == len(want) and all(w is None or w == d for w, d in zip(want, x.shape))
            matches = tree.map_structure_up_to(output, same_shape, expected_output_shape, output)
            self.assertTrue(all(tree.flatten(matches)),
                            msg=f"Expected output shapes {expected_output_shape} but received "
                                f"{tree.map_structure(lambda x: x.shape, output)}")
        if expected_output_dtype is not None:
            matches = tree.map_structure(lambda want, x: want == _tk.standardize_dtype(x.dtype),
                                         expected_output_dtype, output)
            self.assertTrue(all(tree.flatten(matches)),
                            msg=f"Expected output dtypes {expected_output_dtype} but received "
                                f"{tree.map_structure(lambda x: x.dtype, output)}")
        for x in tree.flatten(output) if expected_output_sparse else ():
            self.assertSparse(x)
        for x in tree.flatten(output) if expected_output_ragged else ():
            self.assertRagged(x)
        if eager and expected_output is not None:
            self.assertEqual(type(expected_output), type(output))
            for want, got in zip(tree.flatten(expected_output), tree.flatten(output)):
                self.assertAllClose(want, got, msg="Unexpected output value")
        if eager and expected_num_losses is not None:
            self.assertLen(layer.losses, expected_num_losses)

    if not has_input:
        return
    build_shape = input_shape if input_shape is not None else \
        tree.map_structure(lambda x: tuple(_tk.ops.shape(x)), input_data)
    layer = layer_cls(**init_kwargs)
    layer.build(**build_shape) if isinstance(build_shape, dict) else layer.build(build_shape)
    check_built(layer)

    if input_shape is None:
        symbolic = tree.map_structure(
            lambda x: keras_tensors(tuple(_tk.ops.shape(x)), _tk.standardize_dtype(x.dtype),
                                    input_sparse, input_ragged), input_data)
    else:
        symbolic = keras_tensors(input_shape, input_dtype, input_sparse, input_ragged)
    layer = layer_cls(**init_kwargs)
    symbolic_out = _call(layer, symbolic, call_kwargs)
    check_built(layer)
    check_outputs(layer, symbolic_out, eager=False)
    if expected_mask_shape is not None:
        self.assertEqual(expected_mask_shape, layer.compute_mask(symbolic).shape)
    if assert_built_after_instantiation:
        self.assertTrue(layer_cls(**init_kwargs).built,
                        msg=f"{layer_cls} is stateless, so it should be built after instantiation.")

        class OwnBuild(layer_cls):
            def build(self, *args, **kwargs):
                pass

        self.assertFalse(OwnBuild(**init_kwargs).built,
                         msg=f"{layer_cls} overrides `build`, so it should not be built after instantiation.")

    layer = layer_cls(**init_kwargs)
    output_data = _call(layer, input_data, call_kwargs)
    check_outputs(layer, output_data, eager=True)
    if run_training_check:
        _train_one_step(layer, input_data, output_data)
    if run_mixed_precision_check and _tk.cuda_available():
        _mixed_precision_check(self, layer_cls, init_kwargs, input_data, call_kwargs, symbolic)


def _mixed_precision_check(self, layer_cls, init_kwargs, input_data, call_kwargs, symbolic):
    layer = layer_cls(**{**init_kwargs, "dtype": "mixed_float16"})
    spec_in = tree.map_structure(
        lambda s: _tk.KerasTensor(s.shape, dtype=layer.compute_dtype
                                  if layer.autocast and _tk.is_float_dtype(s.dtype) else s.dtype), symbolic)
    output = _call(layer, input_data, call_kwargs)
    spec_out = layer.compute_output_spec(**spec_in) if isinstance(input_data, dict) \
        else layer.compute_output_spec(spec_in)
    for tensor, spec in zip(tree.flatten(output), tree.flatten(spec_out)):
        dtype = _tk.standardize_dtype(tensor.dtype)
        self.assertEqual(dtype, spec.dtype, f"expected output dtype {spec.dtype}, got {dtype}")
    for weight in layer.weights:
        if _tk.is_float_dtype(weight.dtype):
            self.assertEqual(_tk.standardize_dtype(weight.dtype), "float32")
