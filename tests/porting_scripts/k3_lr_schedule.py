# Learning-rate schedules: ExponentialDecay object, LearningRateScheduler callback, legacy decay-free SGD.
import keras
import numpy as np
from keras import layers, optimizers

x = np.random.rand(128, 4).astype("float32")
y = x @ np.array([[1.0], [2.0], [-1.0], [0.5]], dtype="float32")
schedule = optimizers.schedules.ExponentialDecay(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9, staircase=True)
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile(optimizer=optimizers.SGD(learning_rate=schedule, momentum=0.9), loss="mse")
model.fit(x, y, epochs=5, batch_size=16, verbose=0)
assert abs(float(schedule(20)) - 0.1 * 0.9 ** 2) < 1e-6


def step_decay(epoch, lr):
    return lr if epoch < 2 else lr * 0.5


model2 = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model2.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse")
h = model2.fit(x, y, epochs=4, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(step_decay, verbose=0)])
lr = float(keras.ops.convert_to_numpy(model2.optimizer.learning_rate))
assert abs(lr - 0.0025) < 1e-7, lr
cos = optimizers.schedules.CosineDecay(0.01, decay_steps=100)
piece = optimizers.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])
assert abs(float(piece(15)) - 0.01) < 1e-9 and float(cos(100)) < 1e-6
print("OK")
