"""The project stamp in real Blender: read for HELLO without writing anything, written on WELCOME only
when it differs, saved with the file, and never reported as an edit."""

import os
import tempfile
import unittest

import bpy

from vibesync_blender.link import CONTENT_SCHEMA, MessageType
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.changes import ChangeDetector
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene import project

from .harness import Clock

PROJECT = "3f0c2a9e-5b1d-4c6e-8f7a-9b0c1d2e3f40"
WELCOME = {"project_id": PROJECT, "schema": 1, "limits": {"frame_bytes": 16777216, "mesh_vertices": 1000000}}


class ProjectStampTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.logged = []
        self.adapter = BlenderAdapter(MainThreadQueue(), log=self.logged.append)
        self.scene = bpy.context.scene

    def test_an_unstamped_file_reports_no_project_and_reading_it_writes_nothing(self):
        self.assertEqual(project.Stamp("", CONTENT_SCHEMA), project.stamp_of(self.scene))
        self.assertNotIn(project.PROJECT, self.scene)

    def test_welcome_stamps_the_scene_and_the_stamp_survives_save_and_reload(self):
        self.adapter.welcomed(WELCOME)
        self.assertEqual((PROJECT, 1), (self.scene[project.PROJECT], self.scene[project.SCHEMA]))
        self.assertEqual(16777216, self.adapter.limits.frame_bytes)
        self.assertTrue(any(PROJECT in line for line in self.logged))
        path = os.path.join(tempfile.mkdtemp(), "stamped.blend")
        bpy.ops.wm.save_as_mainfile(filepath=path)
        bpy.ops.wm.open_mainfile(filepath=path)
        self.assertEqual(project.Stamp(PROJECT, 1), project.stamp_of(bpy.context.scene))
        self.logged.clear()
        self.adapter.welcomed(WELCOME)  # the same project: nothing is written, the file stays clean
        self.assertFalse(bpy.data.is_dirty)
        self.assertEqual([], self.logged)

    def test_another_projects_welcome_restamps_and_a_malformed_stamp_counts_as_none(self):
        self.scene[project.PROJECT] = 42
        self.assertEqual(project.Stamp(), project.stamp_of(self.scene))
        self.scene[project.PROJECT] = "x" * 201
        self.assertEqual(project.Stamp(), project.stamp_of(self.scene))
        self.scene[project.PROJECT], self.scene[project.SCHEMA] = "old-project", 7
        self.assertEqual(project.Stamp("old-project", 7), project.stamp_of(self.scene))
        self.adapter.welcomed(WELCOME)
        self.assertEqual(project.Stamp(PROJECT, 1), project.stamp_of(self.scene))

    def test_stamping_is_not_an_edit(self):
        self.adapter.attach()
        sent, clock = [], Clock()
        detector = ChangeDetector(self.adapter, lambda t, p: sent.append((t, p)), clock=clock)
        detector.reset()
        bpy.app.handlers.depsgraph_update_post.append(_forward(detector))
        try:
            self.adapter.welcomed(WELCOME)
            bpy.context.view_layer.update()
            clock.now += 1.0
            detector.tick()
        finally:
            bpy.app.handlers.depsgraph_update_post.clear()
        self.assertEqual([], [p for t, p in sent if t == MessageType.EDIT])
        self.assertEqual(PROJECT, self.scene[project.PROJECT])


def _forward(detector):
    return lambda scene, depsgraph: detector.on_depsgraph(depsgraph)


if __name__ == "__main__":
    unittest.main()
