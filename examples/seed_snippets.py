"""The seed tutorial's other snippets, each run and checked: core layers, Reshape, Embedding's shape
example, Conv2D with every documented argument, pooling, and SimpleRNN/LSTM/GRU with dropout,
recurrent_dropout and return_sequences.

    python -m torchkeras run examples/seed_snippets.py
"""

import numpy as np
from tensorflow import keras
from tensorflow.keras.layers import (
    GRU,
    LSTM,
    Activation,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    MaxPooling1D,
    MaxPooling2D,
    Reshape,
    SimpleRNN,
)
from tensorflow.keras.models import Sequential

rng = np.random.RandomState(0)


def shape_of(model, x):
    return tuple(model.predict(x, verbose=0).shape)


# 1.1-1.4 Dense(units, activation, use_bias), Activation, Dropout(rate), Flatten
model = Sequential([keras.Input(shape=(4, 5)), Flatten(), Dense(8, activation='relu', use_bias=True),
                    Dropout(0.5), Dense(3, use_bias=False), Activation('softmax')])
out = model.predict(rng.rand(6, 4, 5).astype("float32"), verbose=0)
assert out.shape == (6, 3) and np.allclose(out.sum(axis=1), 1.0, atol=1e-5)
print("Flatten + Dense + Dropout + Activation:", out.shape)
for name in ('relu', 'tanh', 'sigmoid'):
    act = Activation(name)(np.array([[-1.0, 0.0, 2.0]], dtype="float32"))
    print(f"  Activation({name!r}) of [-1, 0, 2]:", np.round(keras.ops.convert_to_numpy(act), 4))

# 1.5 Reshape: a 9-element vector -> (None, 3, 3). (The seed writes `input_length=(16,)`; Keras's
# argument for a layer's input size is `input_shape`, and 9 elements are what fit a 3x3 matrix.)
model = Sequential([Reshape((3, 3), input_shape=(9,))])
x = np.arange(18, dtype="float32").reshape(2, 9)
out = model.predict(x, verbose=0)
assert out.shape == (2, 3, 3) and np.array_equal(out, x.reshape(2, 3, 3))
print("Reshape((3, 3)):", model.output_shape)

# 1.6 Conv2D with the arguments the seed lists (Conv1D for sequences)
conv = Conv2D(filters=8, kernel_size=(3, 3), strides=(1, 1), padding='valid', data_format=None,
              dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer='glorot_uniform',
              bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None,
              activity_regularizer=None, kernel_constraint=None, bias_constraint=None)
model = Sequential([keras.Input(shape=(28, 28, 1)), conv,
                    Conv2D(8, (3, 3), padding='same')])
assert model.output_shape == (None, 26, 26, 8), model.output_shape
print("Conv2D valid then same:", model.output_shape)
model = Sequential([keras.Input(shape=(50, 16)), Conv1D(4, 5, strides=1, padding='same')])
assert model.output_shape == (None, 50, 4)

# 1.7 Pooling: (28, 28, 32) -> (14, 14, 32) with a 2x2 window and stride 2
model = Sequential([keras.Input(shape=(28, 28, 32)), MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid')])
x = rng.rand(1, 28, 28, 32).astype("float32")
out = model.predict(x, verbose=0)
assert out.shape == (1, 14, 14, 32)
assert np.allclose(out, x.reshape(1, 14, 2, 14, 2, 32).max(axis=(2, 4)))  # max of each 2x2 block
avg = Sequential([keras.Input(shape=(28, 28, 32)), AveragePooling2D((2, 2))]).predict(x, verbose=0)
assert np.allclose(avg, x.reshape(1, 14, 2, 14, 2, 32).mean(axis=(2, 4)), atol=1e-6)
assert Sequential([keras.Input(shape=(10, 3)), MaxPooling1D(2)]).output_shape == (None, 5, 3)
print("MaxPooling2D((2, 2)): (28, 28, 32) ->", model.output_shape[1:])

# 1.9 Embedding(100, 64, input_length=32): a (100, 32) matrix of word ids -> (100, 32, 64)
model = Sequential()
model.add(Embedding(100, 64, input_length=32))
words = rng.randint(0, 100, size=(100, 32))
out = model.predict(words, verbose=0)
assert out.shape == (100, 32, 64)
table = model.layers[0].get_weights()[0]
assert np.allclose(out, table[words])  # each word id looked up in the (100, 64) table
print("Embedding(100, 64, input_length=32):", out.shape)

# Embedding -> Flatten -> Dense needs the fixed length (input_length in Keras 2, the input shape in Keras 3)
model = Sequential([keras.Input(shape=(32,)), Embedding(100, 8), Flatten(), Dense(1, activation='sigmoid')])
assert model.output_shape == (None, 1)

# Recurrent layers: SimpleRNN / LSTM / GRU(units, activation='tanh', dropout, recurrent_dropout, return_sequences)
seq = rng.rand(16, 10, 6).astype("float32")
for cls in (SimpleRNN, LSTM, GRU):
    model = Sequential([
        keras.Input(shape=(10, 6)),
        cls(12, activation='tanh', dropout=0.2, recurrent_dropout=0.2, return_sequences=True),
        cls(8, activation='tanh', dropout=0.1, recurrent_dropout=0.1, return_sequences=False),
        Dense(1),
    ])
    assert model.layers[0].output.shape == (None, 10, 12)
    assert model.output_shape == (None, 1)
    model.compile(optimizer='SGD', loss='mse', metrics=['mae'])
    history = model.fit(seq, seq.sum(axis=(1, 2))[:, None] / 30.0, batch_size=8, epochs=2, verbose=0)
    # dropout is active in training only: two inference passes agree
    assert np.allclose(model.predict(seq, verbose=0), model.predict(seq, verbose=0))
    print(f"{cls.__name__} stacked (return_sequences=True -> False): loss {history.history['loss'][-1]:.4f}")

# compile(optimizer, loss, metrics) / fit(x, y, batch_size, epochs, verbose, validation_split)
model = Sequential([keras.Input(shape=(4,)), Dense(1)])
model.compile(optimizer='SGD', loss='mae', metrics=['mse'])
history = model.fit(rng.rand(40, 4), rng.rand(40, 1), batch_size=10, epochs=2, verbose=0, validation_split=0.25)
assert sorted(history.history) == ['loss', 'mse', 'val_loss', 'val_mse'], sorted(history.history)
print("all seed snippets ran")
