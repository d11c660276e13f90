"""What fit does under torchrun: DDP wrapper, global-batch sharding, metric reduction, rank-0 I/O.

Each global batch (the batch_size the script asks for) is split into one contiguous shard per
rank; DDP averages the gradients, so with equal shards a step equals the single-process step on
the whole global batch. Every rank draws the same shuffle (a shared seed), so the global batches
match a single-process run's.
"""

import torch
import torch.distributed as dist

from . import api

# Callbacks that write files or print: rank 0 only.
_RANK0_CALLBACKS = {"ModelCheckpoint", "CSVLogger", "TensorBoard", "BackupAndRestore",
                    "ProgbarLogger", "RemoteMonitor"}


def da_unpack(batch):
    from torchkeras.trainers.data_adapter import unpack_x_y_sample_weight

    return unpack_x_y_sample_weight(batch)


def fit_context(model):
    """A _FitContext when fit must run data-parallel, else None."""
    if not api.active():
        return None
    api.initialize()
    return _FitContext(model)


class _FitContext:
    def __init__(self, model):
        self.model = model
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        device = model._data_device() or torch.device("cpu")
        seed = torch.randint(0, 2 ** 31 - 1, (1,), dtype=torch.int64)
        if dist.get_backend() == "nccl":
            seed = seed.to(device)
        dist.broadcast(seed, src=0)  # one shuffle order for all ranks
        self.seed = int(seed.item())
        self.device = device

    def wrap(self, train_iter, val_iter, verbose, callbacks):
        train = _ShardedIterator(train_iter, self, self.seed)
        val = _ShardedIterator(val_iter, self, self.seed + 1) if val_iter is not None else None
        if self.rank != 0:
            verbose = 0
            if isinstance(callbacks, (list, tuple)):
                callbacks = [c for c in callbacks if type(c).__name__ not in _RANK0_CALLBACKS]
        self.model.__dict__["_dist_ctx"] = self
        return train, val, verbose, callbacks

    def wrap_model(self):
        if "_ddp_module" in self.model.__dict__:
            return
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        # DDP broadcasts rank 0's weights here, so every replica starts equal.
        self.model.__dict__["_ddp_module"] = DistributedDataParallel(self.model, device_ids=ids)

    def close(self):
        self.model.__dict__.pop("_ddp_module", None)
        self.model.__dict__.pop("_dist_ctx", None)

    def sync_metrics(self):
        """Sum every metric's state over the ranks (totals, counts, confusion counts)."""
        for m in self.model.metrics:
            for metric in _leaf_metrics(m):
                if hasattr(metric, "count") and not isinstance(getattr(metric, "count"),
                                                                torch.Tensor):
                    self._sync_mean_tracker(metric)
                    continue
                for t in metric.variables:
                    if isinstance(t, torch.Tensor):
                        dist.all_reduce(t, op=dist.ReduceOp.SUM)

    def _sync_mean_tracker(self, tracker):
        total = tracker.total if tracker.total is not None else torch.zeros((), device=self.device)
        packed = torch.stack([total.detach().reshape(()).to(torch.float64),
                              torch.tensor(float(tracker.count), dtype=torch.float64,
                                           device=total.device)])
        dist.all_reduce(packed, op=dist.ReduceOp.SUM)
        tracker.total = packed[0].to(torch.float32)
        tracker.count = int(round(packed[1].item()))


def _leaf_metrics(m):
    nested = [e[-1] for e in getattr(m, "_unweighted", []) + getattr(m, "_weighted", [])]
    return nested if nested or hasattr(m, "_unweighted") else [m]


class _ShardedIterator:
    """Yields this rank's shard of each global batch, under a shuffle shared by all ranks."""

    def __init__(self, inner, ctx, seed):
        self.inner, self.ctx, self.seed, self.epoch = inner, ctx, seed, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __iter__(self):
        it = iter(self.inner)
        i = 0
        devices = [torch.cuda.current_device()] if self.ctx.device.type == "cuda" else []
        while True:
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(self.seed + 1_000_003 * self.epoch + i)
                try:
                    step, batch = next(it)
                except StopIteration:
                    break
            yield step, self._shard(batch, i)
            i += 1
        self.epoch += 1

    def _shard(self, batch, i):
        world, rank = self.ctx.world, self.ctx.rank
        first = next(t for t in _leaves(batch))
        n = first.shape[0]
        if n < world and i == 0:
            raise ValueError(f"torchrun started {world} processes but a global batch holds only {n} "
                             f"sample(s): each process needs at least one. Use a batch_size of at "
                             f"least {world}, more data, or fewer processes (--nproc_per_node).")
        if not self.ctx.model.built:
            with torch.no_grad():
                self.ctx.model(da_unpack(batch)[0])
        self.ctx.wrap_model()

        def take(t):
            if not isinstance(t, torch.Tensor):
                return t
            if n < world:  # a short final batch: wrap around as DistributedSampler pads
                t = t[torch.arange(world, device=t.device) % n]
            return torch.tensor_split(t, world)[rank]
        return _map(take, batch)


def _leaves(batch):
    stack = [batch]
    while stack:
        x = stack.pop(0)
        if isinstance(x, torch.Tensor):
            yield x
        elif isinstance(x, (list, tuple)):
            stack[:0] = list(x)
        elif isinstance(x, dict):
            stack[:0] = list(x.values())


def _map(fn, x):
    if isinstance(x, dict):
        return type(x)((k, _map(fn, v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    return fn(x)
