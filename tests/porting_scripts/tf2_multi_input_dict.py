# TF 2.x tutorial style: tf.keras functional API, named inputs fed with dicts, multi-output losses.
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

tf.random.set_seed(42)
np.random.seed(42)
title = keras.Input(shape=(10,), name="title")
body = keras.Input(shape=(20,), name="body")
tags = keras.Input(shape=(4,), name="tags")
x = layers.concatenate([layers.Dense(16, activation="relu")(title), layers.Dense(16, activation="relu")(body), tags])
priority = layers.Dense(1, name="priority")(x)
department = layers.Dense(3, name="department")(x)
model = keras.Model(inputs=[title, body, tags], outputs=[priority, department])
model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
              loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                    "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
              loss_weights={"priority": 1.0, "department": 0.2})
n = 128
data = {"title": np.random.rand(n, 10), "body": np.random.rand(n, 20), "tags": np.random.randint(2, size=(n, 4)).astype("float32")}
targets = {"priority": np.random.randint(2, size=(n, 1)).astype("float32"),
           "department": keras.utils.to_categorical(np.random.randint(3, size=n), 3)}
hist = model.fit(data, targets, epochs=2, batch_size=32, verbose=0)
print(sorted(hist.history))
p, d = model.predict(data, verbose=0)
assert p.shape == (n, 1) and d.shape == (n, 3)
print("OK")
