"""The seed's MLP, Keras-style, trained on scikit-learn's handwritten digits (shipped inside the package).

Written exactly as a Keras script would be; only the import names torchkeras.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import torchkeras as keras
from torchkeras.layers import Dense, Dropout
from torchkeras.models import Sequential

keras.utils.set_random_seed(1234)

digits = load_digits()
x = (digits.data / 16.0).astype("float32")          # 1797 images of 8x8 pixels, flattened to 64 features
y = keras.utils.to_categorical(digits.target, 10)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0, stratify=digits.target)

model = Sequential()
model.add(Dense(units=32, activation="relu", input_dim=64))
model.add(Dropout(0.1))
model.add(Dense(units=10, activation="softmax"))
model.summary()

model.compile(optimizer="Adam", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=15, verbose=1, validation_split=0.2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
predicted = np.argmax(model.predict(x_test[:10], verbose=0), axis=-1)
print(f"test loss: {loss:.4f} - test accuracy: {accuracy:.4f}")
print("first 10 predictions:", predicted.tolist(), "labels:", np.argmax(y_test[:10], -1).tolist())
if accuracy < 0.9:
    raise SystemExit(f"quickstart: accuracy {accuracy:.3f} is below the 0.90 this example reaches; something is wrong")
