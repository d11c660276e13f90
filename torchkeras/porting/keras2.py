"""Keras 2 idioms on models and layers that Keras 3 removed, kept so ported scripts run.

Model methods (attach to torchkeras.models.Model, see `attach`): predict_classes, predict_proba,
fit_generator, evaluate_generator, predict_generator. Layer names: CuDNNLSTM, CuDNNGRU and the
Keras 1/2 aliases Convolution2D, Deconvolution2D, ... (served by the porting runner's keras.layers).
Each warns once with its Keras 3 replacement.
"""

import numpy as np

from torchkeras.porting.deprecation import warn_once

# Keras 2's generator plumbing: torch runs the generator in-process, so these have no effect.
_QUEUE_ARGS = ("max_queue_size", "workers", "use_multiprocessing")


def _drop_queue_args(kwargs, method):
    dropped = [k for k in _QUEUE_ARGS if k in kwargs]
    for k in dropped:
        kwargs.pop(k)
    if dropped:
        warn_once(f"{method}.queue", f"`{method}` ignores {dropped}: torchkeras reads the generator in the "
                                     "training process.", stacklevel=4)
    return kwargs


def predict_classes(self, x, batch_size=32, verbose=0):
    """Keras 2 Sequential.predict_classes: argmax over the last axis, or a 0.5 threshold for one unit."""
    warn_once("predict_classes", "`model.predict_classes()` was removed in Keras 3. Use "
                                 "`np.argmax(model.predict(x), axis=-1)` (softmax output) or "
                                 "`(model.predict(x) > 0.5).astype('int32')` (sigmoid output).")
    proba = self.predict(x, batch_size=batch_size, verbose=verbose)
    if proba.shape[-1] > 1:
        return proba.argmax(axis=-1)
    return (proba > 0.5).astype("int32")


def predict_proba(self, x, batch_size=32, verbose=0):
    warn_once("predict_proba", "`model.predict_proba()` was removed in Keras 3. Use `model.predict()`.")
    preds = self.predict(x, batch_size=batch_size, verbose=verbose)
    if np.min(preds) < 0.0 or np.max(preds) > 1.0:
        warn_once("predict_proba.range", "Network returning invalid probability values. The last layer might "
                                         "not normalize predictions into probabilities (like softmax or sigmoid "
                                         "would).")
    return preds


def fit_generator(self, generator, steps_per_epoch=None, epochs=1, **kwargs):
    warn_once("fit_generator", "`model.fit_generator` is deprecated and was removed in Keras 3. Use "
                               "`model.fit`, which supports generators.")
    if "nb_epoch" in kwargs:
        epochs = kwargs.pop("nb_epoch")
    return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                    **_drop_queue_args(kwargs, "fit_generator"))


def evaluate_generator(self, generator, steps=None, **kwargs):
    warn_once("evaluate_generator", "`model.evaluate_generator` is deprecated and was removed in Keras 3. Use "
                                    "`model.evaluate`, which supports generators.")
    kwargs.setdefault("verbose", 0)
    return self.evaluate(generator, steps=steps, **_drop_queue_args(kwargs, "evaluate_generator"))


def predict_generator(self, generator, steps=None, **kwargs):
    warn_once("predict_generator", "`model.predict_generator` is deprecated and was removed in Keras 3. Use "
                                   "`model.predict`, which supports generators.")
    kwargs.setdefault("verbose", 0)
    return self.predict(generator, steps=steps, **_drop_queue_args(kwargs, "predict_generator"))


MODEL_METHODS = {"predict_classes": predict_classes, "predict_proba": predict_proba,
                 "fit_generator": fit_generator, "evaluate_generator": evaluate_generator,
                 "predict_generator": predict_generator}


def attach(model_cls, override=False):
    """Give `model_cls` the Keras 2 methods it lacks (all of them with override=True)."""
    for name, fn in MODEL_METHODS.items():
        if override or not hasattr(model_cls, name):
            setattr(model_cls, name, fn)


# -- layers ---------------------------------------------------------------------------------
_CUDNN_FIXED = ("activation", "recurrent_activation", "dropout", "recurrent_dropout", "use_bias",
                "unroll", "implementation")


