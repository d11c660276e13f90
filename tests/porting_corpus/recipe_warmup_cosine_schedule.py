# ruff: noqa  (a faithful copy of a public script: its own import order and style are kept)
# SOURCE: https://keras.io/examples/vision/masked_image_modeling/ (keras-team/keras-io:
#   examples/vision/masked_image_modeling.py: the WarmUpCosine schedule class and its AdamW lines), with
#   the model, compile and fit of https://keras.io/examples/vision/mnist_convnet/; and the warmup example
#   of https://keras.io/api/optimizers/learning_rate_schedules/cosine_decay/ (CosineDecay warmup_target).
# CHANGED: data: mnist -> _corpus_data.mnist() (1,000/200 samples); EPOCHS 100 -> 3; BATCH_SIZE 256 -> 128.
import numpy as np
import tensorflow as tf
import keras
from keras import layers

from _corpus_data import mnist

BATCH_SIZE = 128
EPOCHS = 3
LEARNING_RATE = 5e-3
WEIGHT_DECAY = 1e-4


class WarmUpCosine(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(
        self, learning_rate_base, total_steps, warmup_learning_rate, warmup_steps
    ):
        super().__init__()

        self.learning_rate_base = learning_rate_base
        self.total_steps = total_steps
        self.warmup_learning_rate = warmup_learning_rate
        self.warmup_steps = warmup_steps
        self.pi = tf.constant(np.pi)

    def __call__(self, step):
        if self.total_steps < self.warmup_steps:
            raise ValueError("Total_steps must be larger or equal to warmup_steps.")

        cos_annealed_lr = tf.cos(
            self.pi
            * (tf.cast(step, tf.float32) - self.warmup_steps)
            / float(self.total_steps - self.warmup_steps)
        )
        learning_rate = 0.5 * self.learning_rate_base * (1 + cos_annealed_lr)

        if self.warmup_steps > 0:
            if self.learning_rate_base < self.warmup_learning_rate:
                raise ValueError(
                    "Learning_rate_base must be larger or equal to "
                    "warmup_learning_rate."
                )
            slope = (
                self.learning_rate_base - self.warmup_learning_rate
            ) / self.warmup_steps
            warmup_rate = slope * tf.cast(step, tf.float32) + self.warmup_learning_rate
            learning_rate = tf.where(
                step < self.warmup_steps, warmup_rate, learning_rate
            )
        return tf.where(
            step > self.total_steps, 0.0, learning_rate, name="learning_rate"
        )


(x_train, y_train), (x_test, y_test) = mnist()
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
y_train = keras.utils.to_categorical(y_train, 10)
y_test = keras.utils.to_categorical(y_test, 10)

total_steps = int((len(x_train) / BATCH_SIZE) * EPOCHS)
warmup_epoch_percentage = 0.15
warmup_steps = int(total_steps * warmup_epoch_percentage)
scheduled_lrs = WarmUpCosine(
    learning_rate_base=LEARNING_RATE,
    total_steps=total_steps,
    warmup_learning_rate=0.0,
    warmup_steps=warmup_steps,
)

lrs = [float(scheduled_lrs(step)) for step in range(total_steps)]
print("peak learning rate:", max(lrs))

# From the CosineDecay API docs: linear warmup to warmup_target, then cosine decay.
decay_steps = 1000
initial_learning_rate = 0.1
warmup_steps_doc = 1000
target_learning_rate = 1.0
lr_warmup_decayed_fn = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate, decay_steps, warmup_target=target_learning_rate,
    warmup_steps=warmup_steps_doc
)
print("doc schedule at step 500:", float(lr_warmup_decayed_fn(500)))

optimizer = keras.optimizers.AdamW(
    learning_rate=scheduled_lrs, weight_decay=WEIGHT_DECAY
)

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, validation_split=0.1)
score = model.evaluate(x_test, y_test, verbose=0)
print(f"FINAL loss={score[0]:.4f} accuracy={score[1]:.4f} doc_lr500={float(lr_warmup_decayed_fn(500)):.4f}")
