"""An adapter's blob cache (docs/protocol.md §12.2), the Python twin of
VibeSync.Protocol.Blobs.BlobCache: the canonical bytes of the blobs the current meshes use (to
answer the orchestrator's BLOB_WANT after a SCENE or EDIT named them) and of the blobs an APPLY
brought (until it is applied). Names are trusted here: the link's assembler verified every blob it
received, and the adapter named its own blobs itself. Thread-safe (the link's listener thread
answers BLOB_WANT while Blender's main thread puts and retains). Standard library; numpy optional."""

import sys
import threading
from array import array

from ..protocol.blobs import F32, U16, U32, U8, BlobShape

try:  # Blender bundles numpy; the system Python here may not have it
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the interpreter
    _np = None


_TYPECODES = {F32: "f", U32: "I", U16: "H", U8: "B"}
_DTYPES = {F32: "<f4", U32: "<u4", U16: "<u2", U8: "u1"}


def _is_blob_id(blob):
    return isinstance(blob, str) and len(blob) == 64 and all(c in "0123456789abcdef" for c in blob)


class BlobCache:
    """Blobs by name: ``put``, ``get``, ``has``, ``array``, ``retain``."""

    def __init__(self):
        self._blobs = {}
        self._lock = threading.Lock()

    def put(self, blob, shape, data):
        """Holds blob ``blob`` (its canonical little-endian bytes ``data``: bytes or a memoryview, kept as given)."""
        if not _is_blob_id(blob):
            raise ValueError(f"{blob!r} is not a blob name (64 lowercase hex digits)")
        shape = BlobShape(*shape)
        view = memoryview(data).cast("B")
        if view.nbytes != shape.byte_length:
            raise ValueError(f"blob {blob}: {view.nbytes} bytes, its shape takes {shape.byte_length}")
        with self._lock:
            self._blobs[blob] = (shape, view)

    def get(self, blob):
        """``(shape, memoryview)`` of a held blob, or None."""
        with self._lock:
            return self._blobs.get(blob)

    def has(self, blob):
        with self._lock:
            return blob in self._blobs

    def array(self, blob):
        """The blob's values: a read-only numpy array of ``(count, components)`` when numpy is present,
        else a flat array.array. None when the blob is not held."""
        held = self.get(blob)
        if held is None:
            return None
        shape, view = held
        if _np is not None:
            values = _np.frombuffer(view, dtype=_DTYPES[shape.element])
            return values.reshape(shape.count, shape.components) if shape.components > 1 else values
        values = array(_TYPECODES[shape.element])
        values.frombytes(view)
        if sys.byteorder != "little":
            values.byteswap()
        return values

    def discard(self, blob):
        """Drops one blob if held (an offered blob no APPLY claimed, past the exchange's bound)."""
        with self._lock:
            self._blobs.pop(blob, None)

    def retain(self, ids):
        """Keeps only the blobs named in ``ids`` (what the current meshes and unapplied APPLYs use)."""
        keep = set(ids)
        with self._lock:
            for blob in [b for b in self._blobs if b not in keep]:
                del self._blobs[blob]

    def __len__(self):
        with self._lock:
            return len(self._blobs)

    @property
    def nbytes(self):
        with self._lock:
            return sum(view.nbytes for _, view in self._blobs.values())
