"""Content schema 4 in the Python protocol twin (docs/protocol.md §2): armatures, joints, skins,
JOINTS_0/WEIGHTS_0, morph targets and animations read, written, hashed, compared and checked against
their blobs as the C# side does (testdata/hash_vectors.json and rigging_content_vectors.json pin both)."""

import json
import os
import unittest
from dataclasses import replace

from vibesync_blender.protocol import differences, hash_scene, read_canonical
from vibesync_blender.protocol.blobs import MemoryBlobs
from vibesync_blender.protocol.encoding import SKIN_MARK, TARGETS_MARK, encode_mesh, encode_object
from vibesync_blender.protocol.model import AnimationChannel
from vibesync_blender.protocol.rigging_content import ContentError, check_scene
from vibesync_blender.protocol.scene_json import write

from .support import REPO

with open(os.path.join(REPO, "testdata", "hash_vectors.json"), encoding="utf-8") as f:
    HASHES = {c["name"]: c for c in json.load(f)["cases"]}
with open(os.path.join(REPO, "testdata", "rigging_content_vectors.json"), encoding="utf-8") as f:
    CONTENT = json.load(f)["cases"]


def _rig():
    case = HASHES["rig_armature_joints_skin_targets_animation"]
    return read_canonical(json.dumps(case["scene"]), case["space"])


class ContentSchema4Tests(unittest.TestCase):
    def test_a_rig_survives_the_round_trip_through_every_space(self):
        rig = _rig()
        root = hash_scene(rig).root
        for space in ("canonical", "blender", "unity"):
            with self.subTest(space):
                back = read_canonical(json.dumps(write(rig, space)), space)
                self.assertEqual(root, hash_scene(back).root)
                self.assertEqual((rig.skins, rig.animations, rig.meshes), (back.skins, back.animations, back.meshes))

    def test_a_skin_and_morph_targets_are_appended_to_the_schema_3_encoding(self):
        rig = _rig()
        skinned = next(o for o in rig.objects if o.skin is not None)
        bare = encode_object(replace(skinned, skin=None))
        self.assertEqual(bare, encode_object(skinned)[:len(bare)])
        self.assertEqual(SKIN_MARK, encode_object(skinned)[len(bare)])
        mesh = rig.meshes[0]
        bare_mesh = encode_mesh(replace(mesh, targets=(), weights=()))
        self.assertEqual(bare_mesh, encode_mesh(mesh)[:len(bare_mesh)])
        self.assertEqual(TARGETS_MARK, encode_mesh(mesh)[len(bare_mesh)])

    def test_blob_ids_name_the_inverse_bind_matrices_the_deltas_and_every_sampler(self):
        rig = _rig()
        ids = set(rig.blob_ids())
        self.assertIn(rig.skins[0].inverse_bind_matrices, ids)
        self.assertTrue({t.position for t in rig.meshes[0].targets} <= ids)
        self.assertTrue({b for c in rig.animations[0].channels for b in (c.times, c.values)} <= ids)

    def test_the_comparer_names_the_skin_targets_weights_and_channels_that_differ(self):
        rig = _rig()
        skinned = next(o for o in rig.objects if o.skin is not None)
        self.assertEqual(["skin"], differences(skinned, replace(skinned, skin=None)))
        mesh = rig.meshes[0]
        other = replace(mesh, targets=(replace(mesh.targets[0], normal=None), mesh.targets[1]), weights=(0.25, 0.0 + 2e-5))
        self.assertEqual(["targets[0].NORMAL", "weights[1]"], differences(mesh, other))
        self.assertEqual([], differences(mesh, replace(mesh, weights=(0.25 + 5e-6, 0.0))))
        skin = rig.skins[0]
        self.assertEqual(["joints", "skeleton"], differences(skin, replace(skin, joints=skin.joints[::-1], skeleton=None)))
        a = rig.animations[0]
        first = a.channels[0]
        moved = replace(a, channels=(replace(first, values="5" * 64, sampled=True),
                                     *(replace(c, path="translation") if c.path == "scale" else c for c in a.channels[1:2]),
                                     *a.channels[3:]))
        self.assertEqual([f"channels.{first.target}.rotation.values", f"channels.{first.target}.rotation.sampled",
                          f"channels.{a.channels[2].target}.scale"], differences(a, moved))
        self.assertIsInstance(first, AnimationChannel)

    def test_the_content_check_refuses_or_accepts_as_each_vector_says(self):
        self.assertEqual({"BLOB_MISSING", "BLOB_SHAPE", "INDEX_RANGE", "INVALID_VALUE"}, {c["code"] for c in CONTENT} - {None})
        for case in CONTENT:
            with self.subTest(case["name"]):
                scene = read_canonical(json.dumps(case["scene"]), "canonical")
                blobs = MemoryBlobs()
                for blob, b in case["blobs"].items():
                    blobs.put(blob, (b["element"], b["components"], b["count"]), bytes.fromhex(b["payload"]))
                if case["code"] is None:
                    check_scene(scene, blobs)
                    continue
                with self.assertRaises(ContentError) as raised:
                    check_scene(scene, blobs)
                self.assertEqual((case["code"], case["path"]), (raised.exception.code, raised.exception.path))


if __name__ == "__main__":
    unittest.main()
