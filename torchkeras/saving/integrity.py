"""Integrity of saved files: corrupted files are refused with a clear error before a parser walks them.

HDF5 files torchkeras writes (`.weights.h5`, legacy `.h5`, and the weights inside `.keras`) carry:
- Fletcher-32 checksums on every non-scalar dataset (HDF5's own filter; real Keras and h5py verify them);
- a 512-byte HDF5 user block holding a SHA-256 of the rest of the file. HDF5 readers (real Keras, h5py)
  skip the user block, so the files stay ordinary Keras files; torchkeras checks the digest before it lets
  HDF5 parse anything, because HDF5 can crash or even hang on damaged metadata.
HDF5 files without the digest (written by real Keras or h5py) are first walked in a short-lived child
process with a time limit, so a damaged one gives an error instead of hanging the caller.
`.keras` archives are checked against the zip's CRC-32s, and member names are checked before use.
"""

import hashlib
import os
import subprocess
import sys
import zipfile

USERBLOCK = 512
_MAGIC = b"TORCHKERAS-SHA256 "
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
PROBE_TIMEOUT = float(os.environ.get("TORCHKERAS_HDF5_PROBE_TIMEOUT", "60"))


class CorruptFileError(ValueError):
    """A saved file that is damaged, truncated or not what its name says."""


def h5_create_kwargs():
    """Arguments for `h5py.File(..., "w")` so `seal` can write the digest afterwards."""
    return {"userblock_size": USERBLOCK}


def dataset_kwargs(value):
    """Fletcher-32 for array datasets (HDF5 cannot checksum scalars, which are not chunked)."""
    shape = getattr(value, "shape", ())
    if len(shape) == 0 or 0 in shape or getattr(getattr(value, "dtype", None), "kind", "f") in "OSU":
        return {}
    return {"fletcher32": True}


def _digest(data):
    return hashlib.sha256(data).hexdigest().encode()


def seal_bytes(data):
    """The same file with the SHA-256 of everything after the user block written into the user block."""
    header = (_MAGIC + _digest(data[USERBLOCK:]) + b"\n").ljust(USERBLOCK, b"\0")
    return header + data[USERBLOCK:]


def seal(path):
    with open(path, "r+b") as f:
        data = f.read()
        f.seek(0)
        f.write(seal_bytes(data)[:USERBLOCK])
        f.flush()
        os.fsync(f.fileno())


def check_h5_bytes(data, where):
    """Raise CorruptFileError unless `data` is an intact HDF5 image. Returns True when a torchkeras
    digest vouched for it (no need to probe it in a child process)."""
    if len(data) < len(_HDF5_SIGNATURE):
        raise CorruptFileError(f"{where} is empty or truncated ({len(data)} bytes): it is not an HDF5 file.")
    if data.startswith(_MAGIC):
        line = data[:USERBLOCK].split(b"\n", 1)[0]
        stored = line[len(_MAGIC):]
        if len(data) <= USERBLOCK or data[USERBLOCK:USERBLOCK + 8] != _HDF5_SIGNATURE:
            raise CorruptFileError(f"{where} is truncated or damaged: the HDF5 data after its header is missing.")
        if stored != _digest(data[USERBLOCK:]):
            raise CorruptFileError(
                f"{where} is corrupted: its SHA-256 checksum does not match its contents (the file was damaged or "
                "modified after it was saved). Restore it from a backup or save the model again.")
        return True
    at_block = data[USERBLOCK:USERBLOCK + 8] == _HDF5_SIGNATURE
    if at_block and not data.startswith(_HDF5_SIGNATURE) and data[:USERBLOCK].rstrip(b"\0"):
        # HDF5 after a user block that is not (or no longer) a valid torchkeras header.
        raise CorruptFileError(f"{where} is corrupted: its checksum header is damaged.")
    if not (data.startswith(_HDF5_SIGNATURE) or at_block):
        raise CorruptFileError(f"{where} is not an HDF5 file (no HDF5 signature): it is truncated, corrupted or "
                               "in another format.")
    return False


def check_h5_file(path):
    with open(path, "rb") as f:
        data = f.read()
    if not check_h5_bytes(data, f"The file {path!r}"):
        probe_h5(data, f"The file {path!r}")


_PROBE = r"""
import io, sys, h5py
data = sys.stdin.buffer.read()
with h5py.File(io.BytesIO(data), "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            obj.shape, obj.dtype
        dict(obj.attrs)
    f.visititems(visit)
    dict(f.attrs)
"""


def probe_h5(data, where):
    """Walk an HDF5 image's metadata in a child process with a time limit (files with no torchkeras digest)."""
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE], input=data, capture_output=True,
                              timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise CorruptFileError(f"{where} is corrupted: HDF5 did not finish reading its structure within "
                               f"{PROBE_TIMEOUT:g} s (damaged metadata can make HDF5 loop forever).") from e
    if proc.returncode != 0:
        last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["HDF5 crashed"])[-1]
        raise CorruptFileError(f"{where} is corrupted: HDF5 cannot read its structure ({last[:300]}).")


_MAX_MEMBER_NAME = 512


def check_zip(path_or_file, where):
    """CRC-32 of every member, and member names that stay inside the archive's own tree."""
    try:
        with zipfile.ZipFile(path_or_file, "r") as zf:
            for info in zf.infolist():
                name = info.filename
                if (len(name) > _MAX_MEMBER_NAME or name.startswith(("/", "\\")) or ".." in name.replace("\\", "/")
                        .split("/") or ":" in name or "\0" in name):
                    raise CorruptFileError(f"{where} holds a member with an unsafe or oversized name "
                                           f"({name[:80]!r}): refusing to read it.")
            bad = zf.testzip()
    except CorruptFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError, OverflowError, UnicodeDecodeError) as e:
        raise CorruptFileError(f"{where} is not a readable `.keras` zip archive ({type(e).__name__}: {e}): it "
                               "is truncated or corrupted.") from e
    if bad is not None:
        raise CorruptFileError(f"{where} is corrupted: the zip member {bad!r} fails its CRC-32 check.")
