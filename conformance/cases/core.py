"""Core layers: Dense on rank 2-4, Embedding (+ masks), Dropout-family in inference, Identity,
Lambda, Masking, ActivityRegularization, and users' custom layers written once against `keras`."""

import numpy as np

from conformance.case import Case, family, layer_case


def _custom_dense(k):
    class MyDense(k.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform",
                                     name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", name="b")

        def call(self, inputs):
            return k.ops.matmul(inputs, self.w) + self.b

    return MyDense(3)


def _custom_operator(k):
    class Scale(k.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="random_uniform",
                                         name="scale")
            self.offset = self.add_weight(shape=(), initializer="ones", trainable=False, name="offset")

        def call(self, inputs):
            return inputs * self.scale + self.offset

    return Scale()


def _custom_nested(k):
    class Block(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = k.layers.Dense(4, activation="tanh")
            self.out = k.layers.Dense(2)

        def call(self, inputs):
            return self.out(self.inner(inputs))

    return Block()


def _custom_training_arg(k):
    class Noisy(k.layers.Layer):
        def call(self, inputs, training=None):
            return inputs * 2.0 if training else inputs - 1.0

    return Noisy()


def _ids_with_zeros(rng):
    x = rng.integers(1, 10, size=(3, 6)).astype("int32")
    x[0, 4:] = 0
    x[1, 2:] = 0
    x[2, 1] = 0
    return x


CASES = [
    layer_case("Dense_rank2", "Dense", {"units": 4}, (3, 5), grad=True),
    layer_case("Dense_rank2_no_bias", "Dense", {"units": 4, "use_bias": False}, (3, 5)),
    layer_case("Dense_rank3", "Dense", {"units": 4}, (2, 3, 5), grad=True),
    layer_case("Dense_rank3_no_bias", "Dense", {"units": 4, "use_bias": False}, (2, 3, 5)),
    layer_case("Dense_rank4", "Dense", {"units": 3}, (2, 2, 3, 5), grad=True),
    layer_case("Dense_rank4_no_bias", "Dense", {"units": 3, "use_bias": False}, (2, 2, 3, 5)),
    layer_case("Dense_units_1", "Dense", {"units": 1, "activation": "sigmoid"}, (4, 7)),
    layer_case("Dense_random_bias", "Dense", {"units": 5, "bias_initializer": "random_normal"}, (3, 2)),
    layer_case("Dense_regularized", "Dense", {"units": 4, "kernel_regularizer": "l2",
                                              "bias_regularizer": "l1", "activity_regularizer": "l2"}, (3, 5)),
    layer_case("Dense_constraints", "Dense", {"units": 4, "kernel_constraint": "max_norm",
                                              "bias_constraint": "non_neg"}, (3, 5)),
    layer_case("Embedding_basic", "Embedding", {"input_dim": 10, "output_dim": 4}, (3, 6),
               dtype="int32"),
    layer_case("Embedding_int64_rank3", "Embedding", {"input_dim": 12, "output_dim": 3}, (2, 3, 4),
               dtype="int64", high=12),
    Case(id="Embedding_mask_zero", layer="Embedding",
         kwargs={"input_dim": 10, "output_dim": 4, "mask_zero": True}, data=_ids_with_zeros, mask=True),
    layer_case("Embedding_normal_init", "Embedding",
               {"input_dim": 7, "output_dim": 5, "embeddings_initializer": "random_normal"}, (4,),
               dtype="int32", high=7),
    layer_case("Dropout_inference", "Dropout", {"rate": 0.5}, (3, 5)),
    layer_case("SpatialDropout1D_inference", "SpatialDropout1D", {"rate": 0.3}, (2, 4, 5)),
    layer_case("SpatialDropout2D_inference", "SpatialDropout2D", {"rate": 0.3}, (2, 3, 4, 5)),
    layer_case("GaussianNoise_inference", "GaussianNoise", {"stddev": 1.0}, (3, 5)),
    layer_case("GaussianDropout_inference", "GaussianDropout", {"rate": 0.4}, (3, 5)),
    layer_case("AlphaDropout_inference", "AlphaDropout", {"rate": 0.4}, (3, 5)),
    layer_case("Dropout_training_rate0", "Dropout", {"rate": 0.0}, (3, 5), training=True),
    layer_case("Identity", "Identity", {}, (3, 5)),
    layer_case("ActivityRegularization", "ActivityRegularization", {"l1": 0.01, "l2": 0.02}, (3, 5)),
    Case(id="Masking_zero", layer="Masking", kwargs={"mask_value": 0.0}, mask=True,
         data=lambda rng: np.where(rng.random((3, 4, 1)) < 0.4, 0.0,
                                   rng.standard_normal((3, 4, 2))).astype("float32")),
    Case(id="Lambda_scale", build=lambda k: k.layers.Lambda(lambda x: x * 2.0 + 1.0), inputs=(3, 5),
         config=False),
    Case(id="custom_MyDense_ops_matmul", build=_custom_dense, inputs=(3, 5), grad=True),
    Case(id="custom_operator_nontrainable", build=_custom_operator, inputs=(2, 3, 4)),
    Case(id="custom_nested_sublayers", build=_custom_nested, inputs=(3, 5)),
    Case(id="custom_training_arg_inference", build=_custom_training_arg, inputs=(3, 5)),
    Case(id="custom_training_arg_training", build=_custom_training_arg, inputs=(3, 5), training=True),
]

CASES = family("core", CASES)
