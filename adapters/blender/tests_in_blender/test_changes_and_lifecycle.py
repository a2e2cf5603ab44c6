"""Human edits become typed operations (and nothing the adapter did itself comes back); undo and
file loads rebind by ID with a new generation; provisional changes never reach the disk."""

import os
import struct
import tempfile
import unittest

import bpy


from vibesync_blender.link import MessageType
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.runtime import handlers
from vibesync_blender.scene.identity import PROP

from .harness import Watch, save_handlers


class ChangeTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.watch = Watch(self.adapter)
        self.sent, self.clock, self.detector = self.watch.sent, self.watch.clock, self.watch.detector
        self.edits, self.settle = self.watch.edits, self.watch.settle
        self.cube = bpy.data.objects["Cube"][PROP]

    def tearDown(self):
        self.watch.close()

    def test_a_move_becomes_one_set_transform_in_canonical_values(self):
        bpy.data.objects["Cube"].location = (1.0, 2.0, 3.0)
        self.settle()
        self.assertEqual([[{"op": "set_transform", "uuid": self.cube, "translation": [1.0, 3.0, -2.0]}]], self.edits())

    def test_a_mesh_edited_in_edit_mode_is_sent_once_the_human_leaves_it(self):
        cube = bpy.data.objects["Cube"]
        bpy.context.view_layer.objects.active = cube
        bpy.ops.object.mode_set(mode="EDIT")
        bpy.ops.mesh.select_all(action="SELECT")
        bpy.ops.mesh.subdivide()
        bpy.data.objects.new("Marker", None)  # a structure pass meanwhile must not read the edit under way
        bpy.context.scene.collection.objects.link(bpy.data.objects["Marker"])
        self.settle()
        self.settle()
        self.assertNotIn("replace_mesh", [op["op"] for batch in self.edits() for op in batch])
        bpy.ops.object.mode_set(mode="OBJECT")
        self.settle()
        self.settle()
        replaced = [op for batch in self.edits() for op in batch if op["op"] == "replace_mesh"]
        self.assertEqual([cube.data[PROP]], [op["uuid"] for op in replaced])
        shape, data = self.adapter.blobs.get(replaced[0]["attributes"]["POSITION"])
        self.assertEqual(26, len(set(struct.iter_unpack("<3f", data))))  # the subdivided cube

    def test_the_first_change_goes_at_once_then_a_drag_is_debounced_until_quiet_and_sent_every_hold(self):
        obj = bpy.data.objects["Cube"]
        for i in range(5):  # five frames of a drag, 10 ms apart: the first goes out at once (leading edge)
            obj.location.x = i
            bpy.context.view_layer.update()
            self.clock.now += 0.01
            self.detector.tick()
        self.assertEqual(1, len(self.edits()))
        for i in range(12):  # it goes on: by the hold limit (100 ms) one more edit must have gone out
            obj.location.x = 10 + i
            bpy.context.view_layer.update()
            self.clock.now += 0.01
            self.detector.tick()
        self.assertGreaterEqual(len(self.edits()), 2)
        self.assertLessEqual(len(self.edits()), 3)
        self.clock.now += 1.0  # still: the last position goes out, and nothing after
        self.detector.tick()
        last = self.edits()[-1][0]
        self.assertEqual(21.0, last["translation"][0])
        n = len(self.edits())
        self.clock.now += 1.0
        self.detector.tick()
        self.assertEqual(n, len(self.edits()))

    def test_a_drag_holds_a_human_active_lock_that_is_released_when_still(self):
        obj = bpy.data.objects["Cube"]
        obj.location.x = 5
        bpy.context.view_layer.update()
        self.detector.tick()
        self.assertIn((MessageType.HUMAN_ACTIVE, {"uuids": [self.cube], "active": True}), self.sent)
        self.clock.now += 1.0
        self.detector.tick()
        self.assertIn((MessageType.HUMAN_ACTIVE, {"uuids": [self.cube], "active": False}), self.sent)

    def test_visibility_rename_and_material_colour(self):
        bpy.data.objects["Light"].hide_set(True)
        bpy.data.objects["Camera"].name = "Eye"
        node = bpy.data.materials["Material"].node_tree.nodes["Principled BSDF"]
        node.inputs["Roughness"].default_value = 0.125
        self.settle()
        ops = [op for batch in self.edits() for op in batch]
        kinds = sorted(op["op"] for op in ops)
        self.assertEqual(["rename", "set_material_params", "set_visibility"], kinds, ops)
        self.assertIn({"op": "set_material_params", "uuid": bpy.data.materials["Material"][PROP], "roughness": 0.125}, ops)

    def test_a_new_object_and_a_deleted_one(self):
        new = bpy.data.objects.new("Marker", None)
        bpy.context.scene.collection.objects.link(new)
        bpy.data.objects.remove(bpy.data.objects["Light"])
        self.settle()
        ops = [op for batch in self.edits() for op in batch]
        self.assertEqual({"create_object", "delete_object"}, {op["op"] for op in ops}, ops)
        self.assertIn(next(op["uuid"] for op in ops if op["op"] == "delete_object"), self.adapter.index.tombstones)
        created = next(op for op in ops if op["op"] == "create_object")
        self.assertEqual(new[PROP], created["uuid"])
        self.assertEqual("empty", created["kind"])

    def test_a_new_mesh_object_with_new_data_sends_its_mesh_and_material_first(self):
        mesh = bpy.data.meshes.new("Tri")
        mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
        mat = bpy.data.materials.new("Fresh")
        mat.use_nodes = True
        mesh.materials.append(mat)
        obj = bpy.data.objects.new("TriObj", mesh)
        bpy.context.scene.collection.objects.link(obj)
        self.settle()
        ops = [op for batch in self.edits() for op in batch]
        names = [op["op"] for op in ops]
        self.assertEqual(["create_material", "create_mesh", "create_object"], sorted(names), ops)
        self.assertLess(names.index("create_mesh"), names.index("create_object"))
        self.assertLess(names.index("create_material"), names.index("create_object"))
        created = next(op for op in ops if op["op"] == "create_object")
        self.assertEqual(mesh[PROP], created["mesh"])
        self.assertEqual([mat[PROP]], created["materials"])
        self.assertEqual("Fresh", next(op for op in ops if op["op"] == "create_material")["name"])

    def test_a_delete_that_reparents_the_children_never_comes_back_as_their_set_parent(self):
        # The children an AI's delete_object moves up a level are the intent's doing, not a human's:
        # the chaos soak saw them come back as set_parent edits (seed 2026, step #299).
        cube = bpy.data.objects["Cube"]
        kid = bpy.data.objects.new("Kid", None)
        path = bpy.data.objects.new("Path", bpy.data.curves.new("Path", "CURVE"))  # not synced: its child is reported under Cube
        grandkid = bpy.data.objects.new("Grandkid", None)
        for o in (kid, path, grandkid):
            bpy.context.scene.collection.objects.link(o)
        kid.parent = path.parent = cube
        grandkid.parent = path
        self.adapter.attach()
        self.detector.reset()
        kid_id, grandkid_id = kid[PROP], grandkid[PROP]
        self.assertEqual(self.cube, self.adapter.canonical({grandkid_id}).objects[0].parent)
        typ, reply = self.adapter.apply(1, [{"op": "delete_object", "uuid": self.cube, "children": "reparent"}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertEqual({self.cube, kid_id, grandkid_id}, self.adapter.provisional[1].touched)
        self.settle()
        self.settle()
        self.assertEqual([], self.edits())
        self.adapter.finalize([1])
        self.settle()
        self.assertEqual([], self.edits())
        self.assertIsNone(self.adapter.canonical({kid_id}).objects[0].parent)
        self.assertIsNone(self.adapter.canonical({grandkid_id}).objects[0].parent)

    def test_what_the_adapter_applies_or_rolls_back_never_comes_back_as_an_edit(self):
        typ, _ = self.adapter.apply(1, [{"op": "set_transform", "uuid": self.cube, "translation": [4, 5, 6]}])
        self.assertEqual(MessageType.APPLIED, typ)
        self.settle()
        self.adapter.rollback(1)
        self.settle()
        self.assertEqual([], self.edits())


class LifecycleTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()

    def test_undo_rebinds_by_id_with_a_new_generation(self):
        cube = bpy.data.objects["Cube"][PROP]
        bpy.ops.ed.undo_push(message="one")
        bpy.data.objects["Cube"].name = "Renamed"
        bpy.ops.ed.undo_push(message="two")
        bpy.ops.ed.undo()
        report = self.adapter.rebind("undo")
        self.assertEqual(2, report["generation"])
        self.assertEqual("Cube", self.adapter.index.object(cube).name)  # resolved by ID, not by the old name
        self.assertEqual(0, report["stamped"])

    def test_provisional_changes_are_never_saved(self):
        with save_handlers(self.adapter):
            cube = bpy.data.objects["Cube"][PROP]
            self.adapter.apply(7, [{"op": "set_transform", "uuid": cube, "translation": [9.0, 9.0, 9.0]}])
            path = os.path.join(tempfile.mkdtemp(), "provisional.blend")
            bpy.ops.wm.save_as_mainfile(filepath=path)
            self.assertIn("left out of this save", self.adapter.unsaved_provisional_note)
            self.assertEqual((9.0, -9.0, 9.0), tuple(bpy.data.objects["Cube"].location))  # still applied in the session
            self.assertIn(7, self.adapter.provisional)
        bpy.ops.wm.open_mainfile(filepath=path)
        self.assertEqual((0.0, 0.0, 0.0), tuple(bpy.data.objects["Cube"].location))  # the file has the authoritative values

    def test_a_rollback_blender_refuses_puts_the_engine_in_panic(self):
        from vibesync_blender.scene import writing
        cube = bpy.data.objects["Cube"][PROP]
        self.adapter.apply(3, [{"op": "set_transform", "uuid": cube, "translation": [1, 1, 1]}])
        self.assertEqual("ready", self.adapter.engine_state())
        original = writing.Writer.rollback

        def refuse(self, p):
            raise RuntimeError("restricted context")
        writing.Writer.rollback = refuse
        try:
            typ, reply = self.adapter.rollback(3)
        finally:
            writing.Writer.rollback = original
        self.assertEqual(MessageType.ERROR, typ)
        self.assertEqual("ENGINE_FAULT", reply["code"])
        self.assertEqual("panic", self.adapter.engine_state())

    def test_register_and_unregister_leave_nothing_behind(self):
        import vibesync_blender
        before = {name: len(getattr(bpy.app.handlers, name)) for name in dir(bpy.app.handlers) if not name.startswith("_") and isinstance(getattr(bpy.app.handlers, name), list)}
        vibesync_blender.register()
        self.assertTrue(hasattr(bpy.types, "VIBESYNC_PT_panel"))
        self.assertTrue(hasattr(bpy.types, "VIBESYNC_OT_connect"))
        vibesync_blender.unregister()
        after = {name: len(getattr(bpy.app.handlers, name)) for name in before}
        self.assertEqual(before, after)
        self.assertFalse(hasattr(bpy.types, "VIBESYNC_PT_panel"))
        self.assertEqual([], handlers.installed())
        from vibesync_blender.ui import session
        self.assertFalse(bpy.app.timers.is_registered(session._auto_connect))
        self.assertFalse(bpy.app.timers.is_registered(session._tick))


if __name__ == "__main__":
    unittest.main()
