# Keras 2 tutorial style: np_utils, Keras 2 import paths, nb_epoch-era idioms, predict_classes.
import numpy as np
from keras.layers.core import Activation, Dense, Dropout
from keras.models import Sequential
from keras.optimizers import RMSprop
from keras.utils import np_utils

np.random.seed(1337)
X = np.random.rand(300, 20).astype("float32")
labels = (X[:, 0] + X[:, 1] > 1.0).astype(int) + (X[:, 2] > 0.5).astype(int)
Y = np_utils.to_categorical(labels, 3)

model = Sequential()
model.add(Dense(64, input_shape=(20,)))
model.add(Activation('relu'))
model.add(Dropout(0.2))
model.add(Dense(3))
model.add(Activation('softmax'))
model.summary()
model.compile(loss='categorical_crossentropy', optimizer=RMSprop(lr=0.01), metrics=['accuracy'])
history = model.fit(X, Y, batch_size=32, epochs=20, verbose=0, validation_split=0.1)
score = model.evaluate(X, Y, verbose=0)
print('Test score:', score[0])
print('Test accuracy:', score[1])
classes = model.predict_classes(X[:5])
assert classes.shape == (5,)
assert score[1] > 0.7, score
print("OK")
