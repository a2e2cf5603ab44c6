"""One running adapter: the queue, the adapter, the change detector and the channel, driven by
``tick()`` on Blender's main thread (a ``bpy.app.timers`` callback in the UI, the headless runner's
loop under ``-b``). It reconnects on its own, re-handshaking with a new generation after a reload."""

import time

from ..link import MessageType
from ..link.scene_parts import scene_parts
from .adapter import BlenderAdapter
from .changes import ChangeDetector
from .channel import Channel, EngineStatus
from .mainqueue import MainThreadQueue


class Runtime:
    RECONNECT_S = (0.25, 0.5, 1.0, 2.0, 5.0)

    def __init__(self, data_dir, engine="blender", budget_ms=8.0, log=print, endpoint=None):
        self.data_dir = data_dir
        self.endpoint = endpoint  # (port, key bytes) when there is no data directory to read them from
        self.engine = engine
        self.budget_s = budget_ms / 1000.0
        self.log = log
        self.queue = MainThreadQueue()
        self.status = EngineStatus()
        self.adapter = BlenderAdapter(self.queue, send=self._send, log=log)
        self.detector = ChangeDetector(self.adapter, self._send)
        self.adapter.on_changed = self.detector.refresh
        self.channel = None
        self.connection = "disconnected"   # disconnected, connected, refused: the panel shows it
        self.last_error = None
        self.last_scene_ack = None
        self._retry_at = 0.0
        self._failures = 0

    # ---- lifecycle -----------------------------------------------------------------------------------

    def start(self):
        report = self.adapter.attach()
        self.detector.reset()
        self._connect(report)

    def stop(self, reason="the add-on stopped"):
        if self.channel is not None:
            self.channel.close(reason)
            self.channel = None
        self.connection = "disconnected"

    def tick(self):
        """One main-thread tick: commands, then edits, then the heartbeat's view of us."""
        self.queue.drain(self.budget_s)
        self.detector.tick()
        self.status.tick(self.adapter.engine_state(), 0)
        if self.channel is None and time.monotonic() >= self._retry_at:
            self._connect(self.adapter.scene_report())

    def rebind(self, reason):
        """After undo, redo or load: rescan by ID, new generation, new handshake, fresh report."""
        report = self.adapter.rebind(reason)
        self.detector.reset()
        if self.channel is not None:
            self.channel.close(f"rebinding after {reason}")
            self.channel = None
        self._connect(report)

    # ---- the link ------------------------------------------------------------------------------------

    def _send(self, typ, payload):
        return self.channel.send(typ, payload) if self.channel is not None else None

    def _connect(self, report):
        try:
            channel = Channel.open(self.data_dir, self.engine, self._on_frame, self._on_closed, self.status,
                                   generation=self.adapter.generation, file=report.get("file") or "",
                                   endpoint=self.endpoint)
        except Exception as e:  # no server yet, refused, wrong key: retry with backoff, say why
            self._failures += 1
            self.connection = "refused" if "REFUSED" in type(e).__name__.upper() else "disconnected"
            self.last_error = f"{type(e).__name__}: {e}"
            self._retry_at = time.monotonic() + self.RECONNECT_S[min(self._failures, len(self.RECONNECT_S)) - 1]
            return False
        self._failures = 0
        self.channel = channel
        self.connection = "connected"
        self.last_error = None
        channel.start()
        for part in scene_parts(report):
            channel.send(MessageType.SCENE, part)
        return True

    def _on_frame(self, frame):          # listener thread: post only
        self.queue.post(self._handle, frame)

    def _on_closed(self, reason):        # listener thread: post only
        self.queue.post(self._closed, reason)

    def _handle(self, frame):
        if frame.typ == MessageType.ACK and b'"scene_root"' in frame.payload:
            self.last_scene_ack = frame.payload.decode("utf-8")
        self.adapter.handle(frame)

    def _closed(self, reason):
        self.log(f"VibeSync: link closed: {reason}")
        self.channel = None
        self.connection = "disconnected"
        self.last_error = reason
        self._retry_at = time.monotonic() + self.RECONNECT_S[0]
