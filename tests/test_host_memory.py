"""trainers.host_memory: glibc's thresholds are raised once when a CPU model trains, so freed
activation buffers are reused instead of being handed back to the kernel and faulted in again."""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                                reason="glibc only")

_PROBE = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import torch
    import torchkeras as keras
    from torchkeras.trainers import host_memory

    def faults(n=20):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(n):
            t = torch.empty(10 << 20)  # 40 MB: above glibc's largest adaptive mmap threshold (32 MB)
            t.fill_(1.0)
            del t
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    faults(2)
    model = keras.Sequential([keras.layers.Dense(2)])
    model.build((None, 3))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    faults(2)
    print(host_memory._state["applied"], faults())
""")


def _run(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    applied, faults = out.stdout.split()[-2:]
    return applied == "True", int(faults)


def test_fit_on_cpu_raises_thresholds_and_buffers_are_reused():
    applied, faults = _run({})
    assert applied
    # 20 allocations of 10,240 pages each: without reuse every one faults all of its pages in
    assert faults < 10240


def test_opt_out_leaves_glibc_defaults():
    applied, faults = _run({"TORCHKERAS_HOST_MALLOC_TUNING": "0"})
    assert not applied
    assert faults > 10 * 10240  # glibc's default: mmap'd, returned, faulted in again


def test_user_malloc_settings_win():
    applied, _ = _run({"MALLOC_TRIM_THRESHOLD_": "1000000"})
    assert not applied
