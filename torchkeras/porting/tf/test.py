"""tf.test: device queries answered by torch."""

import torch

from torchkeras.porting.tf._core import namespace_getattr

__getattr__ = namespace_getattr("tf.test")


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    if not torch.cuda.is_available():
        return False
    if min_cuda_compute_capability is not None:
        return torch.cuda.get_device_capability(0) >= tuple(min_cuda_compute_capability)
    return True


def is_built_with_cuda():
    return torch.backends.cuda.is_built()


def is_built_with_gpu_support():
    return torch.backends.cuda.is_built()


def gpu_device_name():
    return "/device:GPU:0" if torch.cuda.is_available() else ""
