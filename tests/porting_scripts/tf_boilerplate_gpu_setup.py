# The GPU / seed boilerplate found at the top of many TF 2 scripts.
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
import numpy as np
import tensorflow as tf

print("TensorFlow version:", tf.__version__, "Keras version:", tf.keras.__version__)
if int(tf.keras.__version__.split(".")[0]) < 3:
    raise SystemExit("this script needs Keras 3")
gpus = tf.config.list_physical_devices("GPU")
for gpu in gpus:
    tf.config.experimental.set_memory_growth(gpu, True)
print("Num GPUs Available:", len(tf.config.experimental.list_physical_devices("GPU")))
tf.random.set_seed(1234)
np.random.seed(1234)
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(2, 2)),
    tf.keras.layers.Dense(4, activation="relu"),
    tf.keras.layers.Dense(1),
])
model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss=tf.keras.losses.MeanSquaredError(),
              metrics=[tf.keras.metrics.MeanAbsoluteError()])
xs = np.random.rand(32, 2, 2).astype(np.float32)
model.fit(xs, xs.sum(axis=(1, 2)), epochs=2, verbose=0)
print(model.predict(tf.convert_to_tensor(xs[:2]), verbose=0).shape)
try:
    tf.data.Dataset.from_tensor_slices(xs)
except AttributeError as e:
    assert "tf.data" in str(e), e
print("OK")
