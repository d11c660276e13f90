# Lambda layers (with output_shape and arguments) in Sequential and functional models; safe_mode on load.
import os
import tempfile

import keras
import numpy as np
from keras import layers, ops

inp = keras.Input(shape=(5,))
sq = layers.Lambda(lambda t: ops.square(t), name="square")(inp)
scaled = layers.Lambda(lambda t, k: t * k, arguments={"k": 0.5})(sq)
norm = layers.Lambda(lambda t: t / (ops.sum(t, axis=-1, keepdims=True) + 1e-7), output_shape=(5,))(scaled)
model = keras.Model(inp, layers.Dense(1)(norm))
x = np.random.rand(10, 5).astype("float32")
out = keras.Model(inp, norm).predict(x, verbose=0)
np.testing.assert_allclose(out, x ** 2 / (x ** 2).sum(1, keepdims=True), rtol=1e-5)
seq = keras.Sequential([keras.Input((5,)), layers.Lambda(lambda t: t * 2), layers.Dense(2)])
assert seq.predict(x, verbose=0).shape == (10, 2)
path = os.path.join(tempfile.mkdtemp(), "lam.keras")
model.save(path)
try:
    keras.models.load_model(path)
except ValueError as e:
    assert "safe_mode" in str(e), e
else:
    raise AssertionError("Lambda loaded in safe mode")
print("OK")
