"""keras.wrappers: scikit-learn estimators around torchkeras models (scikit-learn is optional and is
imported only when a wrapper is first used, so `import torchkeras` stays light)."""

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name):
    if name in __all__:
        from torchkeras.wrappers import sklearn_wrapper

        return getattr(sklearn_wrapper, name)
    raise AttributeError(f"module 'torchkeras.wrappers' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
