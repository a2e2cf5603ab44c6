"""Field-wise comparison with tolerance ε (docs/protocol.md §6): what confirms a hash mismatch."""

import unittest
from dataclasses import replace

from vibesync_blender.protocol import (EPSILON, Material, Mesh, Primitive, SceneObject, differences, equal_within_epsilon,
                                       hash_scene, rotations_close)
from vibesync_blender.protocol.model import Scene

OBJECT = SceneObject(uuid="00000000-0000-4000-8000-000000000001", name="A", kind="mesh", parent=None,
                     translation=(1.0, 2.0, 3.0), rotation=(0.0, 0.6, 0.0, 0.8), scale=(1.0, 1.0, 1.0),
                     visible=True, materials=("00000000-0000-4000-8000-000000000002", None),
                     mesh="00000000-0000-4000-8000-000000000003")
MATERIAL = Material(uuid="00000000-0000-4000-8000-000000000002", name="Red", base_color=(0.8, 0.1, 0.1, 1.0),
                    metallic=0.0, roughness=0.5, emission=(0.0, 0.0, 0.0))
A_BLOB, B_BLOB, C_BLOB = "a" * 64, "b" * 64, "c" * 64
MESH = Mesh(uuid="00000000-0000-4000-8000-000000000003", vertex_count=3,
            attributes={"POSITION": A_BLOB, "TEXCOORD_0": B_BLOB}, primitives=(Primitive(0, C_BLOB),), derived=())


class CompareTests(unittest.TestCase):
    def test_a_record_equals_itself(self):
        for record in (OBJECT, MATERIAL, MESH):
            self.assertEqual(differences(record, record), [])

    def test_values_within_epsilon_are_equal_even_when_their_hashes_differ(self):
        # 0.000005 × 1e5 is a tie that goes to 0; 0.0000051 quantizes to 1: hashes differ, values do not.
        a = replace(OBJECT, translation=(0.000005, 2.0, 3.0))
        b = replace(OBJECT, translation=(0.0000051, 2.0, 3.0))
        self.assertNotEqual(hash_scene(Scene((a,))).root, hash_scene(Scene((b,))).root)
        self.assertTrue(equal_within_epsilon(a, b))

    def test_a_difference_beyond_epsilon_names_the_component(self):
        moved = replace(OBJECT, translation=(1.0, 2.0 + 3 * EPSILON, 3.0), scale=(1.0, 1.0, 0.5))
        self.assertEqual(differences(OBJECT, moved), ["translation[1]", "scale[2]"])

    def test_every_kind_of_object_field_is_named(self):
        other = replace(OBJECT, uuid="00000000-0000-4000-8000-00000000000f", name="B", kind="empty",
                        parent="00000000-0000-4000-8000-000000000009", rotation=(0.0, 0.0, 0.0, 1.0), visible=False,
                        materials=(), mesh=None)
        self.assertEqual(differences(OBJECT, other),
                         ["uuid", "name", "kind", "parent", "rotation", "visible", "materials", "mesh"])

    def test_q_and_minus_q_compare_equal(self):
        flipped = replace(OBJECT, rotation=tuple(-c for c in OBJECT.rotation))
        self.assertEqual(differences(OBJECT, flipped), [])
        self.assertTrue(rotations_close((0.6, 0.0, 0.8, 4e-6), (-0.6, 0.0, -0.8, 4e-6)))  # w near 0: either sign
        self.assertFalse(rotations_close((0.0, 0.6, 0.0, 0.8), (0.0, 0.8, 0.0, 0.6)))

    def test_material_fields_are_named(self):
        other = replace(MATERIAL, name="Blue", base_color=(0.8, 0.1, 0.2, 1.0), roughness=0.6, emission=(0.0, 1.0, 0.0))
        self.assertEqual(differences(MATERIAL, other), ["name", "base_color[2]", "roughness", "emission[1]"])

    def test_a_mesh_names_each_differing_attribute_primitive_and_derivation(self):
        self.assertEqual(differences(MESH, replace(MESH, attributes={"POSITION": C_BLOB, "TEXCOORD_0": B_BLOB})),
                         ["attributes.POSITION"])
        self.assertEqual(differences(MESH, replace(MESH, attributes={"POSITION": A_BLOB, "NORMAL": B_BLOB})),
                         ["attributes.NORMAL", "attributes.TEXCOORD_0"])
        self.assertEqual(differences(MESH, replace(MESH, vertex_count=4)), ["vertex_count"])
        self.assertEqual(differences(MESH, replace(MESH, primitives=(Primitive(1, A_BLOB),))),
                         ["primitives[0].material", "primitives[0].indices"])
        self.assertEqual(differences(MESH, replace(MESH, primitives=())), ["primitives"])
        self.assertEqual(differences(MESH, replace(MESH, derived=("curve",))), ["derived"])

    def test_nan_is_never_equal(self):
        self.assertEqual(differences(MATERIAL, replace(MATERIAL, metallic=float("nan"))), ["metallic"])

    def test_records_of_different_types_are_not_compared(self):
        with self.assertRaises(TypeError):
            differences(OBJECT, MATERIAL)


