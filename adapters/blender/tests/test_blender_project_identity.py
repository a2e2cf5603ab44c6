"""Project identity with real headless Blender against a real `vibesync serve`: a file is stamped with
the project on WELCOME and, saved, is the project's own; a file stamped with another project is
refused and left untouched, retried, and let in once a human pairs it deliberately; a large mesh is
reported, not sent, while the session stays up."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from vibesync_blender.link import CONTENT_SCHEMA

from .support import ADAPTER, blender_env
from .test_in_blender import cli
from .test_link import serve_command

BUILD = r"""
import sys, bpy
sys.path.insert(0, sys.argv[-4])
from tests_in_blender.scenes import build, random_scene_json
build(random_scene_json(seed=int(sys.argv[-3]), objects=int(sys.argv[-2])))
for o in bpy.data.objects:  # a file made without VibeSync: no IDs
    o.pop("vibesync_uuid", None)
if len(sys.argv[-1].split("|")) == 3:
    bpy.context.scene["vibesync_project"] = sys.argv[-1].split("|")[1]
    bpy.context.scene["vibesync_schema"] = int(sys.argv[-1].split("|")[2])
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1].split("|")[0])
"""

GRID = r"""
import bpy, sys
bpy.ops.wm.read_homefile(use_factory_startup=True)
bpy.ops.mesh.primitive_grid_add(x_subdivisions=699, y_subdivisions=699, size=10)
bpy.context.object.name = "Scan"
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
"""

INSPECT = r"""
import bpy, json
s = bpy.context.scene
print("INSPECT " + json.dumps({"project": s.get("vibesync_project"), "schema": s.get("vibesync_schema"),
                               "ids": {o.name: o.get("vibesync_uuid") for o in bpy.data.objects},
                               "locations": {o.name: list(o.location) for o in bpy.data.objects}}))
