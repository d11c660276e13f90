"""The seed's two-layer network (784-32-10) with the functional API (keras.models.Model).

A plain Keras script: run it with real Keras, or unchanged on torchkeras with
    python -m torchkeras run examples/mlp_functional.py [--epochs N] [--plot out/curves.png]
Data: scikit-learn's handwritten digits, upscaled to MNIST's 28x28 = 784 pixels.
"""

import argparse

import numpy as np
from _curves import save_curves
from _data import digits_28x28
from tensorflow import keras
from tensorflow.keras.layers import Dense

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--plot", default="out/mlp_functional.png")
args = parser.parse_args()

keras.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = digits_28x28()
x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)

# The seed's functional code.
x_input = keras.layers.Input(shape=(784,))
dense_1 = Dense(units=32, activation='relu')(x_input)
output = Dense(units=10, activation='softmax')(dense_1)
model = keras.models.Model(inputs=x_input, outputs=output)
model.summary()

# Integer labels with the sparse loss: no one-hot needed.
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
history = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, verbose=2, validation_split=0.2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss: {loss:.4f}  test accuracy: {accuracy:.4f}")
print("predicted:", np.argmax(model.predict(x_test[:10], verbose=0), axis=-1), " true:", y_test[:10])
save_curves(history, args.plot, "784-32-10 MLP (functional) on digits")
