"""keras.wrappers: scikit-learn estimators around torchkeras models."""

import numpy as np
import pytest

import torchkeras as keras

sklearn = pytest.importorskip("sklearn")


def make_classifier(X, y, hidden=16):
    n_classes = y.shape[1]
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy")
    return model


def test_classifier_learns_and_decodes_labels():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=120, centers=3, n_features=4, random_state=0)
    labels = np.array(["a", "b", "c"])[y]
    clf = keras.wrappers.SKLearnClassifier(make_classifier, fit_kwargs={"epochs": 30, "verbose": 0})
    clf.fit(X.astype("float32"), labels)
    assert list(clf.classes_) == ["a", "b", "c"]
    pred = clf.predict(X.astype("float32"))
    assert pred.shape == (120,) and set(pred) <= {"a", "b", "c"}
    assert clf.score(X.astype("float32"), labels) > 0.9
    assert len(clf.history_["loss"]) == 30
    # decision_function: the model's raw outputs, one column per class, consistent with predict.
    scores = clf.decision_function(X[:5].astype("float32"))
    assert scores.shape == (5, 3)
    np.testing.assert_array_equal(clf.classes_[scores.argmax(axis=-1)], pred[:5])


def test_regressor_and_model_instance_is_cloned():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3)).astype("float32")
    y = X @ np.array([1.0, -2.0, 0.5], "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = [w.copy() for w in model.get_weights()]
    reg = keras.wrappers.SKLearnRegressor(model, fit_kwargs={"epochs": 40})
    reg.fit(X, y)
    assert reg.model_ is not model
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)  # the given model is untouched
    assert reg.score(X, y) > 0.95
    assert reg.predict(X).shape == (64,)


def test_transformer_and_errors():
    X = np.random.default_rng(1).standard_normal((20, 4)).astype("float32")

    def encoder(X, y):
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        m.compile("sgd", "mse")
        return m

    trs = keras.wrappers.SKLearnTransformer(encoder, fit_kwargs={"epochs": 1})
    assert trs.fit(X, X[:, 0]).transform(X).shape == (20, 1)
    # As Keras (sklearn's check_X_y without multi_output): a 2-D target is refused.
    with pytest.raises(ValueError, match="y should be a 1d array"):
        keras.wrappers.SKLearnTransformer(encoder).fit(X, X[:, :2])
    with pytest.raises(ValueError, match="requires y to be passed"):
        keras.wrappers.SKLearnRegressor(encoder).fit(X, None)

    def uncompiled(X, y):
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])

    with pytest.raises(RuntimeError, match="needs to be compiled"):
        keras.wrappers.SKLearnRegressor(uncompiled).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="only one class"):
        keras.wrappers.SKLearnClassifier(make_classifier).fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="Only binary and multiclass"):
        keras.wrappers.SKLearnClassifier(make_classifier).fit(X, X[:, 0])
