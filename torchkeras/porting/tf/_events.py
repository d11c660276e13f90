"""`tf.summary`'s event records. The framing, the protobuf encoding, scalars and PNG come from the
TensorBoard callback's writer (`torchkeras.callbacks.tensorboard_events`); what only `tf.summary`
writes (histograms with given buckets, single images, text tensors) is encoded here, plus a reader
for tests and debugging."""

import struct

import numpy as np

from torchkeras.callbacks.tensorboard_events import (
    EventFileWriter,  # noqa: F401  (tf.summary's writer)
    scalar_value,  # noqa: F401
)
from torchkeras.callbacks.tensorboard_events import _bytes as f_bytes
from torchkeras.callbacks.tensorboard_events import _crc32c as crc32c  # noqa: F401
from torchkeras.callbacks.tensorboard_events import _double as f_double
from torchkeras.callbacks.tensorboard_events import _int as f_varint
from torchkeras.callbacks.tensorboard_events import _masked_crc as masked_crc
from torchkeras.callbacks.tensorboard_events import _png as png


def f_packed_doubles(field, values):
    return f_bytes(field, b"".join(struct.pack("<d", float(v)) for v in values))


def plugin_metadata(plugin, content=b"", description=None):
    meta = f_bytes(1, f_bytes(1, plugin) + (f_bytes(2, content) if content else b""))
    if description:
        meta += f_bytes(3, description)
    return meta


def histogram_value(tag, values, buckets=None):
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    counts, edges = np.histogram(v, bins=buckets or 30) if v.size else (np.zeros(0), np.zeros(1))
    histo = (f_double(1, v.min() if v.size else 0) + f_double(2, v.max() if v.size else 0) + f_double(3, v.size)
             + f_double(4, v.sum()) + f_double(5, np.square(v).sum()) + f_packed_doubles(6, edges[1:])
             + f_packed_doubles(7, counts))
    return f_bytes(1, tag) + f_bytes(5, histo)


def image_value(tag, image):
    h, w, c = image.shape
    img = f_varint(1, h) + f_varint(2, w) + f_varint(3, c) + f_bytes(4, png(image))
    return f_bytes(1, tag) + f_bytes(4, img)


def text_value(tag, strings, description=None):
    arr = np.asarray(strings, dtype=object)
    shape = b"".join(f_bytes(2, f_varint(1, d)) for d in arr.shape)
    tensor = f_varint(1, 7) + f_bytes(2, shape) + b"".join(
        f_bytes(8, s if isinstance(s, bytes) else str(s).encode()) for s in arr.reshape(-1))
    return f_bytes(1, tag) + f_bytes(9, plugin_metadata("text", description=description)) + f_bytes(8, tensor)


def read_events(path):
    """Records of an event file as raw Event bytes."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack("<Q", data[pos:pos + 8])
        if struct.unpack("<I", data[pos + 8:pos + 12])[0] != masked_crc(data[pos:pos + 8]):
            raise ValueError(f"Corrupt record header at byte {pos} of {path}.")
        body = data[pos + 12:pos + 12 + n]
        if struct.unpack("<I", data[pos + 12 + n:pos + 16 + n])[0] != masked_crc(body):
            raise ValueError(f"Corrupt record at byte {pos} of {path}.")
        out.append(body)
        pos += 16 + n
    return out
