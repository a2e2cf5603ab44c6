"""Animations through a real orchestrator (`vibesync serve`) from real headless Blender: the rigged
sample (samples/rigged_character.py) attaches with its four animations in Reality at Blender's root, a
keyframe dragged in Blender lands in Reality as set_animation_channel, and a shape-key slider as
set_morph_weights."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from .support import ADAPTER, blender_env
from .test_in_blender import cli, play_headless, serve_log, stop_serve
from .test_link import serve_command

SAMPLES = os.path.join(os.path.dirname(os.path.dirname(ADAPTER)), "samples")
BUILD = r"""
import sys, bpy
sys.path.insert(0, sys.argv[-2])
import rigged_character
rigged_character.build()
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
"""


@unittest.skipIf(shutil.which("blender") is None, "real Blender is not installed (run-tests installs it: apt-get install blender)")
class AnimationsLiveTests(unittest.TestCase):
    def test_the_rigged_sample_attaches_with_its_animations_and_a_keyframe_drag_and_a_slider_land_in_reality(self):
        work = tempfile.mkdtemp(prefix="vibesync-anim-")
        data, blend = os.path.join(work, "data"), os.path.join(work, "rigged.blend")
        serve_err = open(os.path.join(work, "serve.log"), "w")
        serve = subprocess.Popen(serve_command(data), stdout=subprocess.PIPE, stderr=serve_err, text=True)
        try:
            self.assertTrue(serve.stdout.readline().startswith("vibesync serve:"))
            built = subprocess.run(["blender", "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", BUILD, "--",
                                    SAMPLES, blend], capture_output=True, text=True, timeout=300, env=blender_env())
            self.assertEqual(0, built.returncode, built.stderr[-2000:])
            # PropMove's location X, second key (frame 9) from 1.5 to 2.25; then a slider no action drives
            # (an edit made before Blender is live is adopted once it is, so the timing does not matter)
            events, attached = play_headless(self, work, blend, data, 8, [
                {"at": 2.0, "action": "PropMove", "data_path": "location", "index": 0, "keyframe": 1, "value": 2.25},
                {"at": 3.0, "shape_key": "Body", "key": "SmileWide", "value": 0.8}])
            self.assertEqual(2, sum(1 for e in events if e["event"] == "edit_played"), events)
            reality = json.loads(cli("state", "--engine", "reality", "--data", data).stdout)
            clips = {a["name"]: a for a in reality["animations"]}
            self.assertEqual({"Wave", "Idle", "Blinking", "PropMove"}, set(clips))
            prop = next(o["uuid"] for o in reality["objects"] if o["name"] == "Prop")
            moved = next(c for c in clips["PropMove"]["channels"] if c["target"] == prop and c["path"] == "translation")
            self.assertEqual(("CUBICSPLINE", False), (moved["interpolation"], moved["sampled"]))
            body = next(o for o in reality["objects"] if o["name"] == "Body")
            mesh = next(m for m in reality["meshes"] if m["uuid"] == body["mesh"])
            self.assertAlmostEqual(0.8, mesh["weights"][2], places=6)
            log = [json.loads(l) for l in serve_log(serve, serve_err)]
            scene = next(e for e in log if e["event"] == "scene")
            self.assertIn(f"root {attached['root']}", scene["message"])
            self.assertIsNone(scene["code"])
            final = [e["operations"] for e in log if e.get("phase") == "FINAL" and e.get("actor") == "human:blender"]
            self.assertIn("set_animation_channel", [op for ops in final for op in ops], final)
            self.assertIn("set_morph_weights", [op for ops in final for op in ops], final)
        finally:
            stop_serve(serve, serve_err)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
