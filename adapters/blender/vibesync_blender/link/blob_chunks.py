"""Blob transfer on the link (docs/protocol.md §12.2), the Python twin of
VibeSync.Protocol.Blobs.{BlobChunk, BlobHasher, BlobAssembler} and Link.BlobMessages: the binary
BLOB_CHUNK codec, the pieces a sender cuts a blob into, the receiver's assembler (chunks only of
wanted blobs, in order, within the limits, named as they arrive and verified before use), the
BLOB_WANT / BLOB_GONE payloads, and where a message names blobs. testdata/blob_chunk_vectors.json
pins both. Standard library only; numpy (bundled with Blender) quantizes faster when present.

BLOB_CHUNK payload (binary, not JSON)
 0          32                 43         51
 +----------+------------------+----------+--------------------+
 | id       | blob header      | offset   | data               |
 | 32 bytes | 11 bytes (§12)   | u64 LE   | ≤ chunk_bytes      |
 +----------+------------------+----------+--------------------+
"""

import hashlib
import struct

from ..protocol.blobs import F32, MAX_COMPONENTS, TAG, VALUE_SIZE, BlobFormatError, BlobShape, header, quantize_into
from .blobs import _is_blob_id

HEADER_SIZE = 32 + 11 + 8
DEFAULT_CHUNK_BYTES = 1 << 20
MAX_BLOBS = 4096  # most blobs one BLOB_WANT or BLOB_GONE lists

MALFORMED = "MALFORMED"
CHUNK_ORDER = "BLOB_CHUNK_ORDER"
TOO_LARGE = "BLOB_TOO_LARGE"
CORRUPT = "BLOB_CORRUPT"
MISSING = "BLOB_MISSING"


class BlobTransferError(Exception):
    """A transfer refused; ``code`` is the wire code, ``blob`` the blob concerned (or None)."""

    def __init__(self, code, blob, message):
        super().__init__(message)
        self.code = code
        self.blob = blob


class Chunk:
    __slots__ = ("blob", "shape", "offset", "data")

    def __init__(self, blob, shape, offset, data):
        self.blob, self.shape, self.offset, self.data = blob, shape, offset, data


def encode_chunk(blob, shape, offset, data):
    """A BLOB_CHUNK payload (bytes)."""
    if not _is_blob_id(blob):
        raise ValueError(f"{blob!r} is not a blob name (64 lowercase hex digits)")
    return b"".join((bytes.fromhex(blob), header(*shape), struct.pack("<Q", offset), bytes(data)))


def decode_chunk(payload, max_chunk_bytes=DEFAULT_CHUNK_BYTES):
    """Reads a BLOB_CHUNK payload; ``data`` is a memoryview of it. Raises BlobTransferError
    (MALFORMED, or BLOB_TOO_LARGE for more data than ``max_chunk_bytes``)."""
    view = memoryview(payload).cast("B")
    if len(view) < HEADER_SIZE:
        raise BlobTransferError(MALFORMED, None, f"a BLOB_CHUNK payload has at least {HEADER_SIZE} bytes, this one {len(view)}")
    blob = view[:32].hex()
    tag, element, components, count, offset = struct.unpack_from("<BBBQQ", view, 32)
    if tag != TAG:
        raise BlobTransferError(MALFORMED, blob, f"blob {blob}: the chunk's blob header starts 0x{tag:02x}, not 0x{TAG:02x}")
    if count >= 1 << 63 or offset >= 1 << 63:
        raise BlobTransferError(MALFORMED, blob, f"blob {blob}: count or offset out of range")
    if element not in VALUE_SIZE or not 1 <= components <= MAX_COMPONENTS:
        field = "element" if element not in VALUE_SIZE else "components"
        raise BlobTransferError(MALFORMED, blob, f"blob {blob}: {field}: out of range")
    data = view[HEADER_SIZE:]
    if len(data) > max_chunk_bytes:
        raise BlobTransferError(TOO_LARGE, blob, f"blob {blob}: a chunk carries at most {max_chunk_bytes:,} data bytes (limits.chunk_bytes), this one {len(data):,}")
    return Chunk(blob, BlobShape(element, components, count), offset, data)


def spans(byte_length, start, chunk_bytes):
    """(offset, length) pieces a sender cuts a blob into from ``start`` on, each ≤ chunk_bytes; an empty blob is one empty chunk."""
    if chunk_bytes < 1 or not 0 <= start <= byte_length:
        raise ValueError(f"offset {start} is outside a blob of {byte_length} bytes")
    if byte_length == 0:
        return [(0, 0)]
    return [(at, min(chunk_bytes, byte_length - at)) for at in range(start, byte_length, chunk_bytes)]


