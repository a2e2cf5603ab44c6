"""Scene time sync in the real add-on (docs/protocol.md §11.10): an orchestrator's TIME poses the
scene at that frame (and subframe) through the running adapter's own frame handler and change
detector, without sending an EDIT or a TIME back; a human's scrub sends the scene's time."""

import tempfile
import time
import unittest

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.link.scene_time import encode_time
from vibesync_blender.protocol.frames import Frame
from vibesync_blender.runtime import handlers
from vibesync_blender.runtime.runtime import Runtime


class Session:
    """The parts of a link channel the runtime uses: open, its sends kept."""

    def __init__(self):
        self.closed = False
        self.sent = []

    def send(self, typ, payload):
        self.sent.append((typ, payload))
        return len(self.sent)

    def close(self, reason=""):
        self.closed = True


class SceneTimeTests(unittest.TestCase):
    def setUp(self):
        scene = bpy.context.scene
        self.saved = (scene.render.fps, scene.render.fps_base, scene.frame_current)
        scene.render.fps, scene.render.fps_base = 24, 1.0
        self.ball = bpy.data.objects.new("Ball", None)
        scene.collection.objects.link(self.ball)
        for frame, x in ((1, 0.0), (49, 10.0)):
            self.ball.location = (x, 0.0, 0.0)
            self.ball.keyframe_insert("location", frame=frame)
        for curve in self.ball.animation_data.action.fcurves:
            for key in curve.keyframe_points:
                key.interpolation = "LINEAR"
        scene.frame_set(1)
        self.dir = tempfile.TemporaryDirectory()
        self.rt = Runtime(self.dir.name, log=lambda m: None)
        self.session = Session()
        self.rt.channel = self.session
        self.rt.adapter.attach()
        self.rt.detector.reset(self.rt.adapter.last_scene)
        self.rt.timeline.start_session(True)
        handlers.install(self.rt)

    def tearDown(self):
        handlers.remove()
        self.dir.cleanup()
        action = self.ball.animation_data.action
        bpy.data.objects.remove(self.ball)
        bpy.data.actions.remove(action)
        scene = bpy.context.scene
        scene.render.fps, scene.render.fps_base = self.saved[:2]
        scene.frame_set(self.saved[2])

    def settle(self):
        """What the UI would do for a while: depsgraph updates and ticks past every debounce."""
        for _ in range(4):
            bpy.context.view_layer.update()
            time.sleep(0.12)
            self.rt.tick()

    def told(self, seconds, seq):
        self.rt._handle(self.session, Frame(MessageType.TIME, seq, 0, encode_time(seconds, seq)))

    def sent(self, typ):
        return [p for t, p in self.session.sent if t == typ]

    def test_an_incoming_time_poses_the_scene_without_an_edit_or_a_time_back(self):
        scene = bpy.context.scene
        self.told(1.0, 1)
        self.assertEqual((24, 0.0), (scene.frame_current, scene.frame_subframe))
        self.assertAlmostEqual(self.ball.matrix_world.translation.x, 10.0 * 23 / 48, places=3)  # animation evaluated at frame 24
        self.told(24.5 / 24, 2)  # between frames: a subframe
        self.assertEqual(24, scene.frame_current)
        self.assertAlmostEqual(0.5, scene.frame_subframe, places=4)
        self.told(0.25, 1)  # late: dropped
        self.assertEqual(24, scene.frame_current)
        self.settle()
        self.assertEqual([], self.sent(MessageType.EDIT))
        self.assertEqual([], self.sent(MessageType.TIME))

    def test_a_humans_scrub_sends_the_scenes_time_and_is_no_edit(self):
        bpy.context.scene.frame_set(36)
        self.settle()
        self.assertEqual([{"seconds": 1.5, "seq": 1}], self.sent(MessageType.TIME))
        self.assertEqual([], self.sent(MessageType.EDIT))

    def test_with_the_policy_off_a_time_changes_nothing_and_a_scrub_sends_nothing(self):
        self.rt.timeline.start_session(False)
        self.told(1.0, 1)
        self.assertEqual(1, bpy.context.scene.frame_current)
        bpy.context.scene.frame_set(36)
        self.settle()
        self.assertEqual([], self.sent(MessageType.TIME))


if __name__ == "__main__":
    unittest.main()
