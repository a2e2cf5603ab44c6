"""Identity and hashing inside real Blender: IDs are stamped and persist, duplicates split, and the
adapter's root equals `vibesync hash` of the same scene."""

import json
import os
import subprocess
import tempfile
import unittest

import bpy

from vibesync_blender.protocol.fields import is_valid_id
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene.identity import PROP

from .scenes import build, random_scene_json


def cli_hash(doc):
    """The orchestrator's own `vibesync hash --space blender` of a scene JSON."""
    cli = os.environ.get("VIBESYNC_CLI")
    if not cli:
        raise unittest.SkipTest("VIBESYNC_CLI is not set (run-tests sets it to the built orchestrator)")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        out = subprocess.run(["dotnet", cli, "hash", "--space", "blender", f.name], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise AssertionError(out.stderr)
        return json.loads(out.stdout)["root"]
    finally:
        os.unlink(f.name)


def reported(report):
    """A report's scene in Blender space, as `vibesync hash --space blender` reads it. Meshes are compared
    by the records Blender reports (its normals split vertices, which an inline scene cannot say):
    their contents are checked against Blender's glTF exporter in test_meshes_gltf."""
    from vibesync_blender.protocol import scene_json
    return scene_json.write(scene_json.read_canonical(json.dumps(report["scene"]), "canonical"), "blender")


class IdentityTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.adapter = BlenderAdapter(MainThreadQueue())

    def test_attach_stamps_every_object_mesh_and_material_with_a_vibesync_id(self):
        report = self.adapter.attach()
        self.assertEqual(3, len(report["scene"]["objects"]))  # cube, camera, light
        for block in list(bpy.data.objects) + [bpy.data.meshes["Cube"], bpy.data.materials["Material"]]:
            self.assertTrue(is_valid_id(block.get(PROP)), block.name)
        self.assertEqual(6, report["stamped"])  # and the "Collection" collection
        self.assertEqual(0, self.adapter.attach()["stamped"])  # a second scan stamps nothing

    def test_ids_persist_across_save_and_load(self):
        self.adapter.attach()
        before = {o.name: o[PROP] for o in bpy.data.objects}
        path = os.path.join(tempfile.mkdtemp(), "ids.blend")
        bpy.ops.wm.save_as_mainfile(filepath=path)
        bpy.ops.wm.open_mainfile(filepath=path)
        self.assertEqual(before, {o.name: o[PROP] for o in bpy.data.objects})
        report = self.adapter.rebind("load")
        self.assertEqual(0, report["stamped"])

    def test_a_duplicate_keeps_the_original_id_on_the_original_and_gets_a_new_one(self):
        self.adapter.attach()
        cube = bpy.data.objects["Cube"]
        original = cube[PROP]
        copy = cube.copy()  # Blender copies custom properties, as Shift+D does
        bpy.context.scene.collection.objects.link(copy)
        self.assertEqual(original, copy[PROP])
        report = self.adapter.attach()
        self.assertEqual(original, bpy.data.objects["Cube"][PROP])
        self.assertNotEqual(original, copy[PROP])
        self.assertTrue(is_valid_id(copy[PROP]))
        self.assertEqual([copy[PROP]], report["ambiguous"])
        self.assertEqual(4, len(report["scene"]["objects"]))

    def test_objects_in_human_only_get_hidden_ids(self):
        c = bpy.data.collections.new("HUMAN_ONLY")
        bpy.context.scene.collection.children.link(c)
        secret = bpy.data.objects.new("Secret", None)
        c.objects.link(secret)
        self.adapter.attach()
        self.assertTrue(secret[PROP].startswith("h-"))
        self.assertFalse(bpy.data.objects["Cube"][PROP].startswith("h-"))

    def test_a_deleted_id_is_tombstoned_and_an_undone_delete_comes_back_under_a_new_id(self):
        self.adapter.attach()
        bpy.ops.ed.undo_push(message="before delete")
        cube_id = bpy.data.objects["Cube"][PROP]
        report = self.adapter.apply(1, [{"op": "delete_object", "uuid": cube_id, "children": "reparent"}])
        self.assertEqual("APPLIED", _name(report[0]), report)
        self.adapter.finalize([1])
        self.assertNotIn("Cube", bpy.data.objects)
        self.assertIn(cube_id, self.adapter.index.tombstones)
        # A human brings an object with that ID back (here by linking a copy that carries the property).
        ghost = bpy.data.objects.new("Cube", bpy.data.meshes["Cube"])
        ghost[PROP] = cube_id
        bpy.context.scene.collection.objects.link(ghost)
        self.adapter.attach()
        self.assertNotEqual(cube_id, ghost[PROP])

    def test_the_root_equals_vibesync_hash_of_the_same_scene(self):
        doc = random_scene_json(seed=11, objects=16)
        build(doc)
        report = self.adapter.attach()
        self.assertEqual(0, report["stamped"])
        self.assertEqual(cli_hash(reported(report)), report["root"])

    def test_a_unit_scale_still_matches_the_cli(self):
        doc = random_scene_json(seed=3, objects=8)
        doc["unit_scale"] = 0.5
        build(doc)
        report = self.adapter.attach()
        self.assertEqual(cli_hash(reported(report)), report["root"])


def _name(typ):
    from vibesync_blender.link import MessageType
    return {v: k for k, v in vars(MessageType).items() if isinstance(v, int)}.get(typ, typ)


if __name__ == "__main__":
    unittest.main()