if __name__ == "__main__":
    unittest.main()


class ContentSchema3CompareTests(unittest.TestCase):
    """The schema-3 fields are compared with the C# FieldComparer's names (docs/protocol.md §6)."""

    def test_every_new_material_field_is_named(self):
        from vibesync_blender.protocol import TextureBinding
        image = "00000000-0000-4000-8000-000000000009"
        a = replace(MATERIAL, textures={"emissive": TextureBinding(image)})
        b = replace(a, emissive_strength=2.0, alpha_mode="BLEND", alpha_cutoff=0.2, double_sided=True, normal_scale=0.5,
                    occlusion_strength=0.3, unsynced="no Principled BSDF output",
                    textures={"base_color": TextureBinding(image),
                              "emissive": TextureBinding(image, texcoord=1, rotation=0.5, scale=(2.0, 1.0))})
        self.assertEqual(differences(a, b), [
            "emissive_strength", "alpha_mode", "alpha_cutoff", "double_sided", "normal_scale", "occlusion_strength",
            "textures.base_color", "textures.emissive.texcoord", "textures.emissive.rotation", "textures.emissive.scale[0]",
            "unsynced"])
        self.assertEqual(differences(a, replace(a, alpha_cutoff=0.5 + EPSILON / 2)), [])

    def test_camera_light_and_image_fields_are_named(self):
        from vibesync_blender.protocol import CameraParameters, Image, LightParameters
        lamp = replace(OBJECT, kind="light", materials=(), mesh=None,
                       light=LightParameters("spot", (1.0, 1.0, 1.0), 10.0, None, 0.2, 0.4))
        self.assertEqual(differences(lamp, replace(lamp, light=replace(lamp.light, intensity=11.0, range=5.0, inner_cone=0.1))),
                         ["light.intensity", "light.range", "light.inner_cone"])
        self.assertEqual(differences(lamp, replace(lamp, light=None)), ["light"])
        cam = replace(lamp, kind="camera", light=None, camera=CameraParameters("perspective", yfov=0.7, aspect=1.5, znear=0.1, zfar=100.0))
        self.assertEqual(differences(cam, replace(cam, camera=CameraParameters("orthographic", xmag=1.0, ymag=1.0))), ["camera.type"])
        self.assertEqual(differences(cam, replace(cam, camera=replace(cam.camera, yfov=0.8, zfar=50.0))), ["camera.yfov", "camera.zfar"])
        image = Image("00000000-0000-4000-8000-000000000009", "a.png", "image/png", "a" * 64, 4, 2, "linear")
        self.assertEqual(differences(image, replace(image, blob="b" * 64, width=8, color_space="srgb")), ["blob", "width", "color_space"])

    def test_a_scenes_blob_ids_are_its_meshes_and_its_images(self):
        from vibesync_blender.protocol import Image
        image = Image("00000000-0000-4000-8000-000000000009", "a.png", "image/png", "d" * 64, 4, 2, "srgb")
        scene = Scene(meshes=(MESH,), images=(image,))
        self.assertEqual(scene.blob_ids(), [A_BLOB, B_BLOB, C_BLOB, "d" * 64])
