"""Blob names (docs/protocol.md §12), the Python twin of VibeSync.Protocol.Blobs.BlobId: heavy
content is a typed little-endian array named by SHA-256 over an 11-byte header and the payload —
a float array by its quantized values (§3), so float32 storage in either engine has one name;
integers and encoded images by their bytes. Standard library only; inside Blender, numpy (bundled
with it) hashes a million floats in milliseconds, and the pure-Python path gives the same names."""

import hashlib
import struct
import sys
import threading
from array import array
from collections import namedtuple

from .quantize import MAX_MAGNITUDE, SCALE

TAG = 0x20
F32, U32, U16, U8 = 1, 2, 3, 4
VALUE_SIZE = {F32: 4, U32: 4, U16: 2, U8: 1}
MAX_COMPONENTS = 16
_CHUNK = 65536

try:  # Blender bundles numpy; the system Python here may not have it
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the interpreter
    _np = None


BlobShape = namedtuple("BlobShape", "element components count")
BlobShape.__doc__ = "What a blob's bytes are: ``count`` elements of ``components`` values of ``element`` (F32, U32, U16, U8)."
BlobShape.byte_length = property(lambda s: s.count * s.components * VALUE_SIZE[s.element])


class BlobFormatError(ValueError):
    """The bytes or shape of a blob are not what its name or kind say; ``field`` names what."""

    def __init__(self, field, reason):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def header(element, components, count):
    return struct.pack("<BBBQ", TAG, element, components, count)


def check_shape(element, components, count):
    if element not in VALUE_SIZE:
        raise BlobFormatError("element", f"unknown element type {element}")
    if not 1 <= components <= MAX_COMPONENTS:
        raise BlobFormatError("components", f"expected 1–{MAX_COMPONENTS}, got {components}")
    if count < 0:
        raise BlobFormatError("count", f"out of range: {count}")


def blob_id(element, components, count, payload, use_numpy=True):
    """The name (64 lowercase hex digits) of the blob whose stored little-endian bytes are ``payload``."""
    check_shape(element, components, count)
    expected = count * components * VALUE_SIZE[element]
    if len(payload) != expected:
        raise BlobFormatError("length", f"{len(payload)} bytes, but {count} × {components} values take {expected}")
    sha = hashlib.sha256(header(element, components, count))
    if element != F32:
        sha.update(payload)
    elif use_numpy and _np is not None:
        _quantized_numpy(sha, payload)
    else:
        _quantized_python(sha, payload)
    return sha.hexdigest()


