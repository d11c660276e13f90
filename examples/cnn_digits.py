"""A small convolutional network as the seed describes it: Conv2D -> MaxPooling2D -> ... -> Flatten ->
Dropout -> Dense, on 28x28 grey images.

A plain tf.keras script: run it with TensorFlow, or unchanged on torchkeras with
    python -m torchkeras run examples/cnn_digits.py [--epochs N] [--plot out/curves.png]
Data: scikit-learn's handwritten digits, upscaled to 28x28x1.
"""

import argparse

import numpy as np
import tensorflow as tf
from _curves import save_curves
from _data import digits_28x28
from tensorflow import keras
from tensorflow.keras import layers

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--plot", default="out/cnn_digits.png")
args = parser.parse_args()

tf.random.set_seed(0)
np.random.seed(0)
(x_train, y_train), (x_test, y_test) = digits_28x28()
x_train = x_train[..., np.newaxis]      # channels_last: (n, 28, 28, 1)
x_test = x_test[..., np.newaxis]

model = keras.Sequential([
    layers.Conv2D(16, (3, 3), strides=(1, 1), padding='same', activation='relu', input_shape=(28, 28, 1)),
    layers.MaxPooling2D(pool_size=(2, 2)),  # (28, 28, 16) -> (14, 14, 16), as in the seed's (28, 28, 32) example
    layers.Conv2D(32, (3, 3), padding='valid', activation='relu', kernel_initializer='glorot_uniform'),
    layers.MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid'),
    layers.Flatten(),
    layers.Dropout(0.3),
    layers.Dense(10, activation='softmax'),
])
model.summary()
print("after the first pooling:", model.layers[1].output.shape)

model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])
history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, verbose=2, validation_split=0.15)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss: {loss:.4f}  test accuracy: {accuracy:.4f}")
save_curves(history, args.plot, "CNN on digits (28x28)")
