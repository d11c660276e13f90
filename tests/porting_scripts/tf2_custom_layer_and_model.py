# Custom Layer subclass (build/call/get_config) inside a subclassed Model; save_weights round trip.
import os
import tempfile

import numpy as np
from tensorflow import keras


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class MLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(1)

    def call(self, inputs, training=False):
        x = keras.activations.relu(self.linear_1(inputs))
        return self.linear_2(x)


model = MLP()
x = np.random.rand(64, 5).astype("float32")
y = x.sum(axis=1, keepdims=True)
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=3, verbose=0)
assert len(model.trainable_weights) == 4
path = os.path.join(tempfile.mkdtemp(), "mlp.weights.h5")
model.save_weights(path)
other = MLP()
other(x[:1])
other.load_weights(path)
np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
cfg = Linear(7, name="lin").get_config()
assert cfg["units"] == 7 and Linear.from_config(cfg).units == 7
print("OK")