class BlobHasher:
    """Names a blob from its stored bytes given in pieces, in order: the same name as protocol.blobs.blob_id."""

    def __init__(self, shape, use_numpy=True):
        element, components, count = shape
        if element not in VALUE_SIZE:
            raise BlobFormatError("element", f"unknown element type {element}")
        if not 1 <= components <= MAX_COMPONENTS:
            raise BlobFormatError("components", f"expected 1–{MAX_COMPONENTS}, got {components}")
        self.shape = BlobShape(element, components, count)
        self.length = 0
        self._sha = hashlib.sha256(header(element, components, count))
        self._partial = b""
        self._numpy = use_numpy

    def append(self, data):
        data = bytes(data) if not isinstance(data, (bytes, bytearray)) else data
        if self.length + len(data) > self.shape.byte_length:
            raise BlobFormatError("length", f"{self.length + len(data)} bytes, but the shape takes {self.shape.byte_length}")
        base = (self.length - len(self._partial)) // 4
        self.length += len(data)
        if self.shape.element != F32:
            self._sha.update(data)
            return
        data = self._partial + data
        whole = len(data) // 4 * 4
        self._partial = data[whole:]
        if whole:
            self._quantize(data[:whole], base)

    def finish(self):
        if self.length != self.shape.byte_length:
            raise BlobFormatError("length", f"{self.length} bytes, but the shape takes {self.shape.byte_length}")
        return self._sha.hexdigest()

    def _quantize(self, data, base):
        quantize_into(self._sha, data, self._numpy, base)


class BlobAssembler:
    """Receives the chunks of the blobs this side asked for and verifies each before ``complete(blob,
    shape, data)`` gets it. An adapter keeps nothing of an interrupted transfer: it asks from 0."""

    def __init__(self, max_blob_bytes, max_chunk_bytes, complete):
        self.max_blob_bytes = max_blob_bytes
        self.max_chunk_bytes = max_chunk_bytes
        self._complete = complete
        self._wanted = {}  # blob -> [hasher or None, bytearray]

    @property
    def wanted(self):
        return set(self._wanted)

    def wants(self, blob):
        return blob in self._wanted

    def want(self, blob):
        """Asks for ``blob``; returns the offset to ask from (always 0 here)."""
        if not _is_blob_id(blob):
            raise ValueError(f"{blob!r} is not a blob name (64 lowercase hex digits)")
        self._wanted.setdefault(blob, [None, bytearray()])
        return 0

    def abandon(self, blob):
        self._wanted.pop(blob, None)

    def clear(self):
        self._wanted.clear()

    def accept_payload(self, payload):
        return self.accept(decode_chunk(payload, self.max_chunk_bytes))

    def accept(self, chunk):
        """Takes one chunk; returns the shape when it completed its blob, else None. Raises
        BlobTransferError (BLOB_CHUNK_ORDER, BLOB_TOO_LARGE, BLOB_CORRUPT); except for a blob not
        wanted, that blob's transfer is dropped."""
        blob = chunk.blob
        if len(chunk.data) > self.max_chunk_bytes:
            raise BlobTransferError(TOO_LARGE, blob, f"blob {blob}: a chunk carries at most {self.max_chunk_bytes:,} data bytes (limits.chunk_bytes), this one {len(chunk.data):,}")
        transfer = self._wanted.get(blob)
        if transfer is None:
            raise BlobTransferError(CHUNK_ORDER, blob, f"blob {blob}: a chunk of a blob this side did not ask for (BLOB_WANT), or asked for and already has")
        try:
            if transfer[0] is None:
                if chunk.shape.byte_length > self.max_blob_bytes:
                    raise BlobTransferError(TOO_LARGE, blob, f"blob {blob}: {chunk.shape.byte_length:,} bytes, more than limits.blob_bytes = {self.max_blob_bytes:,}")
                transfer[0] = BlobHasher(chunk.shape)
            hasher, data = transfer
            if tuple(chunk.shape) != tuple(hasher.shape):
                raise BlobTransferError(CORRUPT, blob, f"blob {blob}: a chunk says {tuple(chunk.shape)}, the first said {tuple(hasher.shape)}")
            if chunk.offset != hasher.length:
                raise BlobTransferError(CHUNK_ORDER, blob, f"blob {blob}: a chunk at offset {chunk.offset:,}, the next is at {hasher.length:,}")
            if chunk.offset + len(chunk.data) > hasher.shape.byte_length:
                raise BlobTransferError(CORRUPT, blob, f"blob {blob}: a chunk reaches byte {chunk.offset + len(chunk.data):,} of a blob of {hasher.shape.byte_length:,}")
            piece = bytes(chunk.data)
            hasher.append(piece)
            data += piece
            if hasher.length < hasher.shape.byte_length:
                return None
            actual = hasher.finish()
            if actual != blob:
                raise BlobTransferError(CORRUPT, blob, f"blob {blob}: its bytes hash to {actual}")
        except BlobFormatError as e:
            self._wanted.pop(blob, None)
            raise BlobTransferError(CORRUPT, blob, f"blob {blob}: {e}") from None
        except BlobTransferError:
            self._wanted.pop(blob, None)
            raise
        del self._wanted[blob]
        self._complete(blob, hasher.shape, bytes(data))
        return hasher.shape


