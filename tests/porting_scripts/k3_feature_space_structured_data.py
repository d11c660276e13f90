# keras.io "Structured data classification with FeatureSpace" (Keras 3 / tf.data), on synthetic heart-disease-like
# columns instead of the downloaded CSV: FeatureSpace adapted on a dataset, mapped over it, and both models built.
import keras
import numpy as np
import tensorflow as tf
from keras.utils import FeatureSpace

rng = np.random.default_rng(0)
n = 303
cols = {
    "sex": rng.integers(0, 2, n), "cp": rng.integers(0, 5, n), "fbs": rng.integers(0, 2, n),
    "restecg": rng.integers(0, 3, n), "exang": rng.integers(0, 2, n), "ca": rng.integers(0, 4, n),
    "thal": rng.choice(["fixed", "normal", "reversible", "1", "2"], n),
    "age": rng.uniform(29, 77, n), "trestbps": rng.uniform(94, 200, n), "chol": rng.uniform(126, 564, n),
    "thalach": rng.uniform(71, 202, n), "oldpeak": rng.uniform(0, 6.2, n), "slope": rng.integers(1, 4, n).astype("float64"),
}
target = (cols["age"] / 77 + cols["cp"] / 4 + rng.normal(0, 0.3, n) > 1.0).astype("int64")
idx = rng.permutation(n)
val_idx, train_idx = idx[:61], idx[61:]

def dataframe_to_dataset(rows):
    ds = tf.data.Dataset.from_tensor_slices(({k: v[rows] for k, v in cols.items()}, target[rows]))
    return ds.shuffle(buffer_size=len(rows))

train_ds = dataframe_to_dataset(train_idx).batch(32)
val_ds = dataframe_to_dataset(val_idx).batch(32)

feature_space = FeatureSpace(
    features={
        "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
        "cp": FeatureSpace.integer_categorical(num_oov_indices=0),
        "fbs": FeatureSpace.integer_categorical(num_oov_indices=0),
        "restecg": FeatureSpace.integer_categorical(num_oov_indices=0),
        "exang": FeatureSpace.integer_categorical(num_oov_indices=0),
        "ca": FeatureSpace.integer_categorical(num_oov_indices=0),
        "thal": FeatureSpace.string_categorical(num_oov_indices=0),
        "age": FeatureSpace.float_discretized(num_bins=30),
        "trestbps": FeatureSpace.float_normalized(),
        "chol": FeatureSpace.float_normalized(),
        "thalach": FeatureSpace.float_normalized(),
        "oldpeak": FeatureSpace.float_normalized(),
        "slope": FeatureSpace.float_normalized(),
    },
    crosses=[
        FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=64),
        FeatureSpace.cross(feature_names=("thal", "ca"), crossing_dim=16),
    ],
    output_mode="concat",
)
train_ds_with_no_labels = train_ds.map(lambda x, _: x)
feature_space.adapt(train_ds_with_no_labels)

for x, _ in train_ds.take(1):
    preprocessed_x = feature_space(x)
    print("preprocessed_x.shape:", preprocessed_x.shape)
    assert tuple(preprocessed_x.shape) == (32, 138)  # what tf.keras 3.15 gives on these columns

preprocessed_train_ds = train_ds.map(lambda x, y: (feature_space(x), y), num_parallel_calls=tf.data.AUTOTUNE)
preprocessed_train_ds = preprocessed_train_ds.prefetch(tf.data.AUTOTUNE)
preprocessed_val_ds = val_ds.map(lambda x, y: (feature_space(x), y), num_parallel_calls=tf.data.AUTOTUNE)
preprocessed_val_ds = preprocessed_val_ds.prefetch(tf.data.AUTOTUNE)

dict_inputs = feature_space.get_inputs()
encoded_features = feature_space.get_encoded_features()
x = keras.layers.Dense(32, activation="relu")(encoded_features)
x = keras.layers.Dropout(0.5)(x)
predictions = keras.layers.Dense(1, activation="sigmoid")(x)
training_model = keras.Model(inputs=encoded_features, outputs=predictions)
training_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
inference_model = keras.Model(inputs=dict_inputs, outputs=predictions)
history = training_model.fit(preprocessed_train_ds, epochs=3, validation_data=preprocessed_val_ds, verbose=2)
assert all(np.isfinite(v) for v in history.history["val_loss"])

sample = {"age": 60, "sex": 1, "cp": 1, "trestbps": 145, "chol": 233, "fbs": 1, "restecg": 2, "thalach": 150,
          "exang": 0, "oldpeak": 2.3, "slope": 3, "ca": 0, "thal": "fixed"}
input_dict = {name: tf.convert_to_tensor([value]) for name, value in sample.items()}
predictions = inference_model.predict(input_dict)
print(f"probability of heart disease: {100 * predictions[0][0]:.1f}%")
assert predictions.shape == (1, 1) and 0.0 <= float(predictions[0][0]) <= 1.0
feature_space.save("myfs.keras")
reloaded = keras.models.load_model("myfs.keras")
assert np.allclose(np.asarray(reloaded(sample)), np.asarray(feature_space(sample)))
print("OK")
