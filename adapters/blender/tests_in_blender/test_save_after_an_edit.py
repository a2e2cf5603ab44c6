"""A save while a provisional record holds a human's edit (still waiting out the debounce, or reported
already). ``save_pre`` takes provisional intents out of the file by rolling them back and ``save_post``
re-applies them; before, that rollback wrote the intent's prior values over the human's edit, its
refresh dropped the mark (so an unsent edit was never reported), the file held the values from before
the human's edit, and the re-apply left the AI's value on screen. Now the human's unsent edit goes out
first (as before an APPLY or ROLLBACK, docs/protocol.md §11.6), the file holds the authoritative
values with the human's edits over them (what the orchestrator journals once the speculation the
human overrode is rolled back), and after the save the scene is as it was before it."""

import os
import tempfile
import unittest

import bpy

from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene.identity import PROP

from .harness import Watch, save_handlers


class SaveAfterAnEditTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.adapter = BlenderAdapter(MainThreadQueue(), log=lambda *_: None)
        self.adapter.attach()
        self.watch = Watch(self.adapter)
        self.cube = bpy.data.objects["Cube"]
        self.uid = self.cube[PROP]
        self.path = os.path.join(tempfile.mkdtemp(), "saved.blend")
        self.adapter.apply(4, [{"op": "set_transform", "uuid": self.uid, "translation": [5.0, 0.0, 0.0]}])  # the AI's
        self.watch.settle()

    def tearDown(self):
        self.watch.close()

    def mark(self):
        bpy.context.view_layer.update()  # depsgraph_update_post: marked, not read, not sent
        self.watch.clock.now += 0.01

    def save(self):
        with save_handlers(self.adapter):
            bpy.ops.wm.save_as_mainfile(filepath=self.path)

    def saved_location(self):
        """The cube's location in the saved file (read in a second Blender would cost seconds: load it here)."""
        self.watch.close()
        bpy.ops.wm.open_mainfile(filepath=self.path)
        self.watch = type("Closed", (), {"close": lambda self: None})()
        return tuple(bpy.data.objects["Cube"].location)

    def moved_to(self, x):
        return [{"op": "set_transform", "uuid": self.uid, "translation": [x, 0.0, -0.0]}]

    def test_a_marked_move_of_a_provisional_object_is_reported_before_the_save_takes_the_intent_out(self):
        self.cube.location.x = 7.0
        self.mark()
        self.assertEqual([], self.watch.edits())
        self.save()
        self.assertEqual([self.moved_to(7.0)], self.watch.edits())
        self.watch.settle()
        self.assertEqual(1, len(self.watch.edits()))  # reported once: what the save wrote and put back is no edit

    def test_a_move_not_evaluated_yet_is_reported_before_the_save(self):
        self.cube.location.x = 7.0  # set by a script or a timer before ours: no depsgraph_update_post yet
        self.save()
        self.assertEqual([self.moved_to(7.0)], self.watch.edits())

    def test_the_human_keeps_the_move_after_the_save_and_the_intent_stays_provisional(self):
        self.cube.location.x = 7.0
        self.mark()
        self.save()
        self.assertEqual((7.0, 0.0, 0.0), tuple(self.cube.location))
        self.assertIn(4, self.adapter.provisional)

    def test_the_saved_file_holds_the_human_move_over_the_authoritative_values(self):
        self.cube.location.x = 7.0
        self.mark()
        self.save()
        self.assertEqual((7.0, 0.0, 0.0), self.saved_location())

    def test_a_move_reported_before_the_save_is_kept_in_the_file_and_on_screen(self):
        self.cube.location.y = 3.0  # a move along another axis: the AI's x stays in the human's translation
        self.watch.settle()
        self.assertEqual(1, len(self.watch.edits()))
        self.save()
        self.assertEqual((5.0, 3.0, 0.0), tuple(self.cube.location))
        self.watch.settle()
        self.assertEqual(1, len(self.watch.edits()))
        self.assertEqual((5.0, 3.0, 0.0), self.saved_location())

    def test_without_a_human_edit_the_file_still_holds_the_values_from_before_the_intent(self):
        self.save()
        self.assertEqual((5.0, 0.0, 0.0), tuple(self.cube.location))
        self.assertEqual([], self.watch.edits())
        self.assertEqual((0.0, 0.0, 0.0), self.saved_location())

    def test_a_rollback_after_the_save_still_restores_the_values_from_before_the_intent(self):
        self.cube.location.x = 7.0
        self.mark()
        self.save()
        self.adapter.rollback(4)
        self.assertEqual((0.0, 0.0, 0.0), tuple(self.cube.location))


if __name__ == "__main__":
    unittest.main()
