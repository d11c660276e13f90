"""tf.data.experimental: AUTOTUNE, cardinality constants and helpers, Options."""

import types

from torchkeras.porting.tf._core import namespace_getattr
from torchkeras.porting.tf.data._structure import INFINITE, UNKNOWN

__getattr__ = namespace_getattr("tf.data.experimental")
INFINITE_CARDINALITY, UNKNOWN_CARDINALITY = INFINITE, UNKNOWN


def cardinality(dataset):
    return dataset.cardinality()


def assert_cardinality(expected_cardinality):
    def apply(dataset):
        n = dataset._cardinality()
        if n >= 0 and n != int(expected_cardinality):
            from torchkeras.porting.tf._core import FailedPreconditionError
            raise FailedPreconditionError(f"Input dataset was expected to contain {int(expected_cardinality)} "
                                          f"elements but contained {n}.")
        return dataset
    return apply


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    from torchkeras.porting.tf.data._base import Dataset
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    from torchkeras.porting.tf.data._base import Dataset
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def enumerate_dataset(start=0):
    return lambda dataset: dataset.enumerate(start)


def ignore_errors(log_warning=False):
    return lambda dataset: dataset


class Options(types.SimpleNamespace):
    """tf.data.Options: every option can be set (and is ignored); unset groups read as Options."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = Options()
        setattr(self, attr, value)
        return value


class AutoShardPolicy:
    AUTO, FILE, DATA, HINT, OFF = 0, 1, 2, 3, -1


class ThreadingOptions(Options):
    pass


class DistributeOptions(Options):
    pass


class OptimizationOptions(Options):
    pass


def get_single_element(dataset):
    return dataset.get_single_element()


def to_variant(dataset):
    return dataset