def blob_want_json(re, blobs):
    """BLOB_WANT's payload; ``blobs``: (id, offset) pairs."""
    return '{"re": %d, "blobs": [%s]}' % (re, ", ".join('{"id": "%s", "offset": %d}' % (b, o) for b, o in blobs))


def _ids_json(ids):
    return ", ".join('"%s"' % b for b in ids)


def blob_gone_json(re, ids):
    return '{"re": %d, "ids": [%s]}' % (re, _ids_json(ids))


def blob_offer_json(ids):
    """BLOB_OFFER's payload (the orchestrator sends it; written here for the vectors and tests)."""
    return '{"ids": [%s]}' % _ids_json(ids)


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2 ** 53


def read_blob_want(payload):
    """(re, [(id, offset)…]) of a BLOB_WANT payload (a dict); raises ValueError naming the field."""
    if not isinstance(payload, dict) or set(payload) != {"re", "blobs"}:
        raise ValueError("BLOB_WANT: expected exactly the fields re and blobs")
    blobs = payload["blobs"]
    if not _whole(payload["re"]) or not isinstance(blobs, list) or not 1 <= len(blobs) <= MAX_BLOBS:
        raise ValueError(f"BLOB_WANT: re a whole number, blobs 1–{MAX_BLOBS} entries")
    out = []
    for i, b in enumerate(blobs):
        if not isinstance(b, dict) or set(b) != {"id", "offset"} or not _is_blob_id(b["id"]) or not _whole(b["offset"]):
            raise ValueError(f"BLOB_WANT blobs[{i}]: expected {{\"id\": a blob name, \"offset\": a whole number}}")
        out.append((b["id"], b["offset"]))
    return payload["re"], out


def read_blob_gone(payload):
    """(re, [id…]) of a BLOB_GONE payload (a dict); raises ValueError naming the field."""
    if not isinstance(payload, dict) or set(payload) != {"re", "ids"}:
        raise ValueError("BLOB_GONE: expected exactly the fields re and ids")
    if not _whole(payload["re"]):
        raise ValueError("BLOB_GONE: re a whole number")
    return payload["re"], _read_ids("BLOB_GONE", payload["ids"])


def read_blob_offer(payload):
    """[id…] of a BLOB_OFFER payload (a dict); raises ValueError naming the field."""
    if not isinstance(payload, dict) or set(payload) != {"ids"}:
        raise ValueError("BLOB_OFFER: expected exactly the field ids")
    return _read_ids("BLOB_OFFER", payload["ids"])


def _read_ids(message, ids):
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_BLOBS or not all(_is_blob_id(b) for b in ids):
        raise ValueError(f"{message}: ids 1–{MAX_BLOBS} blob names")
    return list(ids)


_BLOB_MEMBERS = frozenset(("blob", "inverse_bind_matrices", "times", "values"))


def blob_references(payload):
    """The distinct well-formed blob names a message names, in order of first appearance: string
    members of any ``attributes`` object, ``indices`` of any entry of a ``primitives`` list,
    ``POSITION``/``NORMAL`` of any entry of a ``targets`` list, and the ``blob``,
    ``inverse_bind_matrices``, ``times`` and ``values`` members of any object (an image record,
    create_image, replace_image; a skin; an animation channel)."""
    found, seen = [], set()

    def add(value):
        if _is_blob_id(value) and value not in seen:
            seen.add(value)
            found.append(value)

    def walk(node):  # JSON on the link nests at most 64 deep
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "attributes" and isinstance(value, dict):
                    for v in value.values():
                        add(v)
                elif key == "primitives" and isinstance(value, list):
                    for p in value:
                        if isinstance(p, dict):
                            add(p.get("indices"))
                elif key == "targets" and isinstance(value, list):
                    for t in value:
                        if isinstance(t, dict):
                            add(t.get("POSITION"))
                            add(t.get("NORMAL"))
                elif key in _BLOB_MEMBERS:
                    add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return found
