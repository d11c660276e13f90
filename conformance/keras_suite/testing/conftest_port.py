"""What Keras's test files import from Keras's repository-root `conftest.py` (absent from the sdist),
served as the module `conftest` in suite processes."""

import pytest

import torchkeras


def skip_if_backend(given_backend, reason):
    """A skip marker for tests that do not apply to `given_backend` (torchkeras's backend is torch)."""
    return pytest.mark.skipif(torchkeras.backend.backend() == given_backend, reason=reason)
