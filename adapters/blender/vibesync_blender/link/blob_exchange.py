"""The adapter's half of blob transfer (docs/protocol.md §12.2), without bpy: run on the channel's
listener thread so Blender's main thread never waits for a chunk.

- An APPLY naming blobs the cache lacks is held (and every APPLY after it, so intents keep their
  order) while BLOB_WANT asks the orchestrator for them; each chunk is verified by the assembler,
  each completed blob put in the cache, and the APPLY handed to the main thread once all its blobs
  are in: the runtime guarantees ``operations.apply`` never runs with a blob missing.
- A blob that does not arrive (refused chunk, BLOB_GONE) fails the APPLYs naming it with an ERROR
  carrying the code (nothing applied); a bad chunk itself is only logged (an ERROR may only answer
  a request).
- The orchestrator's BLOB_WANT (after a SCENE, EDIT or STATE named blobs) is answered from the
  cache, a chunk at a time; what the cache no longer holds is answered BLOB_GONE.
- A BLOB_OFFER (blobs another engine is sending the orchestrator, forwarded as they arrive) is
  answered at once with a BLOB_WANT for what the cache lacks, so the APPLY that names them finds them
  here or on their way. Offered blobs no APPLY claimed are bounded in bytes (``limits.blob_bytes``);
  the oldest is dropped.
"""

from collections import OrderedDict

import json
import threading

from .blob_chunks import (MISSING, BlobAssembler, BlobTransferError, blob_gone_json, blob_references, blob_want_json,
                          encode_chunk, read_blob_gone, read_blob_offer, read_blob_want, spans)
from .session import MessageType


