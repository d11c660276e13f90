"""Keras loss classes: thin LossFunctionWrapper subclasses with Keras's signatures and names."""

from . import crossentropy as ce
from . import regression as rg
from . import special as sp
from .loss import Loss, LossFunctionWrapper

_SOB = "sum_over_batch_size"


class _ParamLoss(LossFunctionWrapper):
    """A wrapper whose constructor parameters are listed in `_config_keys` for get_config."""

    _config_keys = ()

    def __init__(self, fn, reduction, name, dtype, **params):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **params)
        for key, value in params.items():
            setattr(self, key, value)

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config


class MeanSquaredError(_ParamLoss):
    def __init__(self, reduction=_SOB, name="mean_squared_error", dtype=None):
        super().__init__(rg.mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(_ParamLoss):
    def __init__(self, reduction=_SOB, name="mean_absolute_error", dtype=None):
        super().__init__(rg.mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(_ParamLoss):
    def __init__(self, reduction=_SOB, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(rg.mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(_ParamLoss):
    def __init__(self, reduction=_SOB, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(rg.mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(_ParamLoss):
    # Keras 3.15 leaves `axis` out of the config; so do we.
    def __init__(self, axis=-1, reduction=_SOB, name="cosine_similarity", dtype=None):
        super().__init__(rg.cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(_ParamLoss):
    # Keras 3.15 leaves `delta` out of the config; so do we.
    def __init__(self, delta=1.0, reduction=_SOB, name="huber_loss", dtype=None):
        super().__init__(rg.huber, reduction, name, dtype, delta=delta)


class LogCosh(_ParamLoss):
    def __init__(self, reduction=_SOB, name="log_cosh", dtype=None):
        super().__init__(rg.log_cosh, reduction, name, dtype)


class Hinge(_ParamLoss):
    def __init__(self, reduction=_SOB, name="hinge", dtype=None):
        super().__init__(rg.hinge, reduction, name, dtype)


class SquaredHinge(_ParamLoss):
    def __init__(self, reduction=_SOB, name="squared_hinge", dtype=None):
        super().__init__(rg.squared_hinge, reduction, name, dtype)


class CategoricalHinge(_ParamLoss):
    def __init__(self, reduction=_SOB, name="categorical_hinge", dtype=None):
        super().__init__(rg.categorical_hinge, reduction, name, dtype)


class KLDivergence(_ParamLoss):
    def __init__(self, reduction=_SOB, name="kl_divergence", dtype=None):
        super().__init__(rg.kl_divergence, reduction, name, dtype)


class Poisson(_ParamLoss):
    def __init__(self, reduction=_SOB, name="poisson", dtype=None):
        super().__init__(rg.poisson, reduction, name, dtype)


class BinaryCrossentropy(_ParamLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SOB,
                 name="binary_crossentropy", dtype=None):
        super().__init__(ce.binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(_ParamLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction=_SOB, name="binary_focal_crossentropy",
                 dtype=None):
        super().__init__(ce.binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_ParamLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SOB,
                 name="categorical_crossentropy", dtype=None):
        super().__init__(ce.categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(_ParamLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=_SOB, name="categorical_focal_crossentropy", dtype=None):
        super().__init__(ce.categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_ParamLoss):
    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction=_SOB, axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(ce.sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class Dice(_ParamLoss):
    _config_keys = ("axis",)

    def __init__(self, reduction=_SOB, name="dice", axis=None, dtype=None):
        super().__init__(sp.dice, reduction, name, dtype, axis=axis)


class Tversky(_ParamLoss):
    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction=_SOB, name="tversky", axis=None,
                 dtype=None):
        super().__init__(sp.tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)


class Circle(_ParamLoss):
    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction=_SOB,
                 name="circle", dtype=None):
        super().__init__(sp.circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)


class CTC(_ParamLoss):
    def __init__(self, reduction=_SOB, name="ctc", dtype=None):
        super().__init__(sp.ctc, reduction, name, dtype)


class CategoricalGeneralizedCrossEntropy(_ParamLoss):
    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction=_SOB, name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(sp.categorical_generalized_cross_entropy, reduction, name, dtype, q=q)


LOSS_CLASSES = (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
    Dice, Tversky, Circle, CTC, CategoricalGeneralizedCrossEntropy,
)
