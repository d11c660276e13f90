"""tf.data on torch: `Dataset` pipelines of torch tensors that torchkeras's fit / evaluate / predict
consume as Keras consumes a tf.data.Dataset."""

from torchkeras.porting.tf._core import namespace_getattr
from torchkeras.porting.tf.data import experimental
from torchkeras.porting.tf.data._base import Dataset, DatasetIterator
from torchkeras.porting.tf.data._structure import AUTOTUNE, INFINITE, UNKNOWN
from torchkeras.porting.tf.data.experimental import Options, ThreadingOptions

__getattr__ = namespace_getattr("tf.data")
INFINITE_CARDINALITY, UNKNOWN_CARDINALITY = INFINITE, UNKNOWN
Iterator = DatasetIterator

__all__ = ["AUTOTUNE", "Dataset", "INFINITE_CARDINALITY", "Iterator", "Options", "ThreadingOptions",
           "UNKNOWN_CARDINALITY", "experimental"]
