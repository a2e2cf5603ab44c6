"""The change detector's work follows the edit, not the scene (issue #20): in a scene of 2,000
objects, an edit reads the records it touched and finds its datablocks without a name search
(Blender's is linear: 20 ms per lookup at 100,000 objects), and a click that only selects reads
nothing. Counted, not timed: a return to whole-scene work fails these at any machine speed."""

import unittest
from unittest import mock

import bpy

from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene import identity, reading
from vibesync_blender.scene.identity import PROP

from .harness import Watch

OBJECTS = 2000


class Counted:
    """Calls of module functions, counted while the block runs (the functions still run)."""

    def __init__(self, **targets):
        self.calls = {name: 0 for name in targets}
        self._patches = [mock.patch.object(module, name, side_effect=self._count(name, getattr(module, name)))
                         for name, module in targets.items()]

    def _count(self, name, fn):
        def counted(*args, **kwargs):
            self.calls[name] += 1
            return fn(*args, **kwargs)
        return counted

    def __enter__(self):
        for p in self._patches:
            p.start()
        return self.calls

    def __exit__(self, *exc):
        for p in self._patches:
            p.stop()


def counting():
    return Counted(blender_object=reading, fingerprint=reading, _resolve=identity)


class ChangeCostTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        scene = bpy.context.scene
        self.root = bpy.data.objects.new("Root", None)
        scene.collection.objects.link(self.root)
        self.lens = bpy.data.cameras.new("Lens")
        self.cameras = []
        for i in range(2):
            cam = bpy.data.objects.new(f"Cam{i}", self.lens)
            scene.collection.objects.link(cam)
            self.cameras.append(cam)
        for i in range(OBJECTS - 3):
            o = bpy.data.objects.new(f"Obj{i}", None)
            scene.collection.objects.link(o)
            o.location = (i % 50, i // 50, 0)
            if i < 200:
                o.parent = self.root
        bpy.context.view_layer.update()
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.watch = Watch(self.adapter)
        self.leaf = bpy.data.objects[f"Obj{OBJECTS - 4}"]

    def tearDown(self):
        self.watch.close()

    def ops(self):
        return [op for batch in self.watch.edits() for op in batch]

    def test_a_leaf_edit_among_2000_objects_reads_one_object_and_searches_no_name(self):
        self.leaf.location.x = 500.0
        with counting() as calls:
            self.watch.settle()
        self.assertEqual([{"set_transform"}], [{op["op"] for op in batch} for batch in self.watch.edits()])
        self.assertEqual(1, calls["blender_object"], calls)
        self.assertEqual(0, calls["_resolve"], calls)  # found by its ID, not by Blender's linear name search

    def test_a_parent_moved_above_200_children_reads_the_parent_and_passes_over_the_children(self):
        self.root.location.x = 1.0
        self.watch.settle()  # the first move: each child's own transform is noted
        self.root.location.x = 2.0
        with counting() as calls:
            self.watch.settle()
        self.assertEqual([self.root[PROP]], [op["uuid"] for op in self.ops()[-1:]])
        self.assertEqual(1, calls["blender_object"], calls)
        self.assertLessEqual(calls["fingerprint"], 3, calls)  # not 201

    def test_a_child_moved_with_its_parent_is_still_sent(self):
        child = bpy.data.objects["Obj7"]
        self.root.location.x = 1.0
        self.watch.settle()
        self.root.location.x = 2.0
        child.location.y = 40.0
        self.watch.settle()
        moved = {op["uuid"] for op in self.watch.edits()[-1] if op["op"] == "set_transform"}
        self.assertEqual({self.root[PROP], child[PROP]}, moved)

    def test_a_click_that_only_selects_reads_nothing_and_a_hide_is_still_sent(self):
        with counting() as calls:
            self.leaf.select_set(True)
            self.watch.settle()
        self.assertEqual([], self.watch.edits())
        self.assertEqual(0, calls["blender_object"], calls)
        bpy.data.objects["Obj3"].hide_set(True)
        self.watch.settle()
        self.assertIn({"op": "set_visibility", "uuid": bpy.data.objects["Obj3"][PROP], "visible": False}, self.ops())

    def test_a_lens_edit_reads_the_two_objects_showing_that_camera_only(self):
        self.lens.lens = 30.0
        self.watch.settle()  # the first finds the camera's users in one pass, kept for the next
        self.lens.lens = 40.0
        passes = []
        each = identity.Index.each
        with counting() as calls, mock.patch.object(identity.Index, "each", lambda index, table: passes.append(table) or each(index, table)):
            self.watch.settle()
        self.assertEqual({cam[PROP] for cam in self.cameras}, {op["uuid"] for op in self.watch.edits()[-1] if op["op"] == "set_camera"})
        self.assertEqual(2, calls["blender_object"], calls)
        self.assertEqual([], passes)  # no pass over every object

    def test_a_deleted_object_is_not_found_through_its_old_reference(self):
        uid = self.leaf[PROP]
        self.assertIs(self.leaf, self.adapter.index.object(uid))
        bpy.data.objects.remove(self.leaf)
        self.assertIsNone(self.adapter.index.object(uid))
        self.watch.settle()
        self.assertIn({"op": "delete_object", "uuid": uid, "children": "reparent"}, self.ops())

    def test_references_are_dropped_before_undo_and_the_datablock_is_found_again_by_name(self):
        uid = self.leaf[PROP]
        self.adapter.index.object(uid)
        self.adapter.index.forget_references()
        with counting() as calls:
            self.assertEqual(self.leaf.name, self.adapter.index.object(uid).name)
        self.assertEqual(1, calls["_resolve"])
