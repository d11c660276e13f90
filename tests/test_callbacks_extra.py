"""SwapEMAWeights, RemoteMonitor (against a local HTTP server), TerminateOnNaN(raise_error),
OrbaxCheckpoint's refusal and the Keras monitor ops."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

import torchkeras as keras
from torchkeras import callbacks


def _model(optimizer="sgd"):
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")


def test_terminate_on_nan_raise_error():
    x, y = _data()
    y[3] = np.nan
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        _model().fit(x, y, batch_size=4, verbose=0,
                     callbacks=[callbacks.TerminateOnNaN(raise_error=True)])
    history = _model().fit(x, y, batch_size=4, epochs=3, verbose=0,
                           callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1


def test_swap_ema_weights_evaluates_with_the_average():
    x, y = _data()
    model = _model(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    opt = model.optimizer
    for p in opt._params:  # fit ends with the averages copied in: make them differ again
        opt.state[p]["average"].add_(1.0)
    raw = [w.copy() for w in model.get_weights()]
    ema = [opt.state[p]["average"].clone() for p in opt._params]
    swap = callbacks.SwapEMAWeights()
    swap.set_model(model)
    swap.on_test_begin()
    assert any(not np.allclose(a, b) for a, b in zip(model.get_weights(), raw))
    swapped = sorted(float(np.asarray(w).sum()) for w in model.get_weights())
    assert np.allclose(swapped, sorted(float(e.sum()) for e in ema), rtol=1e-5)
    swap.on_test_end()
    for a, b in zip(model.get_weights(), raw):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="use_ema=True"):
        plain = _model()
        plain.fit(x, y, verbose=0, epochs=1)
        cb = callbacks.SwapEMAWeights()
        cb.set_model(plain)
        cb.on_test_begin()


def test_swap_ema_weights_in_fit_on_epoch():
    x, y = _data()
    model = _model(keras.optimizers.SGD(0.1, use_ema=True))
    model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0,
              callbacks=[callbacks.SwapEMAWeights(swap_on_epoch=True)])
    opt = model.optimizer
    for p in opt._params:  # the EMA weights are in the model at the end, and finalized
        np.testing.assert_array_equal(p.detach().numpy(), opt.state[p]["average"].numpy())


class _Recorder(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 (http.server's API)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        _Recorder.received.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.received = []
    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_form_and_json(server):
    x, y = _data()
    _model().fit(x, y, epochs=2, verbose=0,
                 callbacks=[callbacks.RemoteMonitor(root=server, path="/epoch")])
    assert [r[0] for r in _Recorder.received] == ["/epoch", "/epoch"]
    form = urllib.parse.parse_qs(_Recorder.received[1][2])
    payload = json.loads(form["data"][0])
    assert payload["epoch"] == 1 and isinstance(payload["loss"], float)
    _Recorder.received = []
    cb = callbacks.RemoteMonitor(root=server, path="/j", send_as_json=True,
                                 headers={"X-Test": "1"})
    cb.on_epoch_end(4, {"loss": np.float32(0.5)})
    path, ctype, body = _Recorder.received[0]
    assert path == "/j" and ctype == "application/json"
    assert json.loads(body) == {"epoch": 4, "loss": 0.5}


def test_remote_monitor_unreachable_server_warns():
    cb = callbacks.RemoteMonitor(root="http://127.0.0.1:9", path="/x")
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_orbax_checkpoint_refuses_and_monitor_ops_are_keras_ops():
    with pytest.raises(ImportError, match="orbax"):
        callbacks.OrbaxCheckpoint("/tmp/ckpt")
    x, y = _data()
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=0)
    _model().fit(x, y, validation_data=(x, y), epochs=1, verbose=0, callbacks=[stop])
    assert stop.monitor_op is keras.ops.less
