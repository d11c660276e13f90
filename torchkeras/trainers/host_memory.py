"""Host-memory reuse for CPU training (glibc only).

A CPU train step allocates and frees the same activation-sized buffers every batch (a 128-image
batch of 26x26x32 feature maps is 11 MB). glibc hands blocks above its mmap threshold (adaptive,
at most 32 MB) straight back to the kernel, and trims the top of the heap when more than twice
that is free, so the next step gets fresh pages and pays a page fault for each 4 KB of them:
measured on a CNN fit, about 10,000 faults and 25-30% of the step's CPU time. `tune()` raises the
two thresholds once per process (TF and torch's CUDA path keep their own caching allocators for
the same reason); freed activations then stay in the heap and the next step reuses them.

The cost is that the process keeps up to TRIM_THRESHOLD bytes of freed memory instead of
returning it. Set the environment variable `TORCHKERAS_HOST_MALLOC_TUNING=0` to leave glibc's
defaults; setting any `MALLOC_*_` variable glibc reads, or preloading another allocator, also
leaves it alone.
"""

import ctypes
import os
import platform
import sys

ENV = "TORCHKERAS_HOST_MALLOC_TUNING"
MMAP_THRESHOLD = 256 << 20  # blocks up to this size come from the reusable heap
TRIM_THRESHOLD = 1 << 30  # free heap kept for reuse before glibc gives memory back
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # <malloc.h>

_state = {"done": False, "applied": False}


def _wanted():
    if os.environ.get(ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    if any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                     "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")):
        return False  # the user tuned glibc already
    preload = os.environ.get("LD_PRELOAD", "")
    return not any(name in preload for name in ("jemalloc", "tcmalloc", "mimalloc"))


def tune():
    """Raise glibc's mmap and trim thresholds once per process; True when they were set."""
    if _state["done"]:
        return _state["applied"]
    _state["done"] = True
    if not _wanted():
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        ok = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    except (OSError, AttributeError):
        return False
    _state["applied"] = ok
    return ok


def tune_for(model):
    """`tune()` when the model trains on the host (its parameters live on the CPU)."""
    if _state["done"]:
        return
    for p in model.parameters():
        if p.device.type == "cpu":
            tune()
        return
