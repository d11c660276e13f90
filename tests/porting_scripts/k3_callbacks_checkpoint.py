# EarlyStopping + ModelCheckpoint(save_best_only) + ReduceLROnPlateau + CSVLogger, then load_model.
import os
import tempfile

import keras
import numpy as np
from keras import layers
from keras.callbacks import CSVLogger, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

keras.utils.set_random_seed(7)
tmp = tempfile.mkdtemp()
x = np.random.rand(500, 10).astype("float32")
y = (x.sum(axis=1) > 5).astype("float32")
model = keras.Sequential([layers.Input(shape=(10,)), layers.Dense(32, activation="relu"),
                          layers.Dropout(0.1), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
ckpt = os.path.join(tmp, "best.keras")
callbacks = [EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),
             ModelCheckpoint(ckpt, monitor="val_accuracy", save_best_only=True, mode="max", verbose=0),
             ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-5),
             CSVLogger(os.path.join(tmp, "log.csv"))]
history = model.fit(x, y, epochs=40, batch_size=32, validation_split=0.2, callbacks=callbacks, verbose=0)
print("epochs run:", len(history.history["loss"]))
best = keras.models.load_model(ckpt)
assert best.evaluate(x, y, verbose=0)[1] > 0.8
assert open(os.path.join(tmp, "log.csv")).readline().startswith("epoch")
print("OK")
