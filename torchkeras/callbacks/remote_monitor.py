import json
import warnings

import numpy as np

from .callback import Callback


class RemoteMonitor(Callback):
    """POST each epoch's logs to `root + path`: as a form field `field` holding the JSON
    (default) or as a JSON body (`send_as_json=True`). An unreachable server only warns."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        try:
            import requests
        except ImportError:  # pragma: no cover - requests ships with the test environment
            raise ImportError("RemoteMonitor requires the `requests` library.") from None
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            if isinstance(value, (np.ndarray, np.generic)):
                value = value.item()
            elif hasattr(value, "item") and getattr(value, "numel", lambda: 0)() == 1:
                value = value.item()  # a torch scalar
            send[key] = value
        try:
            if self.send_as_json:
                requests.post(self.root + self.path, json=send, headers=self.headers)
            else:
                requests.post(self.root + self.path, {self.field: json.dumps(send)},
                              headers=self.headers)
        except requests.exceptions.RequestException:
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
