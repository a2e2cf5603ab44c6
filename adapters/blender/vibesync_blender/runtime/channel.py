"""The adapter's connection at run time: a listener thread that only reads frames and posts them to
the main-thread queue, and a heartbeat thread. Neither touches bpy. The heartbeat reports the
state the main thread last published, and "busy" when the main thread has not ticked for a while
(Blender rendering or baking holds it, while these threads still run).

Needs no bpy, so it is tested under the system Python against a real ``vibesync serve``.
"""

import json
import threading
import time

from ..link import CONTENT_SCHEMA, LinkClient, MessageType
from ..link.blob_exchange import BlobExchange
from ..link.limits import Limits, payload_text


class EngineStatus:
    """What the main thread last published for heartbeats; read from the heartbeat thread."""

    def __init__(self):
        self.state = "ready"
        self.undo_depth = 0
        self.last_tick = time.monotonic()

    def tick(self, state, undo_depth):
        self.state, self.undo_depth, self.last_tick = state, undo_depth, time.monotonic()


class Channel:
    """One session with the orchestrator. ``on_frame(channel, frame)`` and ``on_closed(channel, reason)``
    are called from the listener thread and must only post work to the main-thread queue; they name
    the channel, so work posted for a session that has ended since can be told apart (a request is
    answered only on the session it came on).

    With a blob cache (``blobs``), blob transfer runs here on the listener thread (docs/protocol.md
    §12.2, link/blob_exchange.py): an APPLY reaches ``on_frame`` only once every blob it names is in
    the cache, and the orchestrator's BLOB_WANT is answered from the cache."""

    BUSY_AFTER_S = 2.0  # a main thread silent this long is reported busy

    def __init__(self, client, on_frame, on_closed, status, blobs=None):
        self.client = client
        self._on_frame = on_frame
        self._on_closed = on_closed
        self.status = status
        self._stop = threading.Event()
        self._threads = []
        self.limits = Limits.from_welcome(client.welcome)
        self.refused_non_finite = 0  # payloads not sent because they held NaN or Infinity
        self.refused_oversize = 0    # payloads not sent because their frame would be over limits.frame_bytes
        self.blobs = None if blobs is None else BlobExchange(blobs, self.limits, lambda f: self._on_frame(self, f),
                                                             self._send_text, self._send_bytes)

    @classmethod
    def open(cls, data_dir, engine, on_frame, on_closed, status, generation=1, project_id="", schema=CONTENT_SCHEMA,
             file="", endpoint=None, blobs=None):
        """Connects as DIR/keys/<engine>.key says (over TLS 1.3 to its endpoints, pinned, when it names any;
        else on loopback with DIR/serve.json's port), or with ``endpoint`` = (loopback port, parsed key file).
        ``project_id``/``schema``: the file's project stamp ("" when it has none); ``file``: its path."""
        identity = dict(generation=generation, project_id=project_id, schema=schema, file=file)
        if endpoint is not None:
            client = LinkClient.from_key_file(endpoint[1], engine, lambda: endpoint[0], **identity)
        else:
            client = LinkClient.from_data_dir(data_dir, engine, **identity)
        return cls(client, on_frame, on_closed, status, blobs)

    @property
    def session_id(self):
        return self.client.session_id

    @property
    def generation(self):
        return self.client.generation

    def start(self):
        interval = self.client.welcome.get("heartbeat_ms", 5000) / 1000.0 / 2  # twice per period: one lost is no breach
        for target, name in ((self._listen, "vibesync-listener"), (lambda: self._beat(interval), "vibesync-heartbeat")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def send(self, typ, payload):
        """Sends a JSON payload from any thread; returns the frame's sequence number, or None when
        closed or when the payload cannot be sent (NaN, or a frame over the limit: the callers keep
        within it, this is the last guard, so the orchestrator never sees junk from us)."""
        if self._stop.is_set():  # this session has ended: nothing of it goes anywhere else
            return None
        try:
            text = payload_text(payload)
        except ValueError:  # NaN or Infinity in the scene: the orchestrator would revoke us for it
            self.refused_non_finite += 1
            return None
        if len(text.encode("utf-8")) > self.limits.payload_bytes:
            self.refused_oversize += 1
            return None
        try:
            return self.client.send(typ, text)
        except OSError:
            return None

    def _send_text(self, typ, text):
        if self._stop.is_set():
            return None
        try:
            return self.client.send(typ, text)
        except OSError:
            return None

    def _send_bytes(self, typ, data):
        if self._stop.is_set():
            return None
        try:
            return self.client.send_bytes(typ, data)
        except OSError:
            return None

    def _blob_frame(self, frame):
        """Blob transfer's frames, taken here (listener thread); True when taken."""
        exchange = self.blobs
        if exchange is None:
            return False
        if frame.typ == MessageType.APPLY:
            exchange.apply_arrived(frame)
        elif frame.typ == MessageType.BLOB_CHUNK:
            exchange.chunk_arrived(frame.payload)
        elif frame.typ in (MessageType.BLOB_WANT, MessageType.BLOB_GONE, MessageType.BLOB_OFFER):
            try:
                data = json.loads(frame.payload)
            except ValueError:
                return True
            if frame.typ == MessageType.BLOB_OFFER:
                exchange.offer_arrived(frame.seq, data)
            else:
                (exchange.want_arrived if frame.typ == MessageType.BLOB_WANT else exchange.gone_arrived)(data)
        else:
            return False
        return True

    def close(self, reason="closed by the adapter"):
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            self.client.send(MessageType.BYE, json.dumps({"code": "BYE", "message": reason}))
        except OSError:
            pass
        self.client.close()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=2)

    @property
    def closed(self):
        return self._stop.is_set()

    def _listen(self):
        reason = "the orchestrator closed the connection"
        try:
            while not self._stop.is_set():
                frame = self.client.receive()
                if frame is None:
                    break
                if not self._blob_frame(frame):
                    self._on_frame(self, frame)
        except Exception as e:  # a bad frame, a reset: the session is over either way
            reason = f"{type(e).__name__}: {e}"
        if self.blobs is not None:
            self.blobs.reset()
        if not self._stop.is_set():
            self._stop.set()
            self.client.close()
            self._on_closed(self, reason)

    def _beat(self, interval):
        while not self._stop.wait(interval):
            s = self.status
            state = "busy" if time.monotonic() - s.last_tick > self.BUSY_AFTER_S and s.state == "ready" else s.state
            if self.send(MessageType.HEARTBEAT, {"state": state, "generation": self.client.generation,
                                                  "undo_depth": s.undo_depth}) is None:
                return
