# Keras 2 generator training: fit_generator / evaluate_generator / predict_generator with workers args.
import numpy as np
from keras.layers import Dense
from keras.models import Sequential
from keras.optimizers import Adam


def batches(x, y, batch_size):
    while True:
        idx = np.random.permutation(len(x))
        for i in range(0, len(x), batch_size):
            j = idx[i:i + batch_size]
            yield x[j], y[j]


x = np.random.rand(400, 6).astype('float32')
y = (x[:, :3].sum(1) > 1.5).astype('float32')
model = Sequential()
model.add(Dense(12, input_dim=6, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer=Adam(learning_rate=0.01), metrics=['accuracy'])
model.fit_generator(batches(x, y, 32), steps_per_epoch=13, epochs=30, verbose=0,
                    validation_data=batches(x, y, 50), validation_steps=2, workers=1, use_multiprocessing=False)
loss, acc = model.evaluate_generator(batches(x, y, 100), steps=4)
preds = model.predict_generator(batches(x, y, 100), steps=2)
assert preds.shape == (200, 1), preds.shape
print("acc", acc)
assert acc > 0.7
print("OK")
