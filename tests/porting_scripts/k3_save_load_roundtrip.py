# model.save / load_model round trip in .keras and legacy .h5, plus get_weights/set_weights and to_json.
import os
import tempfile

import numpy as np
from tensorflow import keras

tmp = tempfile.mkdtemp()
inputs = keras.Input(shape=(6,))
x = keras.layers.Dense(8, activation="tanh")(inputs)
x = keras.layers.BatchNormalization()(x)
outputs = keras.layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
data = np.random.rand(64, 6).astype("float32")
model.fit(data, np.random.randint(2, size=64), epochs=2, verbose=0)
expected = model.predict(data, verbose=0)
for name in ("model.keras", "model.h5"):
    path = os.path.join(tmp, name)
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
restored.fit(data, np.random.randint(2, size=64), epochs=1, verbose=0)  # training resumes
clone = keras.models.model_from_json(model.to_json())
clone.set_weights(model.get_weights())
np.testing.assert_allclose(clone.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
copy = keras.models.clone_model(model)
assert [w.shape for w in copy.get_weights()] == [w.shape for w in model.get_weights()]
print("OK")
