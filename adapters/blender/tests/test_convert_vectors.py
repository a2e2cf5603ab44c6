"""testdata/convert_vectors.json: conversions and float32 storage, compared exactly."""

import json
import unittest

from vibesync_blender.protocol import read_canonical, stored_as
from vibesync_blender.protocol.scene_json import write
from vibesync_blender.protocol.convert import from_canonical, mesh_attribute, mesh_indices, qmul

from .support import vectors

DATA = vectors("convert_vectors.json")
class ConvertVectorTests(unittest.TestCase):
    def test_every_conversion_gives_exactly_the_vector_values(self):
        self.assertGreaterEqual(len(DATA["cases"]), 20)
        for case in DATA["cases"]:
            with self.subTest(case["name"]):
                unit = case["expected"].get("unit_scale", 1.0)
                scene = read_canonical(json.dumps(case["scene"]), case["from"])
                self.assertEqual(write(scene, case["to"], unit), case["expected"])

    def test_float32_storage_is_predicted_as_the_vectors_say(self):
        for case in DATA["stored_as_cases"]:
            with self.subTest(case["name"]):
                scene = read_canonical(json.dumps(case["scene"]), "canonical")
                got = stored_as(scene, case["stored_as"], case["unit_scale"])
                self.assertEqual(write(got, "canonical", 1.0), case["expected"])

    def test_mesh_blob_contents_convert_exactly_as_the_vectors_say(self):
        self.assertGreaterEqual(len(DATA["mesh_blob_cases"]), 30)
        for case in DATA["mesh_blob_cases"]:
            with self.subTest(case["name"]):
                if case["semantic"] == "indices":
                    got = mesh_indices(case["values"], case["from"], case["to"])
                else:
                    got = mesh_attribute(case["semantic"], case["values"], case["from"], case["to"], case["unit_scale"])
                self.assertEqual(list(got), case["expected"])

    def test_mesh_blob_contents_convert_alike_with_numpy(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy is not installed in this interpreter (Blender bundles it)")
        for case in DATA["mesh_blob_cases"]:
            with self.subTest(case["name"]):
                if case["semantic"] == "indices":
                    got = mesh_indices(np.array(case["values"], dtype=np.uint32), case["from"], case["to"])
                else:
                    got = mesh_attribute(case["semantic"], np.array(case["values"], dtype=np.float32), case["from"], case["to"],
                                         case["unit_scale"])
                self.assertEqual([float(x) if case["semantic"] != "indices" else int(x) for x in got], case["expected"])

    def test_the_design_briefs_blender_to_unity_mapping_holds(self):
        # DESIGN §3: u = (−bx, bz, −by); scale (bx, bz, by); Blender (w,x,y,z) → Unity (x: bx, y: −bz, z: by, w: bw).
        text = json.dumps({"objects": [{"uuid": "00000000-0000-4000-8000-000000000001", "name": "A", "kind": "empty",
                                        "parent": None, "location": [1, 2, 3], "rotation_quaternion": [0.9, 0.1, 0.2, 0.3],
                                        "scale": [4, 5, 6], "visible": True, "materials": [], "mesh": None}]})
        u = from_canonical(read_canonical(text, "blender"), "unity").objects[0]
        self.assertEqual(u.translation, (-1, 3, -2))
        self.assertEqual(u.scale, (4, 6, 5))
        self.assertEqual(u.rotation, (0.1, -0.3, 0.2, 0.9))

    def test_the_hamilton_product_composes_rotations(self):
        x90 = (0.7071067811865476, 0.0, 0.0, 0.7071067811865476)
        x180 = qmul(x90, x90)
        self.assertAlmostEqual(x180[0], 1.0)
        self.assertAlmostEqual(x180[3], 0.0)


if __name__ == "__main__":
    unittest.main()
