"""scikit-learn estimators around a compiled torchkeras model, as Keras's `keras.wrappers`.

`model` is a compiled Model (cloned, so each `fit` starts fresh) or a callable `model(X=, y=, **model_kwargs)`
returning one. Classifiers one-hot encode the labels for training and decode predictions back to them."""

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # the classes stay importable; using them says what to install
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass


def _require_sklearn(name):
    if sklearn is None:
        raise ImportError(f"{name} requires `scikit-learn` to be installed. Run `pip install scikit-learn` "
                          "to install it.")


def _check_compiled(model):
    if not getattr(model, "compiled", False) or not model.loss or model.optimizer is None:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer.")


class _Reshape1D(TransformerMixin, BaseEstimator):
    """1-D targets as a column for the encoders, and back."""

    def fit(self, y):
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        return np.squeeze(y, axis=1) if self.ndim_ == 1 and y.ndim == 2 else y


class _SKLBase(BaseEstimator):
    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        # A Model instance is cloned by fit itself; copying it here would copy torch state for nothing.
        return type(self)(model=self.model, warm_start=self.warm_start, model_kwargs=self.model_kwargs,
                          fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        return getattr(self, "history_", {}).get("epoch", 0)

    def _validate(self, X, y=None, reset=True):
        from sklearn.utils.validation import validate_data

        if y is None:
            return validate_data(self, X, reset=reset)
        return validate_data(self, X, y, reset=reset, multi_output=True)

    def _build_model(self, X, y):
        from torchkeras.models import Model, clone_model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            return clone_model(self.model)  # compiled as the original, with fresh weights
        if not callable(self.model):
            raise TypeError(f"`model` must be a compiled Model or a callable returning one. Received: "
                            f"model={self.model!r}")
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        from sklearn.utils.validation import validate_data

        # y passed even when None: sklearn then raises its "requires y to be passed" error.
        X, y = validate_data(self, X, y, reset=True)
        y = self._encode(y, reset=True)
        model = self._build_model(X, y)
        _check_compiled(model)
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)
        fit_kwargs.setdefault("verbose", 0)
        self.history_ = model.fit(X, y, **fit_kwargs).history
        self.model_ = model
        return self

    def predict(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self._decode(self.model_.predict(X, verbose=0))

    def _encode(self, y, reset=False):
        from sklearn.utils.multiclass import type_of_target

        type_of_target(y, raise_unknown=True)
        if reset:
            self._target_encoder = _Reshape1D().fit(y)
        return self._target_encoder.transform(y)

    def _decode(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, _SKLBase):
    """A scikit-learn classifier: labels are one-hot encoded for the model and decoded from its outputs."""

    def _encode(self, y, reset=False):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder
        from sklearn.utils.multiclass import type_of_target

        kind = type_of_target(y, raise_unknown=True)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target type: {kind}")
        if reset:
            self._target_encoder = make_pipeline(_Reshape1D(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def decision_function(self, X):
        """The model's raw outputs for X (one column per class)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self.model_.predict(X, verbose=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, _SKLBase):
    """A scikit-learn regressor around a model with one output."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, _SKLBase):
    """A scikit-learn transformer: `transform(X)` is the fitted model's `predict(X)`."""

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self.model_.predict(X, verbose=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
