"""Scene time sync (issue #19 §4; docs/protocol.md §11.10): scrubbing the timeline here poses the
other editor at the same time, and the other editor's TIME poses this scene. Only when WELCOME says
``scene_time`` (config.json ``sync.scene_time``; off by default).

A pose is not an edit: it is never journaled, never an intent, and the latest wins. Two rules keep
it from ringing: a time this adapter was told is never sent back (the frame change it causes is
ours), and outgoing TIMEs are debounced to at most one per ``interval_s``, the last one always sent.

Needs no bpy: Blender is reached through ``read()`` (the scene's time in seconds) and ``pose(s)``
(set the scene to it), so the system Python tests the rules (tests/test_scene_time.py)."""

import time

from ..link import MessageType
from ..link.scene_time import TimeError, TimeFollower, parse_time


class TimelineSync:
    INTERVAL_S = 1 / 30  # a scrub sends at most this often; the last position is always sent

    def __init__(self, read, pose, send, log=print, clock=time.monotonic, interval_s=INTERVAL_S):
        self.read, self.pose, self.send, self.log, self.clock = read, pose, send, log, clock
        self.interval_s = interval_s
        self.enabled = False
        self.start_session(False)

    def start_session(self, enabled):
        """A WELCOME: the policy, and sequence numbers start again (the orchestrator's and ours)."""
        self.enabled = bool(enabled)
        self.follower = TimeFollower()
        self._seq = 0
        self._posing = False
        self._changed = False
        self._last_sent_at = None
        self._last = None  # the seconds last sent or posed: the same time is never sent again

    def frame_changed(self):
        """Blender's frame_change_post: note it (sent from ``tick``); a change our pose made is not."""
        if self.enabled and not self._posing:
            self._changed = True

    def tick(self):
        """Sends the scene's time when it changed and the debounce allows; returns the seq sent or None."""
        if not (self.enabled and self._changed):
            return None
        now = self.clock()
        if self._last_sent_at is not None and now - self._last_sent_at < self.interval_s:
            return None
        self._changed = False
        seconds = self.read()
        if seconds == self._last:
            return None
        self._seq += 1
        self._last, self._last_sent_at = seconds, now
        self.send(MessageType.TIME, {"seconds": seconds, "seq": self._seq})
        return self._seq

    def received(self, payload):
        """The orchestrator's TIME: pose the scene at it unless late, off or malformed (logged, not
        answered: a pose has nothing to acknowledge). Returns the seconds posed, or None."""
        try:
            seconds, seq = parse_time(payload)
        except TimeError as e:
            self.log(f"VibeSync: the orchestrator's TIME was refused: {e}")
            return None
        if not self.enabled or not self.follower.take(seq):
            return None
        self._posing = True
        try:
            self.pose(seconds)
        finally:
            self._posing = False
        self._changed = False
        self._last = self.read()  # where the scene now is (a frame of it): not news to send back
        return seconds
