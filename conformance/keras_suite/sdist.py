"""Keras's own unit tests: the keras sdist, downloaded once into a cache outside the repository.

The cache is `~/.cache/torchkeras/keras-<version>/` (or `$TORCHKERAS_SUITE_CACHE`): it holds the
extracted sdist (`keras-<version>/keras/src/...`) and the API map (`apimap.json`). A failed download
raises SdistUnavailable: the suite cannot run without the tests it measures, which is a failure.
"""

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

KERAS_VERSION = "3.15.1"
# Parts of Keras that torchkeras does not aim at: other backends, test helpers, Keras 2 shims,
# pretrained applications, SavedModel/ONNX export and multi-device distribution.
OUT_OF_SCOPE = ("backend", "testing", "legacy", "applications", "export", "distribution")


class SdistUnavailable(RuntimeError):
    """The keras sdist could not be downloaded or extracted."""


def cache_dir():
    root = os.environ.get("TORCHKERAS_SUITE_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "torchkeras" / f"keras-{KERAS_VERSION}"
    base.mkdir(parents=True, exist_ok=True)
    return base


def sdist_root():
    """The extracted sdist (the folder holding `keras/src`), downloading it when absent."""
    root = cache_dir() / f"keras-{KERAS_VERSION}"
    if (root / "keras" / "src" / "layers").is_dir():
        return root
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               f"keras=={KERAS_VERSION}", "-d", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        archives = list(Path(tmp).glob(f"keras-{KERAS_VERSION}.tar.gz"))
        if proc.returncode != 0 or not archives:
            raise SdistUnavailable(
                f"Could not download the keras {KERAS_VERSION} sdist (`{' '.join(cmd)}` exited "
                f"{proc.returncode}: {proc.stderr.strip()[-500:]}). The Keras suite needs Keras's own "
                f"tests; check network access, or extract the sdist by hand into {cache_dir()}.")
        with tarfile.open(archives[0]) as tar:
            tar.extractall(cache_dir(), filter="data")
    if not (root / "keras" / "src" / "layers").is_dir():
        raise SdistUnavailable(f"The keras sdist extracted into {cache_dir()} has no keras/src/layers.")
    return root


def in_scope(rel):
    """Whether `rel` (a path under keras/src, such as `layers/core/dense_test.py`) is measured."""
    parts = Path(rel).parts
    return bool(parts) and parts[0] not in OUT_OF_SCOPE and parts[-1].endswith("_test.py")


def all_test_files(root=None):
    src = (root or sdist_root()) / "keras" / "src"
    return sorted(str(p.relative_to(src)) for p in src.rglob("*_test.py") if in_scope(p.relative_to(src)))


# Keras's tests import some third-party packages at module level (jax, grain, pandas) that a
# torch environment may lack. `install_test_deps` puts them in the cache with `pip --target`; the
# suite processes append that folder to sys.path, so the environment's own versions always win.
TEST_DEPS = ("jax[cpu]", "grain", "pandas", "scikit-learn")


def test_deps_dir():
    return cache_dir() / "extra-deps"


def install_test_deps():
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--target", str(test_deps_dir()), *TEST_DEPS]
    if subprocess.run(cmd).returncode != 0:
        raise SdistUnavailable(f"`{' '.join(cmd)}` failed: Keras's test dependencies could not be installed.")


def add_test_deps_path():
    path = str(test_deps_dir())
    if test_deps_dir().is_dir() and path not in sys.path:
        sys.path.append(path)
