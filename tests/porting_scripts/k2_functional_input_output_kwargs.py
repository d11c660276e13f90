# Keras 2's Model(input=..., output=...) spelling and the legacy merge layers.
import numpy as np
from keras.layers import Dense, Input, concatenate
from keras.models import Model
from keras.optimizers import Adam

a = Input(shape=(8,), name='a')
b = Input(shape=(4,), name='b')
x = concatenate([Dense(16, activation='relu')(a), Dense(16, activation='relu')(b)])
out = Dense(1, activation='sigmoid', name='out')(x)
model = Model(input=[a, b], output=out)
model.compile(optimizer=Adam(lr=0.01), loss='binary_crossentropy', metrics=['acc'])
xa, xb = np.random.rand(200, 8), np.random.rand(200, 4)
y = (xa.sum(1) > xb.sum(1) * 2).astype('float32')
h = model.fit([xa, xb], y, epochs=30, batch_size=20, verbose=0)
print(sorted(h.history))
assert 'acc' in h.history, h.history.keys()
assert h.history['acc'][-1] > 0.7
print("OK")
