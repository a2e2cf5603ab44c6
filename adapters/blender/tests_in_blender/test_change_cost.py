"""The change detector's work follows the edit, not the scene (issue #20): in a scene of 2,000
objects, an edit reads the records it touched and finds its datablocks without a name search
(Blender's is linear: 20 ms per lookup at 100,000 objects), and a click that only selects reads
nothing. Counted, not timed: a return to whole-scene work fails these at any machine speed."""

import unittest
from unittest import mock

import bpy

from vibesync_blender.protocol.hashing import hash_scene
from vibesync_blender.protocol.model import SceneObject
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.changes import ChangeDetector
from vibesync_blender.runtime import membership
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


class WholeScene:
    """Whole-scene work while the block runs: rescans (identity.scan), whole reads (canonical_scene
    with no IDs), the records read (object records, and the IDs partial reads asked for). The switch's
    own rescan and read (ChangeDetector._verify) are not counted: they check, they are not the work."""

    def __init__(self):
        self.scans = self.whole_reads = self.objects_read = self.asked = 0
        self._checking = False
        scan, read, obj, verify = identity.scan, reading.canonical_scene, reading.blender_object, ChangeDetector._verify

        def counted_scan(*a, **k):
            self.scans += not self._checking
            return scan(*a, **k)

        def counted_read(scene, index, uuids=None, *a, **k):
            if not self._checking:
                self.whole_reads += uuids is None
                self.asked += len(uuids) if uuids is not None else 0
            return read(scene, index, uuids, *a, **k)

        def counted_object(*a, **k):
            self.objects_read += not self._checking
            return obj(*a, **k)

        def checking(detector, *a, **k):
            self._checking = True
            try:
                return verify(detector, *a, **k)
            finally:
                self._checking = False
        self._patches = [mock.patch.object(identity, "scan", counted_scan), mock.patch.object(reading, "canonical_scene", counted_read),
                         mock.patch.object(reading, "blender_object", counted_object),
                         mock.patch.object(ChangeDetector, "_verify", checking)]

    def __enter__(self):
        for p in self._patches:
            p.start()
        return self

    def __exit__(self, *exc):
        for p in self._patches:
            p.stop()


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

    def test_a_click_that_only_selects_makes_no_python_pass_over_the_objects(self):
        self.watch.detector.verify_structure = True  # the pass runs aside and must agree with the glance
        with Counted(shown=membership, visible=membership) as calls:
            for obj in (self.leaf, bpy.data.objects["Obj5"], self.root):
                obj.select_set(True)
                self.watch.settle()
        self.assertEqual([], self.watch.edits())
        self.assertEqual(3, len(self.watch.detector.structure_checks))  # each click answered by the glance alone…
        self.assertEqual([None] * 3, self.watch.detector.structure_checks)  # …and the pass agreed each time
        self.assertEqual(3, calls["shown"], calls)  # only the switch's own pass, once per click
        self.watch.detector.verify_structure = False
        with Counted(shown=membership, visible=membership) as calls:
            self.leaf.select_set(False)
            self.watch.settle()
        self.assertEqual({"shown": 0, "visible": 0}, calls)

    def test_every_change_a_scene_only_update_may_carry_changes_the_glance_when_it_changes_what_is_shown(self):
        scene = bpy.context.scene
        obj, other = bpy.data.objects["Obj3"], bpy.data.objects["Obj9"]
        extra = bpy.data.objects.new("Extra", None)
        hidden = bpy.data.collections.new("Hidden")

        def swap():  # one object out and another in: the count stays
            scene.collection.objects.unlink(other)
            scene.collection.objects.link(extra)
        changes = [("select", lambda: obj.select_set(True)), ("hide", lambda: obj.hide_set(True)), ("unhide", lambda: obj.hide_set(False)),
                   ("disable in viewports", lambda: setattr(obj, "hide_viewport", True)),
                   ("enable", lambda: setattr(obj, "hide_viewport", False)), ("rename", lambda: setattr(obj, "name", "Renamed")),
                   ("swap", swap), ("hide another", lambda: extra.hide_set(True))]
        for what, change in changes:
            bpy.context.view_layer.update()
            before = (membership.glance(scene), membership.shown(scene))
            change()
            bpy.context.view_layer.update()
            after = (membership.glance(scene), membership.shown(scene))
            self.assertIsNotNone(after[0], what)
            self.assertEqual(before[1] == after[1], before[0] == after[0], what)  # select: both equal; the others: both differ
        scene.collection.children.link(hidden)
        hidden.hide_viewport = True
        self.assertIsNone(membership.glance(scene))  # a collection disabled in viewports: the Python pass decides
        hidden.hide_viewport = False
        bpy.context.view_layer.layer_collection.children["Hidden"].hide_viewport = True
        self.assertIsNone(membership.glance(scene))

    def test_a_hide_after_selecting_clicks_is_still_sent(self):
        for _ in range(2):
            self.leaf.select_set(True)
            self.watch.settle()
        self.leaf.hide_set(True)
        self.watch.settle()
        self.assertIn({"op": "set_visibility", "uuid": self.leaf[PROP], "visible": False}, self.ops())

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

    def test_a_remembered_object_renamed_is_found_by_its_reference_and_the_index_follows_its_name(self):
        uid = self.leaf[PROP]
        self.adapter.index.object(uid)
        self.leaf.name = "Renamed leaf"
        with counting() as calls:
            self.assertIs(self.leaf, self.adapter.index.object(uid))
        self.assertEqual(0, calls["_resolve"], calls)  # no name search
        self.assertEqual("Renamed leaf", self.adapter.index.objects[uid])

    def test_an_object_deleted_and_replaced_by_one_of_the_same_name_is_not_taken_for_it(self):
        uid, name = self.leaf[PROP], self.leaf.name
        self.adapter.index.object(uid)
        bpy.data.objects.remove(self.leaf)
        newcomer = bpy.data.objects.new(name, None)
        bpy.context.scene.collection.objects.link(newcomer)
        self.assertEqual(name, newcomer.name)
        self.assertIsNone(self.adapter.index.object(uid))

    def test_an_edits_tick_does_not_carry_the_visibility_polls_round_and_the_next_quiet_tick_does(self):
        self.watch.clock.now += 10.0  # the poll is due
        self.leaf.location.x = 500.0
        with Counted(visible=reading) as calls:
            self.watch.settle()
        self.assertEqual([{"set_transform"}], [{op["op"] for op in batch} for batch in self.watch.edits()])
        self.assertEqual(1, calls["visible"], calls)  # the edited object's record only, not 200 objects' round
        with Counted(visible=reading) as calls:
            self.watch.settle()
        self.assertEqual(200, calls["visible"], calls)  # a tick with nothing to send: the round runs there

    def test_a_hide_no_update_names_is_found_by_the_poll_and_sent_in_the_same_tick(self):
        uid = next(iter(self.adapter.index.objects))  # first in the poll's round
        obj = self.adapter.index.object(uid)
        obj.hide_set(True)  # no evaluation: no depsgraph update names it
        self.watch.clock.now += 10.0
        sent = self.watch.detector.tick()
        self.assertIn({"op": "set_visibility", "uuid": uid, "visible": False}, sent["operations"])


