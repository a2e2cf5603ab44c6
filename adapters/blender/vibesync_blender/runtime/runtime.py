"""One running adapter: the queue, the adapter, the change detector and the channel, driven by
``tick()`` on Blender's main thread (a ``bpy.app.timers`` callback in the UI, the headless runner's
loop under ``-b``). It reconnects on its own, re-handshaking with a new generation after a reload.

Nothing is written into the file before an orchestrator has welcomed it: HELLO carries the file's
project stamp and path (read only); IDs are stamped and the scene read after WELCOME. A REFUSED
(another project's file, a schema the orchestrator does not speak) is shown and retried with the
backoff, the scene untouched, so a human's `vibesync pair --replace` takes effect within seconds.
"""

import time
import traceback

import bpy

from ..link import LinkRefused, MessageType, NoOrchestrator
from ..link.leader import NOT_LEADER
from ..link.pending import PendingIntents
from ..link.scene_parts import scene_parts
from ..scene import project
from .adapter import BlenderAdapter
from .changes import ChangeDetector
from .channel import Channel, EngineStatus
from .mainqueue import MainThreadQueue
from .timeline import TimelineSync

MAX_FRAME = 1048574  # Blender's last frame (MAXFRAME)


def scene_seconds(scene):
    """The scene's current time in seconds from frame 0, as animations are exported (frame / fps)."""
    r = scene.render
    return (scene.frame_current + scene.frame_subframe) * r.fps_base / r.fps


def pose_scene(scene, seconds):
    """Sets the scene's current frame (and subframe when between frames) to ``seconds``."""
    r = scene.render
    f = min(seconds * r.fps / r.fps_base, MAX_FRAME)
    frame = round(f)
    if abs(f - frame) < 1e-6:  # a whole frame, up to float error: no subframe
        scene.frame_set(frame)
    else:
        frame = int(f)
        scene.frame_set(frame, subframe=f - frame)


