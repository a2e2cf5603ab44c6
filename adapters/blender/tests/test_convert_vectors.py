"""testdata/convert_vectors.json: conversions and float32 storage, compared exactly."""

import json
import unittest

from vibesync_blender.protocol import read_canonical, stored_as
from vibesync_blender.protocol.convert import from_canonical, qmul

from .support import vectors

DATA = vectors("convert_vectors.json")
FIELDS = {"blender": ("location", "rotation_quaternion", "scale"),
          "unity": ("localPosition", "localRotation", "localScale"),
          "canonical": ("translation", "rotation", "scale")}


def native_json(scene, space, unit_scale):
    """Values of a (canonical) Scene in ``space``, shaped like the vectors' expected scenes."""
    s = from_canonical(scene, space, unit_scale)
    t, r, sc = FIELDS[space]
    out = {"unit_scale": unit_scale} if space == "blender" else {}
    out["objects"] = [{"uuid": o.uuid, "name": o.name, "kind": o.kind, "parent": o.parent, t: list(o.translation),
                       r: [o.rotation[3], *o.rotation[:3]] if space == "blender" else list(o.rotation),
                       sc: list(o.scale), "visible": o.visible, "materials": list(o.materials), "mesh": o.mesh}
                      for o in s.objects]
    out["materials"] = [{"uuid": m.uuid, "name": m.name, "base_color": list(m.base_color), "metallic": m.metallic,
                         "roughness": m.roughness, "emission": list(m.emission)} for m in s.materials]
    out["meshes"] = []
    for m in s.meshes:
        d = {"uuid": m.uuid, "positions": [list(p) for p in m.positions], "triangles": [list(x) for x in m.triangles]}
        if m.uv0 is not None:
            d["uv0"] = [list(u) for u in m.uv0]
        out["meshes"].append(d)
    return out


class ConvertVectorTests(unittest.TestCase):
    def test_every_conversion_gives_exactly_the_vector_values(self):
        self.assertGreaterEqual(len(DATA["cases"]), 20)
        for case in DATA["cases"]:
            with self.subTest(case["name"]):
                unit = case["expected"].get("unit_scale", 1.0)
                scene = read_canonical(json.dumps(case["scene"]), case["from"])
                self.assertEqual(native_json(scene, case["to"], unit), case["expected"])

    def test_float32_storage_is_predicted_as_the_vectors_say(self):
        for case in DATA["stored_as_cases"]:
            with self.subTest(case["name"]):
                scene = read_canonical(json.dumps(case["scene"]), "canonical")
                got = stored_as(scene, case["stored_as"], case["unit_scale"])
                self.assertEqual(native_json(got, "canonical", 1.0), case["expected"])

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