def _cudnn(kind, units, kwargs):
    warn_once(f"CuDNN{kind}", f"`CuDNN{kind}` is a Keras 2 layer; Keras 3's `{kind}` uses the fused kernel "
                              f"(cuDNN on GPU) by itself. torchkeras builds `{kind}(units, ...)` with "
                              "CuDNN's fixed tanh/sigmoid activations.", stacklevel=4)
    fixed = [k for k in _CUDNN_FIXED if k in kwargs]
    if fixed:
        raise TypeError(f"CuDNN{kind} does not accept {fixed}: its activations, bias and dropout are fixed by "
                        f"cuDNN. Use keras.layers.{kind} to configure them.")
    from torchkeras import layers
    cls = getattr(layers, kind, None)
    if cls is None:
        raise NotImplementedError(f"CuDNN{kind} maps to keras.layers.{kind}, which this torchkeras build lacks.")
    extra = {"reset_after": True} if kind == "GRU" else {}
    return cls(units, activation="tanh", recurrent_activation="sigmoid", **extra, **kwargs)


def CuDNNLSTM(units, **kwargs):
    return _cudnn("LSTM", units, kwargs)


def CuDNNGRU(units, **kwargs):
    return _cudnn("GRU", units, kwargs)


# Keras 1 spellings that Keras 2 still exported (and Keras 3's short pooling aliases), mapped to
# the class names torchkeras.layers defines.
_RENAMED = {"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
            "Deconvolution2D": "Conv2DTranspose", "Deconvolution3D": "Conv3DTranspose",
            "SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
            "AtrousConvolution1D": None, "AtrousConvolution2D": None,
            "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
            "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D"}


def legacy_layer(name):
    """The object a Keras 2 `keras.layers.<name>` refers to, or None when `name` is not a Keras 2 name."""
    if name == "CuDNNLSTM":
        return CuDNNLSTM
    if name == "CuDNNGRU":
        return CuDNNGRU
    if name not in _RENAMED:
        return None
    new = _RENAMED[name]
    from torchkeras import layers
    cls = getattr(layers, new, None) if new else None
    if cls is None:
        raise AttributeError(f"keras.layers.{name} (Keras 2) has no torchkeras equivalent"
                             + (f": keras.layers.{new} is not implemented yet." if new else
                                ": use Conv1D/Conv2D with dilation_rate=."))
    if name.startswith(("MaxPool", "AvgPool")):
        return cls  # still Keras 3 aliases: no warning
    warn_once(f"layers.{name}", f"keras.layers.{name} is a Keras 1/2 name; use keras.layers.{new}.", stacklevel=4)
    return cls


# Keras 2.2's lower-case optimizer names (`keras.optimizers.rmsprop(lr=...)`), with that release's
# default learning rates where Keras 3's differ.
_OPTIMIZER_FACTORIES = {"sgd": ("SGD", {}), "rmsprop": ("RMSprop", {}), "adam": ("Adam", {}),
                        "adagrad": ("Adagrad", {"learning_rate": 0.01, "initial_accumulator_value": 0.0}),
                        "adadelta": ("Adadelta", {"learning_rate": 1.0}),
                        "adamax": ("Adamax", {"learning_rate": 0.002}), "nadam": ("Nadam", {"learning_rate": 0.002})}


def legacy_optimizer(name):
    """A factory for Keras 2.2's `keras.optimizers.<name>`, or None when `name` is not one of them."""
    if name not in _OPTIMIZER_FACTORIES:
        return None
    cls_name, defaults = _OPTIMIZER_FACTORIES[name]

    def factory(*args, **kwargs):
        from torchkeras import optimizers
        if kwargs.get("epsilon", 0) is None:  # Keras 2.2: None meant backend.epsilon()
            kwargs.pop("epsilon")
        kwargs.pop("schedule_decay", None)  # Nadam's Keras 2.2 momentum schedule has no Keras 3 argument
        if "lr" not in kwargs and not args:
            kwargs = {**defaults, **kwargs}
        else:
            kwargs = {**{k: v for k, v in defaults.items() if k != "learning_rate"}, **kwargs}
        return getattr(optimizers, cls_name)(*args, **kwargs)

    factory.__name__ = factory.__qualname__ = name
    warn_once(f"optimizers.{name}", f"keras.optimizers.{name} is a Keras 2.2 name; use keras.optimizers.{cls_name}.",
              stacklevel=4)
    return factory
