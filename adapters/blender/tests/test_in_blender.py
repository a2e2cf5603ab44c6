"""The add-on's link client inside real Blender (Debian's `blender`, headless): the same code the
system-Python tests run must run under Blender's interpreter, next to bpy."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from .support import ADAPTER
from .test_link import serve_command

SCRIPT = r"""
import sys, bpy
from vibesync_blender.link import LinkClient, MessageType
with LinkClient.from_data_dir(sys.argv[-1], "blender", project_id=bpy.data.filepath or "untitled") as c:
    typ, data = c.heartbeat(undo_depth=len(bpy.data.objects))
    print("VIBESYNC-RESULT", typ == MessageType.ACK, c.session_id, len(bpy.data.objects))
"""


@unittest.skipIf(shutil.which("blender") is None, "real Blender is not installed (run-tests installs it: apt-get install blender)")
class InBlenderTests(unittest.TestCase):
    def test_the_link_client_runs_inside_real_blender_and_gets_a_session(self):
        data = tempfile.mkdtemp(prefix="vibesync-inblender-")
        serve = subprocess.Popen(serve_command(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(serve.stdout.readline().startswith("vibesync serve:"))
            env = dict(os.environ, PYTHONPATH=ADAPTER)
            run = subprocess.run(["blender", "-b", "--factory-startup", "--python-expr", SCRIPT, "--", data],
                                 capture_output=True, text=True, timeout=120, env=env)
            lines = [l for l in run.stdout.splitlines() if l.startswith("VIBESYNC-RESULT")]
            self.assertEqual(1, len(lines), run.stdout + run.stderr)
            _, acked, session_id, objects = lines[0].split()
            self.assertEqual("True", acked)
            self.assertEqual(32, len(session_id))
            self.assertEqual("3", objects)  # the factory scene: cube, camera, light
        finally:
            serve.terminate()
            serve.wait(timeout=20)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
