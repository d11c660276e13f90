"""Sequential and functional models with copied weights: the seed's MLP both ways, several inputs
and outputs, shared layers, nested models, masks flowing through, symbolic arithmetic."""

from conformance.case import Case, family


def seed_mlp_sequential_add(k):
    model = k.Sequential()
    model.add(k.layers.Dense(units=32, activation="relu", input_dim=784))
    model.add(k.layers.Dense(units=10, activation="softmax"))
    return model


def seed_mlp_functional(k):
    x_input = k.layers.Input(shape=(784,))
    dense_1 = k.layers.Dense(units=32, activation="relu")(x_input)
    output = k.layers.Dense(units=10, activation="softmax")(dense_1)
    return k.models.Model(inputs=x_input, outputs=output)


def mlp_sequential_input(k):
    return k.Sequential([k.Input((784,)), k.layers.Dense(32, activation="relu"),
                         k.layers.Dense(10, activation="softmax")])


def sequential_input_shape(k):
    return k.Sequential([k.layers.Dense(8, activation="tanh", input_shape=(5,)), k.layers.Dense(3)])


def deep_sequential(k):
    L = k.layers
    return k.Sequential([k.Input((6,)), L.Dense(16, activation="relu"), L.Dropout(0.5),
                         L.Dense(8, activation="elu"), L.Activation("tanh"), L.Dense(4, use_bias=False),
                         L.Softmax()])


def multi_input_output(k):
    L = k.layers
    a, b = k.Input((5,), name="a"), k.Input((3,), name="b")
    h = L.Concatenate()([L.Dense(4, activation="relu")(a), L.Dense(4, activation="relu")(b)])
    out1 = L.Dense(2, activation="softmax", name="cls")(h)
    out2 = L.Dense(1, name="reg")(L.Add()([L.Dense(4)(a), L.Dense(4)(b)]))
    return k.Model([a, b], [out1, out2])


def shared_layer_siamese(k):
    L = k.layers
    a, b = k.Input((6,)), k.Input((6,))
    enc = L.Dense(4, activation="tanh")
    d = L.Subtract()([enc(a), enc(b)])
    return k.Model([a, b], L.Dense(1, activation="sigmoid")(d))


def nested_sequential_in_functional(k):
    L = k.layers
    inner = k.Sequential([k.Input((5,)), L.Dense(6, activation="relu"), L.Dense(4)], name="inner")
    x = k.Input((5,))
    return k.Model(x, L.Dense(2)(inner(x)))


def nested_functional_in_sequential(k):
    L = k.layers
    i = k.Input((4,))
    block = k.Model(i, L.Dense(3, activation="sigmoid")(L.Dense(5)(i)), name="block")
    return k.Sequential([k.Input((4,)), block, L.Dense(2)])


def residual_functional(k):
    L = k.layers
    x = k.Input((3, 4))
    h = L.Dense(4, activation="relu")(x)
    h = L.Add()([x, h])
    h = L.Flatten()(h)
    return k.Model(x, L.Dense(3)(h))


def symbolic_arithmetic(k):
    L = k.layers
    x = k.Input((6,))
    h = L.Dense(6)(x)
    y = (h + x) * 0.5 - h[:, 0:1]
    return k.Model(x, L.Dense(2)(y))


def embedding_mask_dense(k):
    L = k.layers
    return k.Sequential([k.Input((6,), dtype="int32"), L.Embedding(10, 4, mask_zero=True),
                         L.Dense(3, activation="relu"), L.Flatten(), L.Dense(2)])


def seed_embedding_flatten(k):
    L = k.layers
    return k.Sequential([k.Input((32,), dtype="int32"), L.Embedding(100, 64), L.Flatten(),
                         L.Dense(10, activation="softmax")])


def merge_zoo(k):
    L = k.layers
    a, b = k.Input((4,)), k.Input((4,))
    outs = [L.Maximum()([a, b]), L.Minimum()([a, b]), L.Multiply()([a, b]), L.Average()([a, b]),
            L.Dot(axes=1, normalize=True)([a, b])]
    return k.Model([a, b], L.Concatenate()(outs))


def reshape_permute_chain(k):
    L = k.layers
    return k.Sequential([k.Input((12,)), L.Reshape((3, 4)), L.Permute((2, 1)), L.Dense(2),
                         L.Flatten(), L.RepeatVector(2), L.Reshape((-1,))])


def custom_layer_in_model(k):
    class MyDense(k.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

        def call(self, inputs):
            return k.ops.relu(k.ops.matmul(inputs, self.w) + self.b)

    return k.Sequential([k.Input((5,)), MyDense(4), k.layers.Dense(2)])


def _pixels(rng):
    return rng.random((8, 784)).astype("float32")


def _ids(rng):
    x = rng.integers(1, 10, size=(4, 6)).astype("int32")
    x[0, 3:] = 0
    x[2, 1] = 0
    return x


CASES = [
    Case(id="model_seed_mlp_sequential_add_input_dim", kind="model", build=seed_mlp_sequential_add,
         data=_pixels),
    Case(id="model_seed_mlp_functional", kind="model", build=seed_mlp_functional, data=_pixels, grad=True),
    Case(id="model_mlp_sequential_input", kind="model", build=mlp_sequential_input, data=_pixels),
    Case(id="model_sequential_input_shape", kind="model", build=sequential_input_shape, inputs=(4, 5)),
    Case(id="model_deep_sequential_dropout", kind="model", build=deep_sequential, inputs=(4, 6), grad=True),
    Case(id="model_multi_input_output", kind="model", build=multi_input_output, inputs=[(4, 5), (4, 3)],
         grad=True),
    Case(id="model_shared_layer_siamese", kind="model", build=shared_layer_siamese, inputs=[(4, 6), (4, 6)],
         grad=True),
    Case(id="model_nested_sequential_in_functional", kind="model", build=nested_sequential_in_functional,
         inputs=(4, 5)),
    Case(id="model_nested_functional_in_sequential", kind="model", build=nested_functional_in_sequential,
         inputs=(4, 4)),
    Case(id="model_residual_functional", kind="model", build=residual_functional, inputs=(4, 3, 4)),
    Case(id="model_symbolic_arithmetic_slicing", kind="model", build=symbolic_arithmetic, inputs=(4, 6),
         config=False),
    Case(id="model_embedding_mask_zero_dense", kind="model", build=embedding_mask_dense, data=_ids),
    Case(id="model_seed_embedding_flatten_dense", kind="model", build=seed_embedding_flatten,
         inputs=(3, 32), dtype="int32", high=100),
    Case(id="model_merge_zoo", kind="model", build=merge_zoo, inputs=[(4, 4), (4, 4)]),
    Case(id="model_reshape_permute_chain", kind="model", build=reshape_permute_chain, inputs=(3, 12)),
    Case(id="model_custom_layer", kind="model", build=custom_layer_in_model, inputs=(4, 5), config=False),
]

CASES = family("models", CASES)
