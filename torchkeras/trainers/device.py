"""Where a compiled model trains: Keras places variables on the accelerator when there is one;
torchkeras moves the model there in `compile()`.

Override, most specific first:
* move the model yourself (`model.to("cuda:1")`, or any non-CPU device) before `compile()`: it stays;
* `model.to(...)` after `compile()`: fit/evaluate/predict follow the model's parameters;
* the environment variable `TORCHKERAS_DEVICE` ("cpu", "cuda", "cuda:1", ...) picks the default;
* `CUDA_VISIBLE_DEVICES=""` hides the GPUs from torch altogether.
Batches always go to the model's device; predict returns numpy arrays on the host.
"""

import os

import torch


def default_device():
    """The device a CPU-resident model moves to at compile time, or None to leave it."""
    choice = os.environ.get("TORCHKERAS_DEVICE", "").strip()
    if choice:
        try:
            return torch.device(choice)
        except RuntimeError as e:
            raise ValueError(f"TORCHKERAS_DEVICE={choice!r} is not a torch device name; expected "
                             "e.g. 'cpu', 'cuda' or 'cuda:1'.") from e
    if torch.cuda.is_available():
        return torch.device("cuda")
    return None


def place_model(model):
    """Move a model whose tensors all live on the CPU to the default device (compile time)."""
    target = default_device()
    if target is None or target.type == "cpu":
        return
    tensors = list(model.parameters()) + list(model.buffers())
    if not tensors or any(t.device.type != "cpu" for t in tensors):
        return  # unbuilt (built later on its first batch) or placed by the user: leave it
    model.to(target)
    if hasattr(model, "_device_cache"):
        model._device_cache = None
