# A subclassed model with its own layers, training flag and dropout; summary after build; evaluate/predict.
import keras
import numpy as np
from keras import layers


@keras.saving.register_keras_serializable(package="demo")
class Classifier(keras.Model):
    def __init__(self, hidden=32, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.classes = hidden, classes
        self.d1 = layers.Dense(hidden, activation="relu")
        self.drop = layers.Dropout(0.2)
        self.out = layers.Dense(classes)

    def call(self, x, training=None):
        return self.out(self.drop(self.d1(x), training=training))

    def get_config(self):
        return {"hidden": self.hidden, "classes": self.classes, **super().get_config()}


x = np.random.rand(240, 6).astype("float32")
y = np.argmax(x[:, :3], axis=1)
model = Classifier()
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
model.fit(x, y, epochs=25, batch_size=16, verbose=0)
model.summary()
loss, acc = model.evaluate(x, y, verbose=0)
print("acc", acc)
assert acc > 0.7
logits = model.predict(x[:4], verbose=0)
probs = keras.ops.convert_to_numpy(keras.activations.softmax(keras.ops.convert_to_tensor(logits)))
assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
print("OK")