class StructuralChangeCostTests(unittest.TestCase):
    """Objects added (a primitive, Shift+D, Alt+D) or deleted among 2,000: stamped, read and sent
    alone, no rescan and no whole read; the switch (verify_structure) checks each against what a
    whole rescan would have sent and indexed, and the scene's root against a fresh whole read."""

    def setUp(self):
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        scene = bpy.context.scene
        for i in range(OBJECTS):
            o = bpy.data.objects.new(f"Obj{i}", None)
            scene.collection.objects.link(o)
            o.location = (i % 50, i // 50, 0)
        self.parent = bpy.data.objects["Obj10"]
        self.parent.location = (3.0, 0.0, 0.0)
        self.children = [bpy.data.objects["Obj11"], bpy.data.objects["Obj12"]]
        for c in self.children:
            c.parent = self.parent
        bpy.context.view_layer.update()
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.watch = Watch(self.adapter)
        self.detector = self.watch.detector
        self.detector.verify_structure = True

    def tearDown(self):
        self.watch.close()

    def change(self, act):
        """Runs ``act``, then the detector, counting; returns (the operations sent, the work)."""
        before, passes = len(self.watch.edits()), dict(self.detector.structure_passes)
        with WholeScene() as work:
            act()
            self.watch.settle()
        ops = [op for batch in self.watch.edits()[before:] for op in batch]
        self.assertEqual([None], self.detector.structure_checks[-1:], "the fast path and a whole rescan disagree")
        self.detector.structure_checks.clear()
        self.assertEqual({"membership": passes["membership"] + 1, "whole": passes["whole"]}, self.detector.structure_passes)
        self.assertEqual(0, work.scans)
        self.assertEqual(0, work.whole_reads)
        self.assertLessEqual(work.objects_read, 4)
        self.assertLessEqual(work.asked, 6)
        self.assert_as_a_fresh_read()
        return ops, work

    def assert_as_a_fresh_read(self):
        """The adapter's root and the detector's known objects are a fresh whole rescan's and read's."""
        scene = bpy.context.scene
        fresh_index = identity.scan(scene, previous=self.adapter.index)
        fresh_index.geometry = self.adapter.index.geometry
        fresh = reading.canonical_scene(scene, fresh_index, None, self.adapter.limits)
        self.assertEqual(hash_scene(fresh).root, hash_scene(self.adapter.canonical()).root)
        objects = {o.uuid: o for o in fresh.objects}
        self.assertEqual(objects, {u: r for u, r in self.detector.known.items() if isinstance(r, SceneObject)})

    def add_cube(self):
        bpy.ops.mesh.primitive_cube_add(location=(1.0, 2.0, 3.0))
        return bpy.context.active_object

    def test_a_primitive_added_among_2000_objects_is_stamped_read_and_sent_alone(self):
        ops, work = self.change(self.add_cube)
        cube = bpy.context.active_object
        self.assertEqual(["create_mesh", "create_object"], [op["op"] for op in ops])
        self.assertEqual(cube[PROP], ops[1]["uuid"])
        self.assertEqual(cube.data[PROP], ops[1]["mesh"])
        self.assertEqual(1, work.objects_read)
        self.assertEqual({"membership": 1, "whole": 0}, self.detector.structure_passes)

    def test_shift_d_gives_the_copy_a_fresh_id_and_its_own_mesh_and_the_original_keeps_its_ids(self):
        self.change(self.add_cube)
        original = bpy.context.active_object
        ids = (original[PROP], original.data[PROP])
        original.location.x = 5.0  # moved first: its own transform is noted, and the copy starts with the same
        self.watch.settle()
        ops, _ = self.change(bpy.ops.object.duplicate)
        copy = bpy.context.active_object
        self.assertIsNot(original, copy)
        self.assertEqual(ids, (original[PROP], original.data[PROP]))
        self.assertNotIn(copy[PROP], ids)
        self.assertNotIn(copy.data[PROP], ids)
        self.assertEqual([("create_mesh", copy.data[PROP]), ("create_object", copy[PROP])], [(op["op"], op["uuid"]) for op in ops])
        self.assertEqual(copy.data[PROP], ops[1]["mesh"])
        self.assertEqual(original.name, self.adapter.index.objects[ids[0]])

    def test_alt_d_gives_the_copy_a_fresh_id_and_shares_the_original_mesh(self):
        self.change(self.add_cube)
        original = bpy.context.active_object
        uid, mesh = original[PROP], original.data[PROP]
        ops, _ = self.change(lambda: bpy.ops.object.duplicate(linked=True))
        copy = bpy.context.active_object
        self.assertNotEqual(uid, copy[PROP])
        self.assertEqual(uid, original[PROP])
        self.assertEqual([("create_object", copy[PROP])], [(op["op"], op["uuid"]) for op in ops])
        self.assertEqual(mesh, ops[0]["mesh"])

    def test_an_object_deleted_among_2000_is_sent_deleted_and_its_id_is_never_used_again(self):
        leaf = bpy.data.objects["Obj1999"]
        uid = leaf[PROP]
        for o in bpy.context.selected_objects:
            o.select_set(False)
        leaf.select_set(True)
        ops, work = self.change(bpy.ops.object.delete)
        self.assertEqual([{"op": "delete_object", "uuid": uid, "children": "reparent"}], ops)
        self.assertEqual(0, work.objects_read)
        self.assertIn(uid, self.adapter.index.tombstones)
        self.assertNotIn(uid, self.adapter.index.objects)

    def test_a_cube_deleted_drops_its_mesh_from_the_index_as_a_rescan_would(self):
        self.change(self.add_cube)
        cube = bpy.context.active_object
        uid, mesh = cube[PROP], cube.data[PROP]
        ops, _ = self.change(lambda: bpy.data.objects.remove(cube))
        self.assertEqual([{"op": "delete_object", "uuid": uid, "children": "reparent"}], ops)
        self.assertNotIn(mesh, self.adapter.index.meshes)

    def test_a_parent_deleted_is_sent_with_its_children_reparented(self):
        uid = self.parent[PROP]
        children = sorted(c[PROP] for c in self.children)
        ops, work = self.change(lambda: bpy.data.objects.remove(self.parent))
        self.assertEqual({"op": "delete_object", "uuid": uid, "children": "reparent"}, ops[0])
        self.assertEqual([(c, None) for c in children], [(op["uuid"], op["parent"]) for op in ops if op["op"] == "set_parent"])
        self.assertEqual(2, work.objects_read)

    def test_a_parent_duplicated_with_its_children_creates_the_parent_first_under_fresh_ids(self):
        for o in bpy.context.selected_objects:
            o.select_set(False)
        for o in [self.parent] + self.children:
            o.select_set(True)
        bpy.context.view_layer.objects.active = self.parent
        before = {o[PROP] for o in [self.parent] + self.children}
        ops, _ = self.change(bpy.ops.object.duplicate)
        copies = list(bpy.context.selected_objects)
        self.assertEqual(3, len(copies))
        self.assertEqual(before, {o[PROP] for o in [self.parent] + self.children})  # the originals keep theirs
        self.assertFalse({o[PROP] for o in copies} & before)
        created = [op for op in ops if op["op"] == "create_object"]
        self.assertEqual(3, len(created))
        parent_copy = next(o for o in copies if o.parent is None or o.parent not in copies)
        self.assertEqual(parent_copy[PROP], created[0]["uuid"])
        self.assertEqual({parent_copy[PROP]}, {op["parent"] for op in created[1:]})

    def test_an_object_the_adapter_created_is_no_news_and_a_human_delete_of_it_takes_the_fast_path(self):
        uid = identity.new_id()
        typ, reply = self.adapter.apply(1, [{"op": "create_object", "uuid": uid, "name": "FromUnity", "kind": "empty", "parent": None,
                                             "translation": [0.0, 0.0, 1.0], "rotation": [0.0, 0.0, 0.0, 1.0],
                                             "scale": [1.0, 1.0, 1.0], "visible": True}])
        self.watch.settle()
        self.assertEqual([], self.watch.edits())  # no echo
        self.assertEqual({"membership": 0, "whole": 0}, self.detector.structure_passes)
        obj = self.adapter.index.object(uid)
        ops, _ = self.change(lambda: bpy.data.objects.remove(obj))
        self.assertEqual([{"op": "delete_object", "uuid": uid, "children": "reparent"}], ops)

    def test_an_armature_added_falls_back_to_the_whole_rescan(self):
        bpy.ops.object.armature_add()
        self.watch.settle()
        self.assertEqual({"membership": 0, "whole": 1}, self.detector.structure_passes)
        self.assertTrue(any(op["op"] == "create_object" and op["kind"] == "armature" for op in self.ops()))

    def ops(self):
        return [op for batch in self.watch.edits() for op in batch]
