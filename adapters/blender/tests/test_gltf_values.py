"""Blender ⇄ glTF conversions of cameras, lights, texture transforms, samplers and image headers
(vibesync_blender/scene/gltf.py), under the system Python."""

import math
import struct
import unittest
import zlib

from vibesync_blender.scene import gltf


def png(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return gltf.PNG_SIGNATURE + chunk


def jpeg(width, height):
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + bytes(9)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


class Cameras(unittest.TestCase):
    def test_a_wide_frame_with_auto_fit_gives_the_vertical_fov_from_the_horizontal_angle(self):
        rec = gltf.camera_record("PERSP", math.radians(90), "AUTO", 7.0, 0.1, 100.0, 1920, 1080)
        self.assertAlmostEqual(rec["aspect"], 1920 / 1080)
        self.assertAlmostEqual(rec["yfov"], 2 * math.atan(math.tan(math.radians(45)) * 1080 / 1920))
        self.assertEqual((rec["znear"], rec["zfar"]), (0.1, 100.0))

    def test_a_vertical_fit_is_the_vertical_fov_itself(self):
        rec = gltf.camera_record("PERSP", 0.5, "VERTICAL", 7.0, 0.1, 100.0, 1920, 1080)
        self.assertEqual(rec["yfov"], 0.5)

    def test_a_tall_frame_with_auto_fit_is_the_vertical_fov_and_horizontal_fit_is_not(self):
        self.assertEqual(gltf.camera_record("PERSP", 0.5, "AUTO", 7, 0.1, 10, 1080, 1920)["yfov"], 0.5)
        h = gltf.camera_record("PERSP", 0.5, "HORIZONTAL", 7, 0.1, 10, 1080, 1920)["yfov"]
        self.assertAlmostEqual(h, 2 * math.atan(math.tan(0.25) * 1920 / 1080))

    def test_an_orthographic_camera_has_half_extents_of_its_ortho_scale(self):
        rec = gltf.camera_record("ORTHO", 0.0, "AUTO", 8.0, 0.5, 50.0, 1920, 1080)
        self.assertEqual(rec, {"type": "orthographic", "xmag": 4.0, "ymag": 4.0 * 1080 / 1920, "znear": 0.5, "zfar": 50.0})

    def test_every_fit_and_frame_round_trips_through_the_native_values(self):
        for fit in ("AUTO", "HORIZONTAL", "VERTICAL"):
            for w, h in ((1920, 1080), (1080, 1920), (1000, 1000)):
                rec = gltf.camera_record("PERSP", 0.8, fit, 1, 0.1, 10, w, h)
                native = gltf.camera_native(rec, fit, w, h)
                self.assertAlmostEqual(native["angle"], 0.8, places=12, msg=(fit, w, h))
                ortho = gltf.camera_record("ORTHO", 0, fit, 6.5, 0.1, 10, w, h)
                self.assertAlmostEqual(gltf.camera_native(ortho, fit, w, h)["ortho_scale"], 6.5, places=12)

    def test_another_aspect_than_the_render_one_is_refused(self):
        rec = {"type": "perspective", "yfov": 0.7, "aspect": 1.0, "znear": 0.1, "zfar": 10}
        with self.assertRaisesRegex(ValueError, "render aspect"):
            gltf.camera_native(rec, "AUTO", 1920, 1080)

    def test_a_panoramic_camera_is_unrepresentable(self):
        with self.assertRaises(gltf.Unrepresentable):
            gltf.camera_record("PANO", 1, "AUTO", 1, 0.1, 10, 2, 1)


class Lights(unittest.TestCase):
    def test_point_and_spot_watts_become_candela_as_the_exporter_s_spec_mode(self):
        rec = gltf.light_record("POINT", (1, 0.5, 0.25), 1000.0, False, 40.0)
        self.assertAlmostEqual(rec["intensity"], 1000 / (4 * math.pi) * 683)
        self.assertIsNone(rec["range"])
        self.assertEqual((rec["inner_cone"], rec["outer_cone"]), (0.0, 0.0))

    def test_a_sun_s_irradiance_becomes_lux(self):
        self.assertAlmostEqual(gltf.light_record("SUN", (1, 1, 1), 3.0, False, 0)["intensity"], 3 * 683)

    def test_spot_cones_follow_size_and_blend(self):
        rec = gltf.light_record("SPOT", (1, 1, 1), 10.0, True, 12.5, math.radians(90), 0.25)
        self.assertAlmostEqual(rec["outer_cone"], math.radians(45))
        self.assertAlmostEqual(rec["inner_cone"], math.radians(45) * 0.75)
        self.assertEqual(rec["range"], 12.5)

    def test_every_type_round_trips(self):
        for t, size, blend in (("POINT", 0, 0), ("SPOT", 1.2, 0.3), ("SUN", 0, 0)):
            rec = gltf.light_record(t, (0.2, 0.4, 0.6), 123.0, t == "SPOT", 7.0, size, blend)
            native = gltf.light_native(rec)
            self.assertEqual(native["type"], t)
            self.assertAlmostEqual(native["energy"], 123.0, places=9)
            self.assertEqual(native["use_custom_distance"], t == "SPOT")
            if t == "SPOT":
                self.assertAlmostEqual(native["spot_size"], 1.2)
                self.assertAlmostEqual(native["spot_blend"], 0.3)

    def test_a_spot_without_blend_is_unrepresentable_as_gltf_needs_inner_below_outer(self):
        with self.assertRaisesRegex(gltf.Unrepresentable, "Blend 0"):
            gltf.light_record("SPOT", (1, 1, 1), 10.0, False, 0, 1.0, 0.0)

    def test_area_and_hemi_lights_are_unrepresentable(self):
        for t in ("AREA", "HEMI"):
            with self.assertRaises(gltf.Unrepresentable):
                gltf.light_record(t, (1, 1, 1), 1, False, 0)


class TextureTransforms(unittest.TestCase):
    def test_an_identity_mapping_is_the_identity_transform(self):
        t = gltf.transform_from_mapping("POINT", (0, 0, 0), (0, 0, 0), (1, 1, 1))
        self.assertTrue(gltf.is_identity_transform(t["offset"], t["rotation"], t["scale"]))

    def test_a_point_mapping_round_trips(self):
        loc, rot, sca = gltf.mapping_from_transform((0.25, -0.5), 0.3, (2.0, 3.0))
        t = gltf.transform_from_mapping("POINT", (*loc, 0), (0, 0, rot), (*sca, 1))
        self.assertAlmostEqual(t["offset"][0], 0.25)
        self.assertAlmostEqual(t["offset"][1], -0.5)
        self.assertEqual(t["rotation"], 0.3)
        self.assertEqual(t["scale"], (2.0, 3.0))

    def test_a_texture_mapping_is_the_inverse_trs(self):
        t = gltf.transform_from_mapping("TEXTURE", (0.5, 0.0, 0), (0, 0, 0), (2.0, 2.0, 1))
        self.assertEqual(t["scale"], (0.5, 0.5))
        self.assertAlmostEqual(t["offset"][0], -0.25)

    def test_an_x_rotation_is_unrepresentable(self):
        with self.assertRaises(gltf.Unrepresentable):
            gltf.transform_from_mapping("POINT", (0, 0, 0), (0.1, 0, 0), (1, 1, 1))
        with self.assertRaises(gltf.Unrepresentable):
            gltf.transform_from_mapping("NORMAL", (0, 0, 0), (0, 0, 0), (1, 1, 1))


class Samplers(unittest.TestCase):
    def test_closest_is_nearest_and_everything_else_linear_with_mipmaps(self):
        self.assertEqual(gltf.filters_of("Closest"), ("NEAREST", "NEAREST_MIPMAP_NEAREST"))
        self.assertEqual(gltf.filters_of("Cubic"), ("LINEAR", "LINEAR_MIPMAP_LINEAR"))
        self.assertEqual(gltf.interpolation_of("NEAREST", "NEAREST_MIPMAP_LINEAR"), "Closest")
        self.assertEqual(gltf.interpolation_of("LINEAR", "NEAREST"), "Linear")

    def test_wraps_map_to_extensions_and_mixed_ones_need_uv_math(self):
        self.assertEqual(gltf.wrap_of("CLIP"), "CLAMP_TO_EDGE")
        self.assertEqual(gltf.extension_of("REPEAT", "REPEAT"), ("REPEAT", False))
        self.assertEqual(gltf.extension_of("CLAMP_TO_EDGE", "CLAMP_TO_EDGE"), ("EXTEND", False))
        self.assertEqual(gltf.extension_of("MIRRORED_REPEAT", "REPEAT"), ("EXTEND", True))


class Materials(unittest.TestCase):
    def test_blend_methods_map_to_alpha_modes_and_a_hashed_blend_stays_hashed(self):
        self.assertEqual([gltf.alpha_mode_of(b) for b in ("OPAQUE", "CLIP", "BLEND", "HASHED")],
                         ["OPAQUE", "MASK", "BLEND", "BLEND"])
        self.assertEqual(gltf.blend_method_for("BLEND", "HASHED"), "HASHED")
        self.assertEqual(gltf.blend_method_for("MASK", "HASHED"), "CLIP")

    def test_only_srgb_is_a_colour_space(self):
        self.assertEqual([gltf.color_space_of(n) for n in ("sRGB", "Non-Color", "Linear", "Raw")],
                         ["srgb", "linear", "linear", "linear"])


class ImageHeaders(unittest.TestCase):
    def test_png_and_jpeg_sizes_are_read_from_their_headers(self):
        self.assertEqual(gltf.image_info(png(4096, 2048)), ("image/png", 4096, 2048))
        self.assertEqual(gltf.image_info(jpeg(640, 480)), ("image/jpeg", 640, 480))

    def test_anything_else_is_refused_with_the_reason(self):
        with self.assertRaisesRegex(ValueError, "neither PNG nor JPEG"):
            gltf.image_info(b"GIF89a....")
        with self.assertRaisesRegex(ValueError, "IHDR"):
            gltf.image_info(gltf.PNG_SIGNATURE + b"\x00\x00")
        with self.assertRaisesRegex(ValueError, "SOFn"):
            gltf.image_info(b"\xff\xd8\xff\xd9")

