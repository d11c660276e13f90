"""TensorBoard event files written directly (the `tensorboard` package is optional): TFRecord framing
with masked CRC-32C, and the few protobuf messages summaries need, encoded by hand. Scalars are
`simple_value`s and histograms `HistogramProto`s, as torch's SummaryWriter (which torchkeras's
TensorBoard callback uses) writes them."""

import os
import socket
import struct
import time
import zlib

import numpy as np

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def f_varint(field, n):
    return _key(field, 0) + _varint(int(n))


def f_double(field, x):
    return _key(field, 1) + struct.pack("<d", float(x))


def f_float(field, x):
    return _key(field, 5) + struct.pack("<f", float(x))


def f_bytes(field, data):
    data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return _key(field, 2) + _varint(len(data)) + data


def f_packed_doubles(field, values):
    return f_bytes(field, b"".join(struct.pack("<d", float(v)) for v in values))


def plugin_metadata(plugin, content=b"", description=None):
    meta = f_bytes(1, f_bytes(1, plugin) + (f_bytes(2, content) if content else b""))
    if description:
        meta += f_bytes(3, description)
    return meta


def scalar_value(tag, value):
    return f_bytes(1, tag) + f_float(2, value)


def histogram_value(tag, values, buckets=None):
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    counts, edges = np.histogram(v, bins=buckets or 30) if v.size else (np.zeros(0), np.zeros(1))
    histo = (f_double(1, v.min() if v.size else 0) + f_double(2, v.max() if v.size else 0) + f_double(3, v.size)
             + f_double(4, v.sum()) + f_double(5, np.square(v).sum()) + f_packed_doubles(6, edges[1:])
             + f_packed_doubles(7, counts))
    return f_bytes(1, tag) + f_bytes(5, histo)


def png(image):
    """PNG bytes of an HxWxC uint8 array (C in 1, 3, 4)."""
    h, w, c = image.shape
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    color = {1: 0, 3: 2, 4: 6}[c]
    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


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


class EventFileWriter:
    """Appends Event records to `logdir/events.out.tfevents.<time>.<host>.<pid>[suffix]`."""

    _uid = 0

    def __init__(self, logdir, filename_suffix=""):
        os.makedirs(logdir, exist_ok=True)
        EventFileWriter._uid += 1
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}."
                f"{EventFileWriter._uid}{filename_suffix or ''}")
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "wb")
        self._write_event(f_bytes(3, "brain.Event:2"))
        self.flush()

    def _write_event(self, body, wall_time=None):
        data = f_double(1, wall_time or time.time()) + body
        header = struct.pack("<Q", len(data))
        self._file.write(header + struct.pack("<I", masked_crc(header)) + data + struct.pack("<I", masked_crc(data)))

    def add_values(self, values, step):
        self._write_event(f_varint(2, step) + f_bytes(5, b"".join(f_bytes(1, v) for v in values)))

    def flush(self):
        if not self._file.closed:
            self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()


def read_events(path):
    """Records of an event file as raw Event bytes (for tests and debugging)."""
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
