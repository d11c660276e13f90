# keras.ops, keras.random and keras.utils helpers used in Keras 3 scripts.
import keras
import numpy as np
from keras import ops

keras.utils.set_random_seed(3)
a = ops.convert_to_tensor(np.arange(6, dtype="float32").reshape(2, 3))
b = ops.transpose(a)
assert ops.shape(ops.matmul(a, b)) == (2, 2)
assert float(ops.sum(ops.softmax(a, axis=-1))) - 2.0 < 1e-5
np.testing.assert_allclose(ops.convert_to_numpy(ops.mean(a, axis=0)), [1.5, 2.5, 3.5])
r = keras.random.normal((1000,), mean=1.0, stddev=0.5, seed=1)
assert abs(float(ops.mean(r)) - 1.0) < 0.1
u = keras.random.uniform((4, 4), minval=-1, maxval=1, seed=keras.random.SeedGenerator(5))
assert ops.convert_to_numpy(u).min() >= -1
onehot = keras.utils.to_categorical([0, 2, 1], num_classes=3)
assert onehot.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
n = keras.utils.normalize(np.array([[3.0, 4.0]]))
np.testing.assert_allclose(n, [[0.6, 0.8]])
bar = keras.utils.Progbar(3, verbose=0)
for i in range(3):
    bar.update(i + 1)
print("OK")
