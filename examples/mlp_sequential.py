"""The seed's two-layer network (784 inputs, 32 hidden relu units, 10 softmax outputs) as a Sequential model.

A plain Keras 2 / Keras 3 script: run it with real Keras, or unchanged on torchkeras with
    python -m torchkeras run examples/mlp_sequential.py [--epochs N] [--plot out/curves.png]
Data: scikit-learn's handwritten digits, upscaled to MNIST's 28x28 = 784 pixels.
"""

import argparse

import keras
import numpy as np
from _curves import save_curves
from _data import digits_28x28
from keras.layers import Dense
from keras.models import Sequential

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--plot", default="out/mlp_sequential.png")
args = parser.parse_args()

keras.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = digits_28x28()
x_train = x_train.reshape(-1, 784)                  # flatten 28x28 images to 784 inputs
x_test = x_test.reshape(-1, 784)
y_train = keras.utils.to_categorical(y_train, 10)   # one-hot for categorical_crossentropy
y_test = keras.utils.to_categorical(y_test, 10)

# The seed's Sequential code. (Its snippet writes units=10 for the hidden layer; its text, and the
# functional version, use 32 hidden neurons, which is what we build.)
model = Sequential()
model.add(Dense(units=32, activation='relu', input_dim=784))
model.add(Dense(units=10, activation='softmax'))
model.summary()

model.compile(optimizer='Adam', loss='categorical_crossentropy', metrics=['accuracy'])
history = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, verbose=2, validation_split=0.2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss: {loss:.4f}  test accuracy: {accuracy:.4f}")
predicted = np.argmax(model.predict(x_test[:10], verbose=0), axis=-1)
print("predicted:", predicted, " true:", np.argmax(y_test[:10], axis=-1))
save_curves(history, args.plot, "784-32-10 MLP (Sequential) on digits")
