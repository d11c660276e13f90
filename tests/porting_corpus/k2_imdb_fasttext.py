# ruff: noqa  (a faithful copy of a public script: its own import order and style are kept)
# SOURCE: keras-team/keras 2.3.1: examples/imdb_fasttext.py (ngram_range = 1 path)
#   (https://github.com/keras-team/keras/blob/2.3.1/examples/imdb_fasttext.py)
# CHANGED: data: imdb.load_data(num_words=max_features) -> _corpus_data.imdb() (500/200 reviews);
#   epochs 5 -> 3; the ngram helpers (unused at ngram_range = 1) dropped.
'''This example demonstrates the use of fasttext for text classification
'''

from __future__ import print_function
import numpy as np

from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense
from keras.layers import Embedding
from keras.layers import GlobalAveragePooling1D

from _corpus_data import imdb

# Set parameters:
# ngram_range = 2 will add bi-grams features
ngram_range = 1
max_features = 20000
maxlen = 400
batch_size = 32
embedding_dims = 50
epochs = 3

print('Loading data...')
(x_train, y_train), (x_test, y_test) = imdb(num_words=max_features)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')
print('Average train sequence length: {}'.format(
    np.mean(list(map(len, x_train)), dtype=int)))
print('Average test sequence length: {}'.format(
    np.mean(list(map(len, x_test)), dtype=int)))

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')
model = Sequential()

# we start off with an efficient embedding layer which maps
# our vocab indices into embedding_dims dimensions
model.add(Embedding(max_features,
                    embedding_dims,
                    input_length=maxlen))

# we add a GlobalAveragePooling1D, which will average the embeddings
# of all words in the document
model.add(GlobalAveragePooling1D())

# We project onto a single unit output layer, and squash it with a sigmoid:
model.add(Dense(1, activation='sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    validation_data=(x_test, y_test))
h = history.history
print(f"FINAL loss={h['loss'][-1]:.4f} val_accuracy={h['val_accuracy'][-1]:.4f}")
