# keras.utils.Sequence (Keras 2) and keras.utils.PyDataset (Keras 3) feeding fit/evaluate/predict.
import math

import keras
import numpy as np


class Batches(keras.utils.Sequence):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        p = np.random.permutation(len(self.x))
        self.x, self.y = self.x[p], self.y[p]


class Inputs(keras.utils.PyDataset):
    def __init__(self, x, batch_size):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        return self.x[idx * self.batch_size:(idx + 1) * self.batch_size]


x = np.random.rand(300, 4).astype("float32")
y = (x[:, 0] > x[:, 1]).astype("int32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(Batches(x, y, 25), epochs=20, verbose=0, validation_data=Batches(x[:50], y[:50], 25))
print(model.evaluate(Batches(x, y, 50), verbose=0))
assert model.predict(Inputs(x, 64), verbose=0).shape == (300, 2)
assert model.evaluate(Batches(x, y, 50), verbose=0)[1] > 0.8
print("OK")
