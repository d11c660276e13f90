# Text classification the Keras 3 way with plain numpy: pad_sequences, Embedding(mask_zero), LSTM, GlobalMaxPooling1D.
import keras
import numpy as np
from keras import layers
from keras.utils import pad_sequences

rng = np.random.default_rng(0)
docs = [rng.integers(1, 50, size=rng.integers(3, 15)).tolist() for _ in range(300)]
labels = np.array([int(sum(1 for w in d if w < 10) >= 2) for d in docs])
x = pad_sequences(docs, maxlen=15, padding="post", truncating="post")
assert x.shape == (300, 15)
inputs = keras.Input(shape=(None,), dtype="int64")
h = layers.Embedding(50, 16, mask_zero=True)(inputs)
h = layers.LSTM(16, return_sequences=True)(h)
h = layers.GlobalMaxPooling1D()(h)
out = layers.Dense(1, activation="sigmoid")(h)
model = keras.Model(inputs, out)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, labels, epochs=8, batch_size=32, verbose=0, shuffle=True)
acc = model.evaluate(x, labels, verbose=0)[1]
print("acc", acc)
assert acc > 0.7
print("OK")
