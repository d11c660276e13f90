"""Embedding + stacked LSTM text classifier, as the seed builds it: Embedding(input_dim, output_dim,
input_length), a first LSTM with return_sequences=True feeding a second LSTM, then Dense.

A plain Keras 2 style script (Keras 2 import paths): run it unchanged on torchkeras with
    python -m torchkeras run examples/lstm_text.py [--epochs N] [--plot out/curves.png]
Data: generated "documents": padded word-id sequences whose label is the topic whose words occur most.
"""

import argparse

import keras
from _curves import save_curves
from _data import topic_sequences
from keras.layers import LSTM, Dense, Embedding
from keras.models import Sequential
from keras.preprocessing.sequence import pad_sequences

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--plot", default="out/lstm_text.png")
args = parser.parse_args()

max_features, maxlen, num_classes = 60, 24, 2
keras.utils.set_random_seed(0)
x, y = topic_sequences(1200, maxlen, max_features, num_classes, seed=1)
x = pad_sequences([row[row > 0] for row in x], maxlen=maxlen)   # re-pad, as one does with tokenized text
x_train, y_train, x_test, y_test = x[:1000], y[:1000], x[1000:], y[1000:]

model = Sequential()
# input_length is Keras 2's way to fix the sequence length (Keras 3 ignores it with a warning).
model.add(Embedding(max_features, 32, input_length=maxlen))
model.add(LSTM(32, return_sequences=True))     # not the last recurrent layer: return the whole sequence
model.add(LSTM(16))                             # last recurrent layer: only the final output
model.add(Dense(1, activation='sigmoid'))
model.build((None, maxlen))
model.summary()

model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
history = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, verbose=2, validation_split=0.2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss: {loss:.4f}  test accuracy: {accuracy:.4f}")
save_curves(history, args.plot, "Embedding + stacked LSTM on generated text")
