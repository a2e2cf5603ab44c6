"""The adapter's bpy-free runtime parts under the system Python: the main-thread queue's budget and
error handling, and the channel's threads against a real `vibesync serve`."""

import os
import queue
import shutil
import subprocess
import tempfile
import time
import unittest

from vibesync_blender.link import MessageType
from vibesync_blender.runtime.channel import Channel, EngineStatus
from vibesync_blender.runtime.mainqueue import MainThreadQueue

from .test_link import serve_command


class MainThreadQueueTests(unittest.TestCase):
    def test_a_drain_stops_at_its_budget_but_always_runs_one_item(self):
        now = [0.0]
        q = MainThreadQueue(clock=lambda: now[0])
        ran = []

        def slow(i):
            ran.append(i)
            now[0] += 0.005  # each item takes 5 ms
        for i in range(10):
            q.post(slow, i)
        self.assertEqual(2, q.drain(budget_s=0.008))  # 5 ms, then 10 ms ≥ 8: stop
        self.assertEqual(1, q.drain(budget_s=0.0))    # a zero budget still runs one: no starvation
        self.assertEqual([0, 1, 2], ran)
        self.assertEqual(7, len(q))

    def test_a_failing_item_is_recorded_and_the_rest_still_run(self):
        q = MainThreadQueue()
        ran = []
        q.post(lambda: 1 / 0)
        q.post(ran.append, "after")
        self.assertEqual(2, q.drain(budget_s=1))
        self.assertEqual(["after"], ran)
        self.assertIn("ZeroDivisionError", q.errors[0][1])


class ChannelTests(unittest.TestCase):
    """The listener thread only posts frames; the heartbeat thread keeps the session alive."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vibesync-channel-")
        self.serve = subprocess.Popen(serve_command(self.dir, "--heartbeat-timeout", "2"), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # stderr is the JSON log: unread, a pipe would fill and block serve
        self.assertTrue(self.serve.stdout.readline().startswith("vibesync serve:"))

    def tearDown(self):
        self.serve.terminate()
        self.serve.communicate(timeout=20)  # also closes its stdout pipe
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_heartbeats_keep_the_session_past_the_breaker_and_frames_reach_the_callback(self):
        frames, closed = queue.Queue(), queue.Queue()
        status = EngineStatus()
        channel = Channel.open(self.dir, "blender", lambda ch, f: frames.put(f), lambda ch, r: closed.put(r), status)
        channel.start()
        try:
            deadline = time.monotonic() + 4  # twice the breaker's 2 s
            while time.monotonic() < deadline:
                status.tick("ready", 0)  # the main thread is alive
                time.sleep(0.1)
            self.assertTrue(closed.empty(), "the session was closed: heartbeats did not keep it")
            acks = []
            while not frames.empty():
                acks.append(frames.get().typ)
            self.assertIn(MessageType.ACK, acks)  # the heartbeats' answers came through the listener
        finally:
            channel.close()
        self.assertTrue(channel.closed)

    def test_frames_name_the_session_they_came_on_and_an_ended_session_sends_nothing(self):
        # The runtime answers a request only on the session it came on: work posted by a session
        # that has ended since (a rebind, a reconnect) must be told apart, and sends nothing.
        came_on = queue.Queue()
        status = EngineStatus()
        channel = Channel.open(self.dir, "blender", lambda ch, f: came_on.put((ch, f.typ)), lambda ch, r: None, status)
        channel.start()
        try:
            self.assertIsNotNone(channel.send(MessageType.HEARTBEAT, {"state": "ready", "generation": 1, "undo_depth": 0}))
            self.assertEqual((channel, MessageType.ACK), came_on.get(timeout=10))
        finally:
            channel.close()
        self.assertIsNone(channel.send(MessageType.HEARTBEAT, {"state": "ready", "generation": 1, "undo_depth": 0}))

    def test_a_main_thread_silent_for_two_seconds_is_reported_busy(self):
        status = EngineStatus()
        status.last_tick -= 3  # the main thread last ticked 3 s ago
        channel = Channel.open(self.dir, "unity", lambda ch, f: None, lambda ch, r: None, status)
        channel.start()
        try:
            time.sleep(1.5)
            out = subprocess.run(serve_command(self.dir)[:-3] + ["status", "--data", self.dir, "--json"], capture_output=True, text=True, timeout=60)
            self.assertIn('"state": "busy"', out.stdout)
        finally:
            channel.close()


if __name__ == "__main__":
    unittest.main()
