# ruff: noqa  (a faithful copy of a public script: its own import order and style are kept)
# SOURCE: https://keras.io/examples/nlp/bidirectional_lstm_imdb/
#   (keras-team/keras-io: examples/nlp/bidirectional_lstm_imdb.py)
# CHANGED: data: keras.datasets.imdb.load_data(num_words=max_features) -> _corpus_data.imdb() (256/128
#   reviews); epochs unchanged (2). Model, compile and fit as in the original (maxlen 200).
import numpy as np
import keras
from keras import layers

from _corpus_data import imdb

max_features = 20000  # Only consider the top 20k words
maxlen = 200  # Only consider the first 200 words of each movie review

# Input for variable-length sequences of integers
inputs = keras.Input(shape=(None,), dtype="int32")
# Embed each integer in a 128-dimensional vector
x = layers.Embedding(max_features, 128)(inputs)
# Add 2 bidirectional LSTMs
x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(64))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

(x_train, y_train), (x_val, y_val) = imdb(n_train=256, n_test=128, num_words=max_features)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# Use pad_sequence to standardize sequence length:
# this will truncate sequences longer than 200 words and zero-pad sequences shorter than 200 words.
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val))
h = history.history
print(f"FINAL loss={h['loss'][-1]:.4f} val_accuracy={h['val_accuracy'][-1]:.4f}")
