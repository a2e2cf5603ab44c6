"""Content schema 3 in the Python protocol twin (docs/protocol.md §2): materials with textures, images,
camera and light parameters read, written, hashed and stored as the C# side does."""

import json
import unittest

from vibesync_blender.operations import read_operations
from vibesync_blender.protocol import hash_scene, read_canonical
from vibesync_blender.protocol.convert import round_to_float32, stored_as
from vibesync_blender.protocol.errors import SceneError
from vibesync_blender.protocol.scene_json import write

IMG = "00000000-0000-4000-8000-0000000000c1"
MAT = "00000000-0000-4000-8000-0000000000a1"
BLOB = "ab" * 32


def _scene():
    return {
        "objects": [
            {"uuid": "00000000-0000-4000-8000-000000000001", "name": "Cam", "kind": "camera", "parent": None,
             "translation": [0, 1, 5], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "visible": True, "materials": [],
             "mesh": None, "camera": {"type": "orthographic", "xmag": 3.6, "ymag": 2.025, "znear": 0.1, "zfar": 100}},
            {"uuid": "00000000-0000-4000-8000-000000000002", "name": "Spot", "kind": "light",
             "parent": "00000000-0000-4000-8000-000000000001", "translation": [1, 0, 0], "rotation": [0, 0, 0, 1],
             "scale": [1, 1, 1], "visible": True, "materials": [], "mesh": None,
             "light": {"type": "spot", "color": [1, 0.5, 0.25], "intensity": 543.5, "range": 12.5,
                       "inner_cone": 0.3, "outer_cone": 0.7}},
        ],
        "materials": [{"uuid": MAT, "name": "Brick", "base_color": [0.8, 0.3, 0.2, 1], "metallic": 0, "roughness": 0.9,
                       "emission": [0, 0, 0], "alpha_mode": "MASK", "alpha_cutoff": 0.4,
                       "textures": {"normal": {"image": IMG, "scale": [2, 2], "rotation": 0.5},
                                    "base_color": {"image": IMG}}}],
        "images": [{"uuid": IMG, "name": "brick.png", "mime": "image/png", "blob": BLOB, "width": 64, "height": 32,
                    "color_space": "srgb"}],
    }


class ContentSchema3Tests(unittest.TestCase):
    def test_every_new_field_survives_writing_and_reading_in_each_space(self):
        scene = read_canonical(json.dumps(_scene()), "canonical")
        root = hash_scene(scene).root
        for space in ("canonical", "blender", "unity"):
            with self.subTest(space):
                back = read_canonical(json.dumps(write(scene, space)), space)
                self.assertEqual(root, hash_scene(back).root)
                self.assertEqual(scene.materials, back.materials)
                self.assertEqual(scene.images, back.images)
                self.assertEqual([(o.camera, o.light) for o in scene.objects], [(o.camera, o.light) for o in back.objects])

    def test_a_schema_2_material_reads_with_gltf_defaults_and_is_written_whole(self):
        doc = {"materials": [{"uuid": MAT, "name": "Red", "base_color": [1, 0, 0, 1], "metallic": 0, "roughness": 0.5,
                              "emission": [0, 0, 0]}]}
        material = read_canonical(json.dumps(doc), "canonical").materials[0]
        self.assertEqual((1.0, "OPAQUE", 0.5, False, 1.0, 1.0, {}, None),
                         (material.emissive_strength, material.alpha_mode, material.alpha_cutoff, material.double_sided,
                          material.normal_scale, material.occlusion_strength, material.textures, material.unsynced))
        written = write(read_canonical(json.dumps(doc), "canonical"), "canonical")
        self.assertEqual(written["images"], [])
        self.assertEqual(set(written["materials"][0]), {"uuid", "name", "base_color", "metallic", "roughness", "emission",
                                                        "emissive_strength", "alpha_mode", "alpha_cutoff", "double_sided",
                                                        "normal_scale", "occlusion_strength", "textures", "unsynced"})

    def test_textures_are_written_in_slot_order_with_every_field(self):
        written = write(read_canonical(json.dumps(_scene()), "canonical"), "canonical")
        textures = written["materials"][0]["textures"]
        self.assertEqual(["base_color", "normal"], list(textures))
        self.assertEqual({"image": IMG, "texcoord": 0, "wrap_s": "REPEAT", "wrap_t": "REPEAT", "mag_filter": "LINEAR",
                          "min_filter": "LINEAR_MIPMAP_LINEAR", "offset": [0.0, 0.0], "rotation": 0.0, "scale": [1.0, 1.0]},
                         textures["base_color"])

    def test_float32_storage_rounds_camera_light_and_texture_reals(self):
        scene = read_canonical(json.dumps(_scene()), "canonical")
        stored = round_to_float32(scene)
        self.assertEqual(0.10000000149011612, stored.objects[0].camera.znear)
        self.assertEqual(0.30000001192092896, stored.objects[1].light.inner_cone)
        self.assertEqual(0.4000000059604645, stored.materials[0].alpha_cutoff)
        again = stored_as(stored, "unity")
        self.assertEqual(hash_scene(stored).root, hash_scene(again).root)

    def test_a_light_range_left_out_is_infinite_and_one_stated_null_too(self):
        doc = _scene()
        del doc["objects"][1]["light"]["range"]
        self.assertIsNone(read_canonical(json.dumps(doc), "canonical").objects[1].light.range)

    def test_operations_read_texture_removals_and_a_null_range(self):
        (params, light) = read_operations([
            {"op": "set_material_params", "uuid": MAT, "textures": {"emissive": None, "normal": {"image": IMG, "texcoord": 1}}},
            {"op": "set_light", "uuid": MAT, "range": None}])
        self.assertIsNone(params.get("textures")["emissive"])
        self.assertEqual(1, params.get("textures")["normal"].texcoord)
        self.assertIn("range", light.fields)
        self.assertIsNone(light.get("range"))

    def test_create_object_takes_parameters_only_for_its_own_kind(self):
        base = {"op": "create_object", "uuid": MAT, "name": "L", "parent": None, "translation": [0, 0, 0],
                "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}
        (made,) = read_operations([dict(base, kind="light", light={"type": "point", "color": [1, 1, 1], "intensity": 3})])
        self.assertEqual("point", made.get("light").type)
        with self.assertRaises(SceneError) as caught:
            read_operations([dict(base, kind="empty", light={"type": "point", "color": [1, 1, 1], "intensity": 3})])
        self.assertEqual("operations[0].light", caught.exception.path)


if __name__ == "__main__":
    unittest.main()
