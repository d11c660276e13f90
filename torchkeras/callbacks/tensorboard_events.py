"""A dependency-free TensorBoard event-file writer (TFRecord framing of `Event` protobufs).

Keras's TensorBoard callback writes through `tf.summary`; torchkeras must not need TensorFlow or
the `tensorboard` package, so the few messages the callback emits (scalars, histograms, images,
the Keras model JSON) are hand-encoded here in the wire format TensorBoard reads.
"""

import os
import socket
import struct
import time
import zlib

import numpy as np


def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def _crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data):
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# -- protobuf wire format ------------------------------------------------------------------------
def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def _bytes(field, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _key(field, 2) + _varint(len(data)) + data


def _int(field, n):
    return _key(field, 0) + _varint(int(n))


def _double(field, x):
    return _key(field, 1) + struct.pack("<d", float(x))


def _float(field, x):
    return _key(field, 5) + struct.pack("<f", float(x))


def _packed_doubles(field, values):
    return _bytes(field, struct.pack(f"<{len(values)}d", *values))


def _metadata(plugin_name, content=b""):
    # SummaryMetadata.plugin_data (PluginData: plugin_name=1, content=2)
    return _bytes(1, _bytes(1, plugin_name) + (_bytes(2, content) if content else b""))


# -- summary values ------------------------------------------------------------------------------
def scalar_value(tag, value):
    return _bytes(1, tag) + _float(2, value)


def histogram_value(tag, values, bins=30):
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        values = np.zeros(1)
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    histo = (_double(1, values.min()) + _double(2, values.max()) + _double(3, values.size)
             + _double(4, values.sum()) + _double(5, np.square(values).sum())
             + _packed_doubles(6, [float(e) for e in edges[1:]])
             + _packed_doubles(7, [float(c) for c in counts]))
    return _bytes(1, tag) + _bytes(5, histo)


def _png(image):
    """8-bit PNG of an (H, W, C) uint8 array, C in 1 (gray), 3 (RGB) or 4 (RGBA)."""
    h, w, c = image.shape
    color_type = {1: 0, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def image_value(tag, images, max_outputs=3):
    """`tf.summary.image`'s format: a string tensor [width, height, png...] of the "images"
    plugin. Float images are taken to be in [0, 1], as tf.summary.image does."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = (np.clip(images.astype(np.float64), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    images = images[:max_outputs]
    h, w = images.shape[1], images.shape[2]
    strings = [str(w).encode(), str(h).encode()] + [_png(img) for img in images]
    shape = _bytes(2, _int(1, len(strings)))  # TensorShapeProto.dim { size }
    tensor = _int(1, 7) + _bytes(2, shape) + b"".join(_bytes(8, s) for s in strings)
    return _bytes(1, tag) + _bytes(8, tensor) + _bytes(9, _metadata("images"))


def text_tensor_value(tag, text, plugin_name, content=b""):
    """A scalar string tensor summary (how Keras writes the model JSON, plugin
    "graph_keras_model")."""
    tensor = _int(1, 7) + _bytes(2, b"") + _bytes(8, text)
    return _bytes(1, tag) + _bytes(8, tensor) + _bytes(9, _metadata(plugin_name, content))


class EventFileWriter:
    """Appends Events to `logdir/events.out.tfevents.<time>.<host>.<pid>.<n><suffix>`."""

    _count = 0

    def __init__(self, logdir, filename_suffix=".v2"):
        os.makedirs(logdir, exist_ok=True)
        EventFileWriter._count += 1
        name = (f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}."
                f"{os.getpid()}.{EventFileWriter._count}{filename_suffix or ''}")
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "ab")
        self._write_event(_double(1, time.time()) + _bytes(3, "brain.Event:2"))

    def _write_event(self, event):
        header = struct.pack("<Q", len(event))
        self._file.write(header + struct.pack("<I", _masked_crc(header)) + event
                         + struct.pack("<I", _masked_crc(event)))

    def add_values(self, values, step):
        summary = b"".join(_bytes(1, v) for v in values)
        self._write_event(_double(1, time.time()) + _int(2, step) + _bytes(5, summary))

    def add_scalar(self, tag, value, step):
        self.add_values([scalar_value(tag, value)], step)

    def flush(self):
        if not self._file.closed:
            self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()
