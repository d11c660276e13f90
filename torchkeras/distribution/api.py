"""The public face: DataParallel, set_distribution, list_devices, initialize."""

import atexit
import os

import torch
import torch.distributed as dist

_current = None


def launched_by_torchrun():
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def initialize(job_addresses=None, num_processes=None, process_id=None, backend=None):
    """Start the torch.distributed process group (torchrun's environment fills in the rest)."""
    if dist.is_initialized():
        return
    if job_addresses:
        host, _, port = str(job_addresses).split(",")[0].partition(":")
        os.environ.setdefault("MASTER_ADDR", host)
        os.environ.setdefault("MASTER_PORT", port or "29500")
    if num_processes is not None:
        os.environ["WORLD_SIZE"] = str(num_processes)
    if process_id is not None:
        os.environ["RANK"] = str(process_id)
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend=backend)
    # Tear the group down before the interpreter does: gloo's threads alive at exit abort the
    # process ("terminate called without an active exception") after a successful fit.
    atexit.register(_destroy_process_group)


def _destroy_process_group():
    if dist.is_available() and dist.is_initialized():
        try:
            dist.barrier()
        finally:
            dist.destroy_process_group()


def list_devices(device_type=None):
    """Devices of this host as Keras names them ("cuda:0", ..., or "cpu:0")."""
    if device_type in (None, "gpu", "cuda") and torch.cuda.is_available():
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if device_type in ("gpu", "cuda"):
        raise ValueError(f"No {device_type} device is available on this host; use "
                         "list_devices('cpu') or run on a CUDA machine.")
    return ["cpu:0"]


class DataParallel:
    """Keras's keras.distribution.DataParallel: replicate the model, split each batch.

    On torch this is DistributedDataParallel over the processes torchrun started (one per
    device); `devices` is accepted for Keras compatibility and checked against this host."""

    def __init__(self, devices=None, device_mesh=None, auto_shard_dataset=True):
        if devices is not None and device_mesh is not None:
            raise ValueError("Pass either `devices` or `device_mesh` to DataParallel, not both.")
        self.devices = list(devices) if devices is not None else list_devices()
        self.device_mesh = device_mesh
        self.auto_shard_dataset = auto_shard_dataset

    def scope(self):
        return _Scope(self)

    def __repr__(self):
        return f"<DataParallel devices={self.devices}>"


class _Scope:
    def __init__(self, dist_obj):
        self.dist_obj, self.prev = dist_obj, None

    def __enter__(self):
        global _current
        self.prev, _current = _current, self.dist_obj
        return self.dist_obj

    def __exit__(self, *exc):
        global _current
        _current = self.prev


def set_distribution(value):
    """Set the global distribution (a DataParallel, or None to train on one process)."""
    global _current
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError("torchkeras supports the DataParallel distribution only (ModelParallel "
                         f"is not implemented). Received: {value!r}")
    _current = value


def distribution():
    return _current


def active():
    """True when fit must train data-parallel: a torchrun launch or an initialized group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size() > 1
    return launched_by_torchrun()