class BlobExchange:
    """``post(frame)`` hands an APPLY whose blobs are all in the cache to the main thread;
    ``send(typ, text)`` and ``send_bytes(typ, data)`` write frames on this session."""

    MAX_HELD = 256

    def __init__(self, cache, limits, post, send, send_bytes, log=print):
        self.cache = cache
        self.limits = limits
        self._post = post
        self._send = send
        self._send_bytes = send_bytes
        self._log = log
        self._held = []  # [frame, set of blobs still missing]
        self._lock = threading.Lock()
        self._assembler = BlobAssembler(limits.blob_bytes, limits.chunk_bytes, self._completed)
        self._offered = set()              # wanted for an offer, not complete
        self._unclaimed = OrderedDict()    # offered blobs received that no APPLY named yet → bytes, oldest first

    # ---- APPLY and the blobs it names ----

    def apply_arrived(self, frame):
        """An APPLY from the orchestrator: posted at once when the cache holds its blobs (and nothing is held before it)."""
        try:
            data = json.loads(frame.payload)
        except ValueError:
            self._post(frame)  # the main thread's reader answers it MALFORMED
            return
        named = blob_references(data)
        missing = [b for b in named if not self.cache.has(b)]
        with self._lock:
            self._claim(named)
            if not missing and not self._held:
                held = False
            elif len(self._held) >= self.MAX_HELD:
                self._error(frame.seq, "RESOURCE_LIMIT", f"{self.MAX_HELD} APPLYs already wait for blobs")
                return
            else:
                held = True
                self._held.append([frame, set(missing)])
                want = [b for b in missing if not self._assembler.wants(b)]
                for b in want:
                    self._assembler.want(b)
        if not held:
            self._post(frame)
        elif want:
            self._send(MessageType.BLOB_WANT, blob_want_json(frame.seq, [(b, 0) for b in want[:4096]]))

    def chunk_arrived(self, payload):
        try:
            with self._lock:
                self._assembler.accept_payload(payload)
        except BlobTransferError as e:
            self._log(f"VibeSync: a blob chunk was refused: {e.code}: {e}")
            if e.blob is not None and not self._assembler.wants(e.blob):
                self._fail(e.blob, e.code, str(e))
            return
        self._release()

    def gone_arrived(self, data):
        """BLOB_GONE: the orchestrator cannot provide blobs an APPLY named; that APPLY fails BLOB_MISSING."""
        try:
            _re, ids = read_blob_gone(data)
        except ValueError as e:
            self._log(f"VibeSync: a malformed BLOB_GONE: {e}")
            return
        for blob in ids:
            self._fail(blob, MISSING, f"blob {blob}: the orchestrator no longer holds it (BLOB_GONE)")

    def offer_arrived(self, seq, data):
        """BLOB_OFFER: asks at once for the offered blobs the cache neither holds nor is receiving."""
        try:
            ids = read_blob_offer(data)
        except ValueError as e:
            self._log(f"VibeSync: a malformed BLOB_OFFER: {e}")
            return
        with self._lock:
            want = [b for b in dict.fromkeys(ids) if not self.cache.has(b) and not self._assembler.wants(b)][:4096]
            for b in want:
                self._assembler.want(b)
                self._offered.add(b)
        if want:
            self._send(MessageType.BLOB_WANT, blob_want_json(seq, [(b, 0) for b in want]))

    def _completed(self, blob, shape, data):
        self.cache.put(blob, shape, data)  # called under the lock, by the assembler, once the blob verified
        if blob not in self._offered:
            return
        self._offered.discard(blob)
        self._unclaimed[blob] = len(data)
        total = sum(self._unclaimed.values())
        while total > self.limits.blob_bytes and self._unclaimed:
            oldest, size = self._unclaimed.popitem(last=False)
            total -= size
            self.cache.discard(oldest)
            self._log(f"VibeSync: offered blob {oldest} dropped unclaimed ({size} bytes): over "
                      f"{self.limits.blob_bytes} bytes of offers no APPLY named")

    def _claim(self, named):
        """An APPLY names these blobs: offered ones are its now, never dropped for the bound (under the lock)."""
        for b in named:
            self._offered.discard(b)
            self._unclaimed.pop(b, None)

    def _release(self):
        ready = []
        with self._lock:
            while self._held and all(self.cache.has(b) for b in self._held[0][1]):
                ready.append(self._held.pop(0)[0])
        for frame in ready:
            self._post(frame)

    def _fail(self, blob, code, why):
        failed = []
        with self._lock:
            keep = []
            for entry in self._held:
                (failed if blob in entry[1] else keep).append(entry)
            self._held = keep
            still = set().union(*(e[1] for e in keep)) if keep else set()
            for b in list(self._assembler.wanted):
                if b not in still and b not in self._offered:
                    self._assembler.abandon(b)
            if blob in self._offered:  # an offer withdrawn (BLOB_GONE) or refused
                self._offered.discard(blob)
                self._assembler.abandon(blob)
        for frame, _ in failed:
            self._error(frame.seq, code, f"APPLY names blob {blob}, which did not arrive: {why}; nothing was applied")
        self._release()

    def _error(self, seq, code, message):
        self._send(MessageType.ERROR, json.dumps({"re": seq, "code": code, "message": message}))

    # ---- the orchestrator's BLOB_WANT ----

    def want_arrived(self, data):
        """Sends the wanted blobs from the cache in chunks (from the offset asked), BLOB_GONE for the rest."""
        try:
            re, blobs = read_blob_want(data)
        except ValueError as e:
            self._log(f"VibeSync: a malformed BLOB_WANT: {e}")
            return
        gone = []
        for blob, offset in blobs:
            held = self.cache.get(blob)
            if held is None:
                gone.append(blob)
                continue
            shape, view = held
            start = offset if offset <= len(view) else 0
            for at, length in spans(len(view), start, self.limits.chunk_bytes):
                self._send_bytes(MessageType.BLOB_CHUNK, encode_chunk(blob, shape, at, view[at:at + length]))
        if gone:
            self._send(MessageType.BLOB_GONE, blob_gone_json(re, gone))

    def reset(self):
        """The session ended: held APPLYs and transfers are dropped (the orchestrator re-sends what it still wants)."""
        with self._lock:
            self._held = []
            self._assembler.clear()
            self._offered.clear()
