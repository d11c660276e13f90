import pytest
import torch

import torchkeras


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with Keras's name counters reset (as keras.backend.clear_session)."""
    torchkeras.clear_session()
    torch.manual_seed(0)
    yield
