# Keras 2 layer spellings: Convolution2D, MaxPool2D, CuDNNLSTM, keras.layers.convolutional / recurrent.
import numpy as np
from keras.layers import CuDNNGRU, CuDNNLSTM, Dense, Flatten, MaxPool2D, Reshape
from keras.layers.convolutional import Convolution2D, MaxPooling2D
from keras.layers.recurrent import LSTM
from keras.models import Sequential

model = Sequential()
model.add(Convolution2D(8, (3, 3), activation='relu', input_shape=(12, 12, 1)))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Reshape((25, 8)))
model.add(CuDNNLSTM(6, return_sequences=True))
model.add(CuDNNGRU(4))
model.add(Dense(2, activation='softmax'))
model.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
x = np.random.rand(20, 12, 12, 1).astype('float32')
model.fit(x, np.random.randint(2, size=20), epochs=1, batch_size=10, verbose=0)
assert model.predict(x, verbose=0).shape == (20, 2)
m2 = Sequential([MaxPool2D(2, input_shape=(4, 4, 1)), Flatten(), Dense(1)])
assert m2.output_shape == (None, 1)
assert LSTM(3).units == 3
print("OK")
