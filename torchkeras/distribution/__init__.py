"""Keras's distribution API on torch.distributed.

Under `torchrun --nproc_per_node=N script.py` an unchanged `fit` trains data-parallel: the process
group starts on first use (gloo on CPU, nccl on CUDA), the model runs through
DistributedDataParallel, each global batch is split across the ranks, metrics and validation are
reduced across ranks, and only rank 0 prints and writes files. `DataParallel` and
`set_distribution` mirror keras.distribution for scripts written against it.
"""

from torchkeras.distribution.api import (
    DataParallel,
    distribution,
    initialize,
    list_devices,
    set_distribution,
)

__all__ = ["DataParallel", "distribution", "initialize", "list_devices", "set_distribution"]