def float_blob(values, components):
    """(id, shape, bytes) of a float array (any iterable of reals, rounded to float32), ready for a sink."""
    data = array("f", values)
    if len(data) % components:
        raise BlobFormatError("length", f"{len(data)} values are not whole elements of {components}")
    shape = BlobShape(F32, components, len(data) // components)
    payload = _le(data)
    return blob_id(*shape, payload), shape, payload


def index_blob(indices):
    """(id, shape, bytes) of a u32 index array."""
    data = array("I", indices)
    shape = BlobShape(U32, 1, len(data))
    payload = _le(data)
    return blob_id(*shape, payload), shape, payload


def u8_blob(data):
    """(id, shape, bytes) of a byte array: an encoded image file as its file holds it (C#: BlobId.OfBytes)."""
    payload = bytes(data)
    shape = BlobShape(U8, 1, len(payload))
    return blob_id(*shape, payload), shape, payload


class MemoryBlobs:
    """Blobs held in memory by id: a sink (``put``) and a source (``get``/``has``). Thread-safe.

    The twin of C#'s BlobMemory; the link's BlobCache offers the same ``put``/``get``/``has``, so either
    can be given to the scene reader as the place where the inline mesh form's blobs go."""

    def __init__(self):
        self._blobs = {}
        self._lock = threading.Lock()

    def put(self, blob, shape, data):
        shape = BlobShape(*shape)
        if len(data) != shape.byte_length:
            raise BlobFormatError("length", f"{len(data)} bytes, but the shape takes {shape.byte_length}")
        with self._lock:
            self._blobs.setdefault(blob, (shape, bytes(data)))

    def get(self, blob):
        """(shape, memoryview) or None."""
        with self._lock:
            held = self._blobs.get(blob)
        return None if held is None else (held[0], memoryview(held[1]))

    def has(self, blob):
        with self._lock:
            return blob in self._blobs

    def ids(self):
        with self._lock:
            return set(self._blobs)

    def __len__(self):
        return len(self._blobs)


def folder_of(scene_file):
    """The blob folder beside a scene JSON file: ``FILE.blobs/`` (C#: BlobFolder.DirectoryOf)."""
    return scene_file + ".blobs"


def read_folder(directory):
    """The blobs of ``directory`` (one file per blob: its 11-byte header, then its bytes, named by its
    id; none when the folder does not exist) as MemoryBlobs, each checked against its name."""
    import os
    blobs = MemoryBlobs()
    if not os.path.isdir(directory):
        return blobs
    for name in sorted(os.listdir(directory)):
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            continue
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        if len(data) < 11 or data[0] != 0x20:
            raise BlobFormatError(name, "not a blob file")
        element, components, count = data[1], data[2], struct.unpack_from("<Q", data, 3)[0]
        payload = memoryview(data)[11:]
        if blob_id(element, components, count, payload) != name:
            raise BlobFormatError(name, "its bytes do not hash to its name")
        blobs.put(name, (element, components, count), payload)
    return blobs

def floats_id(values, components):
    """The name of a float array (any iterable of reals, stored as float32) of ``components`` per element."""
    data = array("f", values)
    if len(data) % components:
        raise BlobFormatError("length", f"{len(data)} values are not whole elements of {components}")
    return blob_id(F32, components, len(data) // components, _le(data))


def indices_id(indices):
    data = array("I", indices)
    return blob_id(U32, 1, len(data), _le(data))


def bytes_id(data):
    return blob_id(U8, 1, len(data), bytes(data))


def _le(data):
    if sys.byteorder != "little":
        data = array(data.typecode, data)
        data.byteswap()
    return data.tobytes()


def quantize_into(sha, payload, use_numpy=True, base=0):
    """Appends the quantized values of float32 bytes to ``sha``; a bad value is named ``value[base + i]``
    (the link's incremental naming passes where its piece starts)."""
    (_quantized_numpy if use_numpy and _np is not None else _quantized_python)(sha, payload, base)


def _quantized_python(sha, payload, base=0):
    floats = array("f")
    floats.frombytes(payload)
    if sys.byteorder != "little":
        floats.byteswap()
    out = array("q")
    for i, v in enumerate(floats):
        if v != v or abs(v) > MAX_MAGNITUDE:
            raise BlobFormatError(f"value[{base + i}]", "not a finite real within ±1e12")
        out.append(int(round(v * SCALE)))
        if len(out) == _CHUNK:
            sha.update(_le(out))
            out = array("q")
    sha.update(_le(out))


def _quantized_numpy(sha, payload, base=0):
    # One float64 copy, scaled and rounded in place; the range check is two reductions (a NaN makes
    # both NaN, so it fails the comparison), the per-value mask only once a bad value is known.
    floats = _np.frombuffer(payload, dtype="<f4").astype(_np.float64)
    if len(floats) and not (floats.max() <= MAX_MAGNITUDE and -floats.min() <= MAX_MAGNITUDE):
        bad = ~_np.isfinite(floats) | (_np.abs(floats) > MAX_MAGNITUDE)
        raise BlobFormatError(f"value[{base + int(_np.argmax(bad))}]", "not a finite real within ±1e12")
    _np.multiply(floats, SCALE, out=floats)
    _np.rint(floats, out=floats)
    sha.update(floats.astype("<i8"))
