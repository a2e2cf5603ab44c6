"""What fits in one frame (PROTOCOL 1.1: WELCOME's ``limits``). Standard library only.

The adapter never builds a frame larger than ``frame_bytes``: payloads are written by
``payload_text`` (the one encoding the channel sends), records are measured against
``record_budget`` before they are sent, and large reports are split by ``scene_parts``.

A record's JSON size can often be decided from counts alone: ``bounds`` gives the smallest and the
largest text a record of that shape can take (every real written by Python's ``repr`` is at most
24 characters, an index at most 10 digits), so the exact size is measured only when it matters.
"""

import json
from dataclasses import dataclass

from ..protocol.frames import DEFAULT_MAX_FRAME, HEADER_SIZE
from ..protocol.crypto import MAC_SIZE

DEFAULT_MESH_VERTICES = 1_000_000
DEFAULT_BLOB_BYTES = 256 * 1024 * 1024           # limits.max_blob_bytes (docs/protocol.md §12.2)
DEFAULT_CHUNK_BYTES = 1024 * 1024                # data bytes in one BLOB_CHUNK
FRAME_OVERHEAD = HEADER_SIZE + MAC_SIZE          # bytes of a frame around its payload
RECORD_SLACK = 65536                             # the frame room kept for everything around one record

_REAL, _INDEX = 24, 10                           # the longest real and index a record holds, in characters
_MIN_REAL, _MIN_INDEX = 3, 1                     # "0.0", "0"


@dataclass(frozen=True)
class Limits:
    frame_bytes: int = DEFAULT_MAX_FRAME
    mesh_vertices: int = DEFAULT_MESH_VERTICES
    blob_bytes: int = DEFAULT_BLOB_BYTES
    chunk_bytes: int = DEFAULT_CHUNK_BYTES

    @property
    def payload_bytes(self):
        """The largest payload one frame may carry."""
        return self.frame_bytes - FRAME_OVERHEAD

    @property
    def record_budget(self):
        """The largest JSON one record may take (the frame less 64 KiB for what surrounds it)."""
        return self.frame_bytes - RECORD_SLACK

    @classmethod
    def from_welcome(cls, welcome):
        """WELCOME's ``limits``, or the defaults when the orchestrator sent none (protocol 1.0)."""
        limits = (welcome or {}).get("limits") or {}
        return cls(int(limits.get("frame_bytes", DEFAULT_MAX_FRAME)), int(limits.get("mesh_vertices", DEFAULT_MESH_VERTICES)),
                   int(limits.get("blob_bytes", DEFAULT_BLOB_BYTES)), int(limits.get("chunk_bytes", DEFAULT_CHUNK_BYTES)))


def payload_text(payload):
    """A payload as the link sends it: one encoding for sending and for measuring. Raises ValueError
    for NaN or Infinity (the orchestrator would revoke the session for them)."""
    return json.dumps(payload, separators=(", ", ": "), ensure_ascii=False, allow_nan=False)


def payload_size(payload):
    return len(payload_text(payload).encode("utf-8"))


def _vectors(count, width, real):
    # "[a, b, c]" plus ", " between items
    return count * (2 + width * real + 2 * (width - 1) + 2)


def mesh_bounds(positions, triangles, uvs):
    """(smallest, largest) JSON size in bytes of a mesh record with these counts (``uvs``: pairs or 0)."""
    # the uuid, the keys and brackets take 90–140 bytes; _vectors counts a separator too many per array
    low = 60 + _vectors(positions, 3, _MIN_REAL) + _vectors(triangles, 3, _MIN_INDEX) + _vectors(uvs, 2, _MIN_REAL)
    high = 140 + _vectors(positions, 3, _REAL) + _vectors(triangles, 3, _INDEX) + _vectors(uvs, 2, _REAL)
    return low, high


def record_bound(record):
    """An upper bound of a canonical record's JSON size (a scene JSON dict entry), from its shape."""
    if "positions" in record:
        return mesh_bounds(len(record["positions"]), len(record["triangles"]), len(record.get("uv0") or ()))[1]
    text = 0
    for key, value in record.items():
        text += len(key) + 6
        if isinstance(value, str):
            text += 6 * len(value) + 2  # \uXXXX at worst
        elif isinstance(value, list):
            text += sum(6 * len(v) + 4 if isinstance(v, str) else _REAL + 2 for v in value) + 2
        else:
            text += _REAL
    return text + 2
