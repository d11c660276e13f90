"""TensorBoard callback: event files in TFRecord framing, parsed here by an independent reader."""

import os
import struct
import zlib

import numpy as np
import pytest

import torchkeras as keras
from torchkeras.callbacks import tensorboard_events as te


def _crc32c_bitwise(data):  # independent of the table-driven implementation
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def _masked(data):
    crc = _crc32c_bitwise(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _fields(buf):
    """Top-level protobuf fields as (number, wire_type, value)."""
    i, out = 0, []
    while i < len(buf):
        key, i = _read_varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, i = _read_varint(buf, i)
        elif wire == 1:
            val, i = struct.unpack("<d", buf[i:i + 8])[0], i + 8
        elif wire == 5:
            val, i = struct.unpack("<f", buf[i:i + 4])[0], i + 4
        else:
            n, i = _read_varint(buf, i)
            val, i = buf[i:i + n], i + n
        out.append((num, wire, val))
    return out


def _read_varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def _events(path):
    data, i, events = open(path, "rb").read(), 0, []
    while i < len(data):
        header = data[i:i + 8]
        (n,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[i + 8:i + 12])[0] == _masked(header)
        body = data[i + 12:i + 12 + n]
        assert struct.unpack("<I", data[i + 12 + n:i + 16 + n])[0] == _masked(body)
        events.append(_fields(body))
        i += 16 + n
    return events


def _summaries(logdir):
    """{(subdir, tag): [(step, kind, payload)]} over all event files under logdir."""
    out = {}
    for dirpath, _, files in os.walk(logdir):
        for f in files:
            if not f.startswith("events.out."):
                continue
            for event in _events(os.path.join(dirpath, f)):
                step = dict((n, v) for n, _, v in event).get(2, 0)
                for n, _, summary in event:
                    if n != 5:
                        continue
                    for _, _, value in _fields(summary):
                        fields = {k: v for k, _, v in _fields(value)}
                        kind = next(k for k in (2, 4, 5, 8) if k in fields)
                        key = (os.path.basename(dirpath), fields[1].decode())
                        out.setdefault(key, []).append((step, kind, fields[kind]))
    return out


def test_crc32c_check_value():
    assert te._crc32c(b"123456789") == 0xE3069283


def test_png_is_valid():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4, 1)
    png = te._png(img)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
    raw = zlib.decompress(idat)
    rows = [raw[r * 5 + 1:(r + 1) * 5] for r in range(3)]
    assert b"".join(rows) == img.tobytes()


def _model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return m


def test_fit_writes_keras_layout(tmp_path):
    x = np.random.RandomState(0).rand(8, 4).astype("float32")
    y = np.random.RandomState(1).rand(8, 1).astype("float32")
    model = _model()
    tb = keras.callbacks.TensorBoard(str(tmp_path), update_freq=2, histogram_freq=1,
                                     write_images=True)
    h = model.fit(x, y, batch_size=2, epochs=2, validation_data=(x, y), callbacks=[tb],
                  verbose=0).history
    s = _summaries(tmp_path)
    np.testing.assert_allclose([v for _, _, v in s[("train", "epoch_loss")]], h["loss"],
                               rtol=1e-6)
    assert [st for st, _, _ in s[("train", "epoch_loss")]] == [0, 1]
    np.testing.assert_allclose([v for _, _, v in s[("validation", "epoch_loss")]],
                               h["val_loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, _, v in s[("train", "epoch_learning_rate")]], [0.1] * 2,
                               rtol=1e-6)
    assert [st for st, _, _ in s[("train", "batch_loss")]] == [2, 4, 6, 8]
    assert [st for st, _, _ in s[("validation", "evaluation_loss_vs_iterations")]] == [4, 8]
    hist = [k for k in s if k[1].endswith("/histogram")]
    assert len(hist) == 4 and all(s[k][0][1] == 5 for k in hist)
    images = [k for k in s if k[1].endswith("/image")]
    # the (1,) bias of the last layer squeezes to a scalar: no image, as in Keras
    assert len(images) == 3 and all(s[k][0][1] == 8 for k in images)
    keras_json = s[("train", "keras")][0]
    assert keras_json[1] == 8 and b"Sequential" in keras_json[2]


def test_projector_config_and_errors(tmp_path):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Embedding(5, 2, name="emb"),
                          keras.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3)), np.ones((4, 3, 1))
    tb = keras.callbacks.TensorBoard(str(tmp_path), embeddings_freq=1,
                                     embeddings_metadata={"emb": "meta.tsv"})
    m.fit(x, y, epochs=1, verbose=0, callbacks=[tb])
    assert open(tmp_path / "projector_config.pbtxt").read() == (
        'embeddings {\n  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/'
        'VARIABLE_VALUE"\n  metadata_path: "meta.tsv"\n}\n')
    assert os.path.exists(tmp_path / "train" / "keras_embedding.ckpt-0.weights.h5")
    bad = keras.callbacks.TensorBoard(str(tmp_path), embeddings_freq=1,
                                      embeddings_metadata={"nope": "m.tsv"})
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names"):
        bad.set_model(m)
    with pytest.raises(ValueError, match="profile_batch"):
        keras.callbacks.TensorBoard(str(tmp_path), profile_batch=2)
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(str(tmp_path), update_freq="often")
