"""An APPLY (or ROLLBACK) that writes a record its human changed and the adapter has not reported
yet (a drag waiting out its debounce, or an edit made since the last tick): the human's edit goes out
first, EDIT before APPLIED on the link, then the write lands. Before, the write's refresh took the
written value as known and dropped the mark, and the human's move never became an intent."""

import json
import unittest

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.protocol.frames import Frame
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene.identity import PROP

from .harness import RuntimeCase, Watch


class DetectorTests(unittest.TestCase):
    """The change detector alone: a marked record the adapter is about to write is reported first."""

    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.watch = Watch(self.adapter)
        self.cube = bpy.data.objects["Cube"]
        self.uid = self.cube[PROP]

    def tearDown(self):
        self.watch.close()

    def mark(self):
        bpy.context.view_layer.update()  # depsgraph_update_post: marked, not read, not sent
        self.watch.clock.now += 0.01

    def apply_x(self, intent, x):
        return self.adapter.apply(intent, [{"op": "set_transform", "uuid": self.uid, "translation": [x, 0.0, 0.0]}])

    def test_a_marked_move_of_an_object_an_apply_overwrites_is_reported_before_the_apply(self):
        self.cube.location = (2.0, 0.0, 0.0)
        self.mark()
        self.assertEqual([], self.watch.edits())
        self.assertEqual(MessageType.APPLIED, self.apply_x(1, 5.0)[0])
        self.assertEqual([[{"op": "set_transform", "uuid": self.uid, "translation": [2.0, 0.0, -0.0]}]], self.watch.edits())
        self.assertEqual((5.0, 0.0, 0.0), tuple(self.cube.location))  # then the apply landed
        self.watch.settle()
        self.assertEqual(1, len(self.watch.edits()))  # and its value is known: no echo, no second report

    def test_a_marked_rename_is_reported_before_an_apply_of_another_field_of_the_object(self):
        self.cube.name = "Renamed"
        self.mark()
        self.apply_x(1, 5.0)
        self.assertEqual([[{"op": "rename", "uuid": self.uid, "name": "Renamed"}]], self.watch.edits())

    def test_a_marked_move_is_reported_before_a_rollback_restores_the_object(self):
        self.apply_x(1, 5.0)
        self.watch.settle()
        self.cube.location = (3.0, 0.0, 0.0)
        self.mark()
        self.assertEqual(MessageType.ACK, self.adapter.rollback(1)[0])
        self.assertEqual([[{"op": "set_transform", "uuid": self.uid, "translation": [3.0, 0.0, -0.0]}]], self.watch.edits())

    def test_a_move_the_depsgraph_has_not_evaluated_yet_is_reported_before_an_apply_overwrites_it(self):
        self.cube.location = (2.0, 0.0, 0.0)  # set by a script or a timer before ours: no depsgraph_update_post yet
        self.apply_x(1, 5.0)
        self.assertEqual([[{"op": "set_transform", "uuid": self.uid, "translation": [2.0, 0.0, -0.0]}]], self.watch.edits())

    def test_an_apply_of_another_object_leaves_a_marked_edit_to_its_debounce(self):
        self.cube.location = (2.0, 0.0, 0.0)
        self.mark()
        light = bpy.data.objects["Light"][PROP]
        self.adapter.apply(1, [{"op": "set_visibility", "uuid": light, "visible": False}])
        self.assertEqual([], self.watch.edits())
        self.watch.settle()
        self.assertEqual(1, len(self.watch.edits()))


class ApplyAfterAnEditTests(RuntimeCase):
    """The whole runtime, frames in and out as over the link: EDIT reaches the link before APPLIED."""


    def command(self, typ, seq, payload):
        self.rt._handle(self.rt.channel, Frame(typ, seq, 0, json.dumps(payload).encode()))

    def order(self):
        return [t for t, _ in self.sent if t in (MessageType.EDIT, MessageType.APPLIED, MessageType.ACK)]

    def edited_x(self):
        return [op["translation"][0] for t, p in self.sent if t == MessageType.EDIT for op in p["operations"]]

    def test_a_drag_held_by_the_debounce_is_sent_before_an_apply_of_the_same_object_is_answered(self):
        self.move(1.0)
        self.rt.detector.tick()  # the leading edge goes at once
        self.move(2.0)
        self.rt.detector.tick()  # the rest of the drag waits to be quiet
        self.assertEqual([1.0], self.edited_x())
        self.command(MessageType.APPLY, 7, {"intent": 4, "operations": [
            {"op": "set_transform", "uuid": self.cube[PROP], "translation": [-9.0, 0.0, 0.0]}]})
        self.assertEqual([MessageType.EDIT, MessageType.EDIT, MessageType.APPLIED], self.order())
        self.assertEqual([1.0, 2.0], self.edited_x())  # the human's last position reached the link
        self.assertEqual(-9.0, self.cube.location.x)    # and the apply landed after it
        self.clock.now += 1.0
        self.rt.detector.tick()
        self.assertEqual([1.0, 2.0], self.edited_x())  # the applied value is not an edit

    def test_a_move_made_since_the_last_tick_is_sent_before_a_rollback_is_answered(self):
        self.command(MessageType.APPLY, 7, {"intent": 4, "operations": [
            {"op": "set_transform", "uuid": self.cube[PROP], "translation": [-9.0, 0.0, 0.0]}]})
        self.clock.now += 1.0
        self.rt.detector.tick()
        self.move(3.0)
        self.command(MessageType.ROLLBACK, 8, {"intent": 4})
        self.assertEqual([MessageType.APPLIED, MessageType.EDIT, MessageType.ACK], self.order())
        self.assertEqual([3.0], self.edited_x())
