"""A request is answered only on the session it came on: the add-on's runtime in real Blender against
a real `vibesync serve` (VIBESYNC_CLI, which run-tests sets). After a rebind (undo, redo, a file
load: a new handshake, a new generation) a request of the previous session still waiting in the
main-thread queue is dropped; answered on the new session it would answer nothing there, and serve
revokes that session (UNEXPECTED_REPLY), as the chaos soak saw (seed 2026 at ~150 s)."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.runtime.runtime import Runtime


class SessionTests(unittest.TestCase):
    def setUp(self):
        cli = os.environ.get("VIBESYNC_CLI")
        if not cli:
            raise unittest.SkipTest("VIBESYNC_CLI is not set (run-tests sets it to the built orchestrator)")
        self.cli = ["dotnet", cli]
        self.dir = tempfile.mkdtemp(prefix="vibesync-sessions-")
        self.data = os.path.join(self.dir, "data")
        self.serve_log = open(os.path.join(self.dir, "serve.log"), "w")  # the JSON log; an unread pipe could fill and block serve
        self.serve = subprocess.Popen(self.cli + ["serve", "--data", self.data], stdout=subprocess.PIPE, stderr=self.serve_log, text=True)
        self.assertTrue(self.serve.stdout.readline().startswith("vibesync serve:"))
        with open(os.path.join(self.data, "serve.json")) as f:
            self.api = f"http://127.0.0.1:{json.load(f)['api_port']}"
        with open(os.path.join(self.data, "keys", "control.token")) as f:
            self.token = f.read().strip()
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.logged = []
        self.runtime = Runtime(self.data, log=self.logged.append)
        self.runtime.start()
        self.tick_until(lambda: self.phase() == "live", "Blender never went live")

    def tearDown(self):
        self.runtime.stop()
        self.serve.terminate()
        self.serve.wait(timeout=30)
        self.serve.stdout.close()
        self.serve_log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def status(self):
        request = urllib.request.Request(self.api + "/v1/status", headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.load(r)

    def blender(self):
        return next(e for e in self.status()["link"]["engines"] if e["engine"] == "blender")

    def phase(self):
        engines = self.status()["sync"]["engines"]
        return next((e["phase"].lower() for e in engines if e["engine"] == "blender"), None)

    def tick_until(self, done, message, seconds=60):
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self.runtime.tick()
            if done():
                return
            time.sleep(0.05)
        self.fail(message)

    def waiting(self, typ):
        """A frame of this type from the orchestrator, posted to the main-thread queue and not yet handled."""
        return any(args and getattr(args[-1], "typ", None) == typ for _fn, args in list(self.runtime.queue._items))

    def test_a_request_of_the_session_before_an_undo_is_never_answered_on_the_new_one(self):
        first = self.blender()["session"]["session_id"]
        # The orchestrator asks for Blender's scene (a READ) while the main thread does not run...
        read = subprocess.Popen(self.cli + ["state", "--engine", "blender", "--data", self.data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until = time.monotonic() + 60
        while time.monotonic() < until and not self.waiting(MessageType.READ):
            self.runtime.status.tick("ready", 0)  # alive, without draining the queue
            time.sleep(0.02)
        self.assertTrue(self.waiting(MessageType.READ), "serve never asked")
        # ...and the human's undo rebinds first: a new handshake, generation 2.
        self.runtime.rebind("undo")
        self.tick_until(lambda: read.poll() is not None, "the state request never ended")
        self.assertNotEqual(0, read.returncode)  # its session ended unanswered: the orchestrator says so
        self.assertEqual(1, self.runtime.stale_requests)
        self.tick_until(lambda: self.phase() == "live", "Blender did not go live again on its new session")
        session = self.blender()["session"]
        self.assertNotEqual(first, session["session_id"])
        self.assertEqual(2, session["generation"])  # the session of the rebind, never revoked and replaced
        with open(self.serve_log.name) as f:
            log = f.read()
        self.assertNotIn("UNEXPECTED_REPLY", log)


if __name__ == "__main__":
    unittest.main()
