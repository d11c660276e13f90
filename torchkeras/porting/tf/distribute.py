"""tf.distribute: one-process strategies (Mirrored / OneDevice / default) whose scope is a no-op;
multi-GPU training with torchkeras is torchrun + DDP (see torchkeras.distribution)."""

import contextlib

from torchkeras.porting.tf._core import namespace_getattr

__getattr__ = namespace_getattr("tf.distribute")


class _ReduceOp:
    SUM, MEAN = "SUM", "MEAN"


ReduceOp = _ReduceOp


class Strategy:
    """A single-replica strategy: `scope()` changes nothing, `run` calls the function."""

    num_replicas_in_sync = 1

    def __init__(self, devices=None, cross_device_ops=None, device=None, **kwargs):
        self.extended = self

    @contextlib.contextmanager
    def scope(self):
        yield self

    def run(self, fn, args=(), kwargs=None, options=None):
        return fn(*args, **(kwargs or {}))

    def reduce(self, reduce_op, value, axis=None):
        return value

    def experimental_distribute_dataset(self, dataset, options=None):
        return dataset

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        return dataset_fn(InputContext())

    def gather(self, value, axis):
        return value

    def experimental_local_results(self, value):
        return (value,)


class InputContext:
    num_input_pipelines, input_pipeline_id, num_replicas_in_sync = 1, 0, 1

    def get_per_replica_batch_size(self, global_batch_size):
        return global_batch_size


class MirroredStrategy(Strategy):
    """Runs in this process (see the module docstring)."""


class OneDeviceStrategy(Strategy):
    pass


MultiWorkerMirroredStrategy = MirroredStrategy
_default = Strategy()


def get_strategy():
    return _default


def has_strategy():
    return False


def in_cross_replica_context():
    return True


def get_replica_context():
    return None