"""


def blender(*args, timeout=180):
    return subprocess.run(["blender", "-b", *args], capture_output=True, text=True, timeout=timeout, env=blender_env())


def make_blend(path, seed, objects, project=None, schema=1):
    target = path + (f"|{project}|{schema}" if project else "")
    run = blender("--factory-startup", "--python-exit-code", "1", "--python-expr", BUILD, "--", ADAPTER, str(seed), str(objects), target)
    assert run.returncode == 0, run.stderr[-2000:]


def inspect(path):
    run = blender(path, "--python-expr", INSPECT)
    line = next(l for l in run.stdout.splitlines() if l.startswith("INSPECT "))
    return json.loads(line[len("INSPECT "):])


class HeadlessBlender:
    """`blender -b FILE --python headless.py`, its JSON events read as they come."""

    def __init__(self, blend, data, seconds, edits=()):
        fd, self.edits = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(list(edits), f)
        self.proc = subprocess.Popen(["blender", "-b", blend, "--python", os.path.join(ADAPTER, "headless.py"), "--",
                                      "--data", data, "--seconds", str(seconds), "--edits", self.edits],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=blender_env())
        self.events = []
        self.attached = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("{"):
                event = json.loads(line)
                self.events.append(event)
                if event["event"] == "attached":
                    self.attached.set()

    def finish(self, timeout=120):
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        self.proc.stdout.close()
        os.unlink(self.edits)
        return self.events

    def first(self, kind):
        return next(e for e in self.events if e["event"] == kind)


@unittest.skipIf(shutil.which("blender") is None, "real Blender is not installed (run-tests installs it: apt-get install blender)")
class BlenderProjectIdentityTests(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="vibesync-identity-")
        self.data = os.path.join(self.work, "data")
        self.serve_log = open(os.path.join(self.work, "serve.log"), "w")  # unread: a pipe could fill and block serve
        self.serve = subprocess.Popen(serve_command(self.data), stdout=subprocess.PIPE, stderr=self.serve_log, text=True)
        self.assertTrue(self.serve.stdout.readline().startswith("vibesync serve:"))
        with open(os.path.join(self.data, "project.json"), encoding="utf-8") as f:
            self.project = json.load(f)["project_id"]

    def tearDown(self):
        self.serve.terminate()
        self.serve.wait(timeout=30)
        self.serve.stdout.close()
        self.serve_log.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def status(self):
        return json.loads(cli("status", "--data", self.data, "--json").stdout)

    def cube_translation(self):
        objects = json.loads(cli("state", "--engine", "reality", "--data", self.data).stdout)["objects"]
        return next(([round(v, 5) for v in o["translation"]] for o in objects if o["name"] == "Cube"), None)

    def serve_log_lines(self):
        self.serve_log.flush()
        with open(self.serve_log.name, encoding="utf-8") as f:
            return f.read().splitlines()

    def test_a_file_is_stamped_on_welcome_and_saved_it_is_the_projects_own(self):
        a = os.path.join(self.work, "A.blend")
        make_blend(a, seed=1, objects=10)
        self.assertIsNone(inspect(a)["project"])
        run = HeadlessBlender(a, self.data, seconds=3, edits=[{"at": 2.0, "save": a}])
        events = run.finish()
        self.assertEqual("connected", run.first("attached")["connection"], events)
        saved = inspect(a)
        self.assertEqual((self.project, CONTENT_SCHEMA), (saved["project"], saved["schema"]))  # the orchestrator's schema
        self.assertTrue(all(saved["ids"].values()))
        again = HeadlessBlender(a, self.data, seconds=2)
        again.finish()
        attached = again.first("attached")
        self.assertEqual(("connected", 0), (attached["connection"], attached["stamped"]))  # its own: nothing rewritten

    def test_a_file_of_another_project_is_refused_untouched_until_a_human_pairs_it(self):
        a, b = os.path.join(self.work, "A.blend"), os.path.join(self.work, "B.blend")
        make_blend(a, seed=2, objects=10)
        HeadlessBlender(a, self.data, seconds=2.5, edits=[{"at": 1.5, "save": a}]).finish()  # A is the project's file
        other = "9d1b7c5e-0a2f-4e3b-8c6d-5f4e3d2c1b0a"
        make_blend(b, seed=3, objects=6, project=other)
        while_refused, after_pairing = os.path.join(self.work, "B-refused.blend"), os.path.join(self.work, "B-paired.blend")
        run = HeadlessBlender(b, self.data, seconds=11, edits=[{"at": 2.0, "save": while_refused}, {"at": 10.0, "save": after_pairing}])
        self.assertTrue(run.attached.wait(timeout=120))
        time.sleep(3.0)
        paired = cli("pair", "--engine", "blender", "--replace", "--data", self.data)
        self.assertEqual(0, paired.returncode, paired.stdout + paired.stderr)
        events = run.finish()
        attached = run.first("attached")
        self.assertEqual("refused", attached["connection"], events)
        self.assertIn("PROJECT_MISMATCH", attached["error"])
        self.assertIn(f"belongs to VibeSync project {other}", attached["error"])
        self.assertIn("vibesync pair --engine blender --replace", attached["error"])
        refusals = [e for e in events if e["event"] == "log" and "refused this file" in e["message"]]
        # Shown once per file (saving it under another name names the new file), retried quietly.
        self.assertEqual(len(refusals), len({e["message"] for e in refusals}), events)
        self.assertLessEqual(len(refusals), 2, events)
        untouched = inspect(while_refused)
        self.assertEqual(other, untouched["project"])
        self.assertEqual({None}, set(untouched["ids"].values()))  # no ID written while refused
        self.assertEqual("connected", run.first("stopped")["connection"], events)  # the retry got in once paired
        adopted = inspect(after_pairing)
        self.assertEqual(self.project, adopted["project"])
        self.assertTrue(all(adopted["ids"].values()))

    def test_an_unstamped_file_at_another_path_is_refused_once_blender_is_paired(self):
        a, b = os.path.join(self.work, "A.blend"), os.path.join(self.work, "B.blend")
        make_blend(a, seed=5, objects=8)
        make_blend(b, seed=6, objects=6)
        first = HeadlessBlender(a, self.data, seconds=2)  # paired with A; its stamp is never saved
        first.finish()
        self.assertEqual("connected", first.first("attached")["connection"])
        before = self.status()["sync"]["reality_root"]
        b_copy = os.path.join(self.work, "B-while-refused.blend")
        run = HeadlessBlender(b, self.data, seconds=2.5, edits=[{"at": 1.5, "save": b_copy}])
        events = run.finish()
        attached = run.first("attached")
        self.assertEqual("refused", attached["connection"], events)
        self.assertIn("carries no VibeSync project stamp", attached["error"])
        self.assertIn(a, attached["error"])  # it names the file Blender is paired with
        untouched = inspect(b_copy)
        self.assertIsNone(untouched["project"])
        self.assertEqual({None}, set(untouched["ids"].values()))
        self.assertEqual(before, self.status()["sync"]["reality_root"])  # nothing of B reached Reality
        again = HeadlessBlender(a, self.data, seconds=2)  # A itself, unsaved stamp and all, is still welcome
        again.finish()
        self.assertEqual("connected", again.first("attached")["connection"])

    def test_a_copy_of_the_projects_file_is_accepted_and_resynced_to_reality(self):
        a = os.path.join(self.work, "A.blend")
        make_blend(a, seed=7, objects=8)
        HeadlessBlender(a, self.data, seconds=2.5, edits=[{"at": 1.5, "save": a}]).finish()  # stamped and saved
        copy = os.path.join(self.work, "A-copy.blend")
        shutil.copyfile(a, copy)
        # Reality moves on while no Blender is attached (another seat, a human at the CLI).
        state = json.loads(cli("state", "--engine", "reality", "--data", self.data).stdout)
        moved = next(o for o in state["objects"] if o["kind"] == "empty" or o["kind"] == "mesh")
        intent = {"operations": [{"op": "set_transform", "uuid": moved["uuid"], "translation": [4.0, 5.0, 6.0]}], "rationale": "moved while Blender was closed"}
        path = os.path.join(self.work, "move.json")
        with open(path, "w") as f:
            json.dump(intent, f)
        submitted = cli("submit", path, "--wait", "--data", self.data)
        self.assertEqual(0, submitted.returncode, submitted.stdout + submitted.stderr)
        saved = os.path.join(self.work, "A-copy-after.blend")
        run = HeadlessBlender(copy, self.data, seconds=4, edits=[{"at": 3.0, "save": saved}])
        events = run.finish()
        self.assertEqual("connected", run.first("attached")["connection"], events)
        after = inspect(saved)
        self.assertEqual(self.project, after["project"])
        # canonical (x, y, z) = (4, 5, 6) is Blender (x, -z, y)
        self.assertEqual([4.0, -6.0, 5.0], [round(v, 5) for v in after["locations"][moved["name"]]])

    def test_a_file_of_a_newer_content_schema_is_refused_untouched(self):
        newer = os.path.join(self.work, "newer.blend")
        make_blend(newer, seed=4, objects=5, project=self.project, schema=CONTENT_SCHEMA + 1)
        copy = os.path.join(self.work, "newer-copy.blend")
        run = HeadlessBlender(newer, self.data, seconds=2.5, edits=[{"at": 1.5, "save": copy}])
        events = run.finish()
        attached = run.first("attached")
        self.assertEqual("refused", attached["connection"], events)
        self.assertIn("SCHEMA_MISMATCH", attached["error"])
        untouched = inspect(copy)
        self.assertEqual((self.project, CONTENT_SCHEMA + 1), (untouched["project"], untouched["schema"]))
        self.assertEqual({None}, set(untouched["ids"].values()))

    def test_a_700_by_700_grid_syncs_over_blobs_and_the_session_stays_up(self):
        scan = os.path.join(self.work, "scan.blend")
        run = blender("--factory-startup", "--python-exit-code", "1", "--python-expr", GRID, "--", scan)
        self.assertEqual(0, run.returncode, run.stderr[-2000:])
        headless = HeadlessBlender(scan, self.data, seconds=120, edits=[{"at": 1.0, "object": "Cube", "location": [1.0, 2.0, 3.0]}])
        self.assertTrue(headless.attached.wait(timeout=120))
        # Read status while it runs (a detached engine has no list): at least 5 s into the session, and once
        # the cube's move is in Reality (at most 60 s), then stop Blender the way a user would. The move
        # lands as an accepted EDIT, or — made before the 490,000-vertex grid has attached and gone live,
        # as on a loaded machine — refused then and adopted with what its human edited meanwhile, which
        # edits_accepted does not count (CI saw 0 twice while the move was in Reality).
        attached_at = time.monotonic()
        while True:
            time.sleep(0.5)
            status = self.status()
            moved = self.cube_translation() == [1.0, 3.0, -2.0]  # Blender (1, 2, 3), canonical
            waited = time.monotonic() - attached_at
            if (waited >= 5.0 and moved) or waited >= 60.0:
                break
        headless.proc.send_signal(signal.SIGTERM)
        events = headless.finish()
        attached, stopped = headless.first("attached"), headless.first("stopped")
        self.assertEqual("connected", attached["connection"], events)
        self.assertEqual("connected", stopped["connection"], events)  # one session all along: no reconnect loop
        self.assertEqual([], [e for e in events if e["event"] == "log" and "link closed" in e["message"]])
        self.assertEqual([], attached["not_synced"])  # a small record over blobs, no longer over the frame limit
        link = status["link"]
        self.assertEqual(0, link["junk_dropped"], link)
        self.assertEqual(0, link["violations"], link)
        self.assertTrue(moved, status)  # the cube's move went through
        adopted = [json.loads(l) for l in self.serve_log_lines() if '"phase":"FINAL"' in l and "while it was being attached" in l]
        self.assertEqual(1 if link["edits_accepted"] == 0 else 0, len(adopted), adopted)  # accepted as an EDIT, or adopted once live
        self.assertEqual(100, next(e for e in link["engines"] if e["engine"] == "blender")["trust"])  # an honest report costs nothing
        blender_status = next(e for e in status["sync"]["engines"] if e["engine"] == "blender")
        self.assertEqual([], blender_status["not_synced"], blender_status)
        stored = [os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(os.path.join(self.data, "blobs"))
                  for f in files if ".partial" not in root]
        self.assertGreaterEqual(max(stored, default=0), 490_000 * 12, stored)  # its positions reached the store


if __name__ == "__main__":
    unittest.main()
