"""Oversize content in real Blender: a mesh (or an object's evaluated mesh) over limits.mesh_vertices
is listed as RESOURCE_LIMIT (with its objects) and left out; everything else syncs, a large mesh is a
small record over blobs, no frame is ever built over the limit, and edits of such a mesh are not sent."""

import time
import unittest

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.link.limits import Limits, payload_size
from vibesync_blender.link.scene_parts import scene_parts
from vibesync_blender.not_synced import RESOURCE_LIMIT
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.changes import ChangeDetector
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene.identity import PROP

from .scenes import add_object
from .harness import Clock
from .test_real_files import _blender_doc
from .test_identity_and_hash import cli_hash


def add_grid(name, cuts, size=10.0):
    """bpy's own grid primitive: (cuts + 1)² vertices, with a UV map, as Add › Mesh › Grid makes it."""
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=cuts, y_subdivisions=cuts, size=size)
    obj = bpy.context.object
    obj.name = obj.data.name = name
    return obj


class ResourceLimitTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.logged = []
        self.adapter = BlenderAdapter(MainThreadQueue(), log=self.logged.append)

    def items(self, report):
        return {(i["name"], i.get("uuid")): i for i in report["not_synced"]}

    def test_a_700_by_700_grid_syncs_as_a_small_record_over_blobs_and_every_frame_stays_under_the_limit(self):
        grid = add_grid("Scan", 699)
        self.assertEqual(490_000, len(grid.data.vertices))
        add_object("Label", parent=grid, location=(0.0, 0.0, 1.0))
        started = time.monotonic()
        report = self.adapter.attach()
        took = time.monotonic() - started
        self.assertEqual([], report["not_synced"])
        record = next(m for m in report["scene"]["meshes"] if m["uuid"] == grid.data[PROP])
        self.assertLess(payload_size(record), 1000)  # 64 hex digits per array, not 69 MB of JSON
        self.assertGreaterEqual(record["vertex_count"], 490_000)
        shape, data = self.adapter.blobs.get(record["attributes"]["POSITION"])
        self.assertEqual(record["vertex_count"] * 12, len(data))
        names = {o["name"]: o for o in report["scene"]["objects"]}
        self.assertEqual(grid[PROP], names["Label"]["parent"])
        self.assertEqual(cli_hash(_blender_doc(report)), report["root"])
        limits = Limits()
        for part in scene_parts(report, limits):
            self.assertLessEqual(payload_size(part), limits.payload_bytes)
        self.assertLess(took, 10.0)

    def test_a_mesh_over_the_vertex_limit_is_reported_with_its_count_and_the_limit(self):
        self.adapter.limits = Limits(mesh_vertices=1000)
        grid = add_grid("Field", 39)
        report = self.adapter.attach()
        item = self.items(report)[("Field", grid.data[PROP])]
        self.assertIn("1,600 vertices, over the limit of 1,000 (limits.mesh_vertices)", item["reason"])
        self.assertNotIn("Field", {o["name"] for o in report["scene"]["objects"]})

    def test_an_evaluated_mesh_over_the_vertex_limit_is_reported_with_its_object(self):
        self.adapter.limits = Limits(mesh_vertices=1000)
        grid = add_grid("Field", 9)  # 100 vertices; its subdivision makes 1,521
        grid.modifiers.new("Subdivision", "SUBSURF").levels = 2
        report = self.adapter.attach()
        item = next(i for i in report["not_synced"] if i.get("uuid") == grid["vibesync_mesh_uuid"])
        self.assertEqual(RESOURCE_LIMIT, item["code"])
        self.assertIn("evaluated mesh of object 'Field'", item["reason"])
        self.assertIn("over the limit of 1,000 (limits.mesh_vertices)", item["reason"])
        self.assertNotIn("Field", {o["name"] for o in report["scene"]["objects"]})

    def test_edits_of_a_mesh_over_the_limit_are_not_sent_and_a_mesh_that_fits_again_is(self):
        self.adapter.limits = Limits(mesh_vertices=500)
        small = add_grid("Patch", 9)  # 100 vertices: fits
        kid = add_object("Pin", parent=small, location=(0.0, 0.0, 2.0))
        self.adapter.attach()
        sent, clock = [], Clock()
        detector = ChangeDetector(self.adapter, lambda t, p: sent.append((t, p)), clock=clock)
        self.adapter.on_changed = detector.refresh
        detector.reset()
        handler = detector.on_depsgraph
        bpy.app.handlers.depsgraph_update_post.append(lambda scene, dg: handler(dg))
        try:
            def settle():
                bpy.context.view_layer.update()
                clock.now += 1.0
                detector.tick()
                clock.now += 1.0
                detector.tick()  # a pass that found what is left out changed reads everything on the next

            def ops():
                out = [op for t, p in sent if t == MessageType.EDIT for op in p["operations"]]
                sent.clear()
                return out
            bpy.context.view_layer.objects.active = small
            bpy.ops.object.mode_set(mode="EDIT")
            bpy.ops.mesh.subdivide(number_cuts=2)  # 100 → 1,000 vertices: over the limit
            bpy.ops.object.mode_set(mode="OBJECT")
            settle()
            edits = ops()
            self.assertNotIn("replace_mesh", {op["op"] for op in edits}, edits)
            self.assertNotIn("delete_object", {op["op"] for op in edits}, edits)  # left out is not deleted
            moved = [op for op in edits if op["uuid"] == kid[PROP]]
            self.assertIn({"op": "set_parent", "uuid": kid[PROP], "parent": None}, moved)  # now under no synced parent
            self.assertIn(small.data[PROP], self.adapter.index.excluded)
            small.location.x += 3.0  # moving an object left out is not sent either
            settle()
            self.assertNotIn(small[PROP], {op["uuid"] for op in ops()})
            bpy.ops.object.mode_set(mode="EDIT")
            bpy.ops.mesh.select_all(action="SELECT")
            bpy.ops.mesh.delete(type="VERT")  # back under the limit (empty): it syncs again
            bpy.ops.object.mode_set(mode="OBJECT")
            settle()
            edits = ops()
            self.assertIn(("replace_mesh", small.data[PROP]), {(op["op"], op["uuid"]) for op in edits}, edits)
            self.assertIn({"op": "set_parent", "uuid": kid[PROP], "parent": small[PROP]}, edits)
            self.assertEqual({}, self.adapter.index.excluded)
        finally:
            bpy.app.handlers.depsgraph_update_post.clear()


if __name__ == "__main__":
    unittest.main()
