"""A Bidirectional GRU classifier (the seed's "RNN and bidirectional RNN" section), functional API.

A plain Keras 3 script: run it with Keras, or unchanged on torchkeras with
    python -m torchkeras run examples/bigru_text.py [--epochs N] [--plot out/curves.png]
Data: generated "documents" of 3 topics: padded word-id sequences labelled with their dominant topic.
"""

import argparse

import keras
import numpy as np
from _curves import save_curves
from _data import topic_sequences
from keras import layers

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--plot", default="out/bigru_text.png")
args = parser.parse_args()

vocab_size, maxlen, num_classes = 64, 20, 3
keras.utils.set_random_seed(0)
x, y = topic_sequences(1500, maxlen, vocab_size, num_classes, seed=2)
x_train, y_train, x_test, y_test = x[:1200], y[:1200], x[1200:], y[1200:]

inputs = keras.Input(shape=(maxlen,), dtype="int32")
h = layers.Embedding(vocab_size, 24, mask_zero=True)(inputs)          # padding (0) is masked out
h = layers.Bidirectional(layers.GRU(24, return_sequences=True, dropout=0.1))(h)
h = layers.Bidirectional(layers.GRU(16), merge_mode="concat")(h)
outputs = layers.Dense(num_classes, activation="softmax")(h)
model = keras.Model(inputs, outputs, name="bigru_classifier")
model.summary()

model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, verbose=2,
                    validation_data=(x_test, y_test))

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss: {loss:.4f}  test accuracy: {accuracy:.4f}")
print("predicted:", np.argmax(model.predict(x_test[:12], verbose=0), axis=-1), " true:", y_test[:12])
save_curves(history, args.plot, "Bidirectional GRU on generated text")
