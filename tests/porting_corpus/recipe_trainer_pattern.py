# ruff: noqa  (a faithful copy of a public script: its own import order and style are kept)
# SOURCE: https://keras.io/examples/keras_recipes/trainer_pattern/
#   (keras-team/keras-io: examples/keras_recipes/trainer_pattern.py, the Keras 3 version with test_step
#   and a `metrics` property)
# CHANGED: data: keras.datasets.mnist.load_data() -> _corpus_data.mnist() (same shapes/dtypes, 1,000/200
#   samples); epochs 5 -> 2; the fit results kept for the FINAL line. Verified line by line (the earlier
#   transcription had an EarlyStopping callback and a Sequential model_b that the source does not).
import os

os.environ["KERAS_BACKEND"] = "tensorflow"

import tensorflow as tf
import keras

from _corpus_data import mnist as load_mnist

# Load MNIST dataset and standardize the data
(x_train, y_train), (x_test, y_test) = load_mnist()
x_train, x_test = x_train / 255.0, x_test / 255.0


class MyTrainer(keras.Model):
    def __init__(self, model):
        super().__init__()
        self.model = model
        # Create loss and metrics here.
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
        self.accuracy_metric = keras.metrics.SparseCategoricalAccuracy()

    @property
    def metrics(self):
        # List metrics here.
        return [self.accuracy_metric]

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)  # Forward pass
            # Compute loss value
            loss = self.loss_fn(y, y_pred)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))

        # Update metrics
        for metric in self.metrics:
            metric.update_state(y, y_pred)

        # Return a dict mapping metric names to current value.
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data

        # Inference step
        y_pred = self.model(x, training=False)

        # Update metrics
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def call(self, x):
        # Equivalent to `call()` of the wrapped keras.Model
        x = self.model(x)
        return x


# A model defined using Sequential API
model_a = keras.models.Sequential(
    [
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ]
)

# A model defined using Functional API
func_input = keras.Input(shape=(28, 28, 1))
x = keras.layers.Flatten(input_shape=(28, 28))(func_input)
x = keras.layers.Dense(512, activation="relu")(x)
x = keras.layers.Dropout(0.4)(x)
func_output = keras.layers.Dense(10, activation="softmax")(x)

model_b = keras.Model(func_input, func_output)

trainer_1 = MyTrainer(model_a)
trainer_2 = MyTrainer(model_b)

trainer_1.compile(optimizer=keras.optimizers.SGD())
history_1 = trainer_1.fit(
    x_train, y_train, epochs=2, batch_size=64, validation_data=(x_test, y_test)
)

trainer_2.compile(optimizer=keras.optimizers.Adam())
history = trainer_2.fit(
    x_train, y_train, epochs=2, batch_size=64, validation_data=(x_test, y_test)
)
h1, h = history_1.history, history.history
print(f"FINAL sgd_val_sparse_categorical_accuracy={h1['val_sparse_categorical_accuracy'][-1]:.4f} "
      f"val_sparse_categorical_accuracy={h['val_sparse_categorical_accuracy'][-1]:.4f}")