class Runtime:
    RECONNECT_S = (0.25, 0.5, 1.0, 2.0, 5.0)

    def __init__(self, data_dir, engine="blender", budget_ms=8.0, log=print, endpoint=None):
        self.data_dir = data_dir
        self.endpoint = endpoint  # (loopback port, parsed key file) when there is no data directory to read them from
        self.engine = engine
        self.budget_s = budget_ms / 1000.0
        self.log = log
        self.queue = MainThreadQueue()
        self.status = EngineStatus()
        self.adapter = BlenderAdapter(self.queue, send=self._send, log=log)
        self.detector = ChangeDetector(self.adapter, self._send)
        self.adapter.on_changed = self.detector.refresh
        self.adapter.before_change = self.detector.report_first
        self.timeline = TimelineSync(lambda: scene_seconds(self.adapter.scene), lambda t: pose_scene(self.adapter.scene, t),
                                     self._send, log=log)
        self.channel = None
        self.connection = "disconnected"   # disconnected, connected, refused: the panel shows it
        self.last_error = None
        self.last_scene_ack = None
        self.not_synced = []               # the list the orchestrator last got (wire items)
        self._not_synced_seen = None       # the index's coverage version when the list was last built
        self._pending = {}                 # what a rebind must tell the next SCENE (dropped intents)
        self.stale_requests = 0            # requests of ended sessions, dropped unanswered
        self._retry_at = 0.0
        self._failures = 0
        self._last_failure = None

    # ---- lifecycle -----------------------------------------------------------------------------------

    def start(self):
        self._connect()

    def stop(self, reason="the add-on stopped"):
        if self.channel is not None:
            self.channel.close(reason)
            self.channel = None
        self.connection = "disconnected"

    def tick(self):
        """One main-thread tick: commands, then edits, then what is not synced, then the heartbeat's
        view of us. A step that fails is logged and the next tick runs: a timer callback that
        raises is dropped by Blender, which would stop syncing for good."""
        self.queue.drain(self.budget_s)
        for step in (self.detector.tick, self._report_not_synced, self.timeline.tick):
            try:
                step()
            except Exception as e:
                self._failed(step, e)
        self.status.tick(self.adapter.engine_state(), 0)
        if self.channel is None and time.monotonic() >= self._retry_at:
            self._connect()

    def _failed(self, step, error):
        text = f"{type(error).__name__}: {error}"
        if text != self._last_failure:  # once per distinct failure, not fifty times a second
            self._last_failure = text
            self.log(f"VibeSync: {getattr(step, '__name__', step)} failed: {text}\n{traceback.format_exc()}")

    def rebind(self, reason):
        """After undo, redo or load: new generation, new handshake, then a fresh scan and report."""
        extra = self.adapter.forget(reason)
        dropped = sorted(set(self._pending.get("dropped_intents", ())) | set(extra["dropped_intents"]))
        self._pending = dict(extra, dropped_intents=dropped)
        if self.channel is not None:
            self.channel.close(f"rebinding after {reason}")
            self.channel = None
        self._connect()

    # ---- the link ------------------------------------------------------------------------------------

    def _send(self, typ, payload):
        return self.channel.send(typ, payload) if self.channel is not None else None

    def _connect(self):
        stamp = project.stamp_of(self.adapter.scene)
        try:
            channel = Channel.open(self.data_dir, self.engine, self._on_frame, self._on_closed, self.status,
                                   generation=self.adapter.generation, project_id=stamp.project_id, schema=stamp.schema,
                                   file=bpy.data.filepath, endpoint=self.endpoint, blobs=self.adapter.blobs)
        except Exception as e:  # no server yet, refused, wrong key: retry with backoff, say why
            error = str(e) if isinstance(e, NoOrchestrator) else f"{type(e).__name__}: {e}"
            if isinstance(e, LinkRefused) and error != self.last_error:  # once per refusal, not per retry
                self.log(f"VibeSync: the orchestrator refused this file: {e}")
            if isinstance(e, LinkRefused) and e.code == NOT_LEADER:
                self._failures = 0  # leadership is changing hands within seconds: dial again soon, not after 5 s
            self._back_off("refused" if isinstance(e, LinkRefused) else "disconnected", error)
            return False
        self._failures = 0
        self.channel = channel
        self.connection = "connected"
        self.last_error = None
        self.adapter.pending = PendingIntents.none()  # a session starts knowing of none; the orchestrator tells on attach
        channel.start()  # heartbeats flow while a large scene is read
        try:
            self.adapter.welcomed(channel.client.welcome)
            self.timeline.start_session(channel.client.welcome.get("scene_time", False))
            report = self.adapter.attach()
            self.detector.reset(self.adapter.last_scene)
        except Exception as e:  # reading is per datablock; this is what is left (a scan Blender refused): say it, retry
            error = f"attaching failed: {type(e).__name__}: {e}"
            self._failed(self._connect, e)
            self.stop(error)
            self._back_off("disconnected", error)
            return False
        report.update(self._pending)
        self._pending = {}
        for part in scene_parts(report, channel.limits):
            channel.send(MessageType.SCENE, part)
        self.not_synced = report["not_synced"]
        self._not_synced_seen = self._coverage_key()
        return True

    def _back_off(self, connection, error):
        self._failures += 1
        self.connection, self.last_error = connection, error
        self._retry_at = time.monotonic() + self.RECONNECT_S[min(self._failures, len(self.RECONNECT_S)) - 1]

    def _coverage_key(self):
        index = self.adapter.index
        return index.coverage_version if index is not None else None

    def _report_not_synced(self):
        """NOT_SYNCED whenever the list changed (the complete list; empty too)."""
        key = self._coverage_key()
        if self.channel is None or key is None or key == self._not_synced_seen:
            return
        self._not_synced_seen = key
        items = self.adapter.not_synced_payload()
        if items != self.not_synced and self._send(MessageType.NOT_SYNCED, {"items": items}) is not None:
            self.not_synced = items

    def _on_frame(self, channel, frame):          # listener thread: post only
        self.queue.post(self._handle, channel, frame)

    def _on_closed(self, channel, reason):        # listener thread: post only
        self.queue.post(self._closed, channel, reason)

    def _handle(self, channel, frame):
        if channel is not self.channel or channel.closed:
            # Posted by a session that has ended since (a rebind after undo, redo or a file load, a
            # reconnect): its requests are not carried out, and never answered on the session now
            # open, where the answer would answer nothing (the orchestrator revokes it: UNEXPECTED_REPLY).
            if frame.typ in (MessageType.APPLY, MessageType.ROLLBACK, MessageType.FINALIZE, MessageType.READ):
                self.stale_requests += 1
            return
        if frame.typ == MessageType.TIME:  # a pose, not a command: never answered, never an edit
            self.timeline.received(frame.payload)
            return
        if frame.typ == MessageType.ACK and b'"scene_root"' in frame.payload:
            self.last_scene_ack = frame.payload.decode("utf-8")
        if frame.typ == MessageType.READ:
            # A human's edit the detector has seen (a drag waiting out its debounce, or one made since
            # the last tick) is reported before an answer that shows it: the orchestrator would
            # otherwise read a value it has not admitted (issue #20 §2; it also catches up with an
            # engine whose answer differs, since adapters are not trusted to do this).
            try:
                self.detector.tick(force=True)
            except Exception as e:
                self._failed(self.detector.tick, e)
        self.adapter.handle(frame, channel.send)

    def _closed(self, channel, reason):
        if channel is not self.channel:  # an earlier session's late word: the one open now stays
            return
        self.log(f"VibeSync: link closed: {reason}")
        self.channel = None
        self.connection = "disconnected"
        self.last_error = reason
        self._retry_at = time.monotonic() + self.RECONNECT_S[0]
