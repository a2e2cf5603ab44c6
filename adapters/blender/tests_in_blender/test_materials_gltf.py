"""Materials, images, cameras and lights as glTF defines them (content schema 3), in real Blender:
samples/materials_lights_cameras.py's scene read by the adapter and compared field by field with
what Blender's own glTF exporter writes for it (.gltf JSON with separate image files); then every new
operation applied, read back and rolled back."""

import importlib.util
import json
import math
import os
import tempfile
import unittest

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene import materials as graphs
from vibesync_blender.scene.identity import PROP

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EPS = 1e-5
SLOTS = {"base_color": ("pbrMetallicRoughness", "baseColorTexture"),
         "metallic_roughness": ("pbrMetallicRoughness", "metallicRoughnessTexture"),
         "normal": (None, "normalTexture"), "occlusion": (None, "occlusionTexture"), "emissive": (None, "emissiveTexture")}
WRAP = {10497: "REPEAT", 33071: "CLAMP_TO_EDGE", 33648: "MIRRORED_REPEAT"}
FILTER = {9728: "NEAREST", 9729: "LINEAR", 9984: "NEAREST_MIPMAP_NEAREST", 9985: "LINEAR_MIPMAP_NEAREST",
          9986: "NEAREST_MIPMAP_LINEAR", 9987: "LINEAR_MIPMAP_LINEAR"}


def _sample():
    spec = importlib.util.spec_from_file_location("materials_lights_cameras",
                                                  os.path.join(ROOT, "samples", "materials_lights_cameras.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLE = _sample()


class Differences:
    """Field-by-field differences, each saying which field of which record."""

    def __init__(self, reference="the exporter"):
        self.found = []
        self.reference = reference

    def value(self, where, expected, actual):
        if isinstance(expected, str) or isinstance(actual, str) or isinstance(expected, bool) or (
                isinstance(expected, (list, tuple)) and any(isinstance(x, str) for x in expected)):
            if expected != actual:
                self.found.append(f"{where}: {self.reference} has {expected!r}, VibeSync {actual!r}")
        elif isinstance(expected, (list, tuple)) or isinstance(actual, (list, tuple)):
            if expected is None or actual is None or len(expected) != len(actual) or any(
                    abs(a - b) > EPS * max(1.0, abs(a)) for a, b in zip(expected, actual)):
                self.found.append(f"{where}: {self.reference} has {expected}, VibeSync {actual}")
        elif isinstance(expected, float) or isinstance(actual, float):
            if expected is None or actual is None or abs(expected - actual) > EPS * max(1.0, abs(expected)):
                self.found.append(f"{where}: {self.reference} has {expected}, VibeSync {actual}")
        elif expected != actual:
            self.found.append(f"{where}: {self.reference} has {expected!r}, VibeSync {actual!r}")


# ---- the exporter's .gltf against VibeSync's records, field by field ---------------------------------

def compare_materials(d, gltf, materials, only=None):
    """Factors, alpha, sides and emission of every exported material (or those named in ``only``)."""
    for g in gltf["materials"]:
        if only is not None and g["name"] not in only:
            continue
        m = materials.get(g["name"])
        if m is None:
            d.found.append(f"material '{g['name']}': exported, but VibeSync has no record of it")
            continue
        at = f"material '{m.name}'"
        pbr = g.get("pbrMetallicRoughness", {})
        d.value(at + ".base_color", pbr.get("baseColorFactor", [1, 1, 1, 1]), m.base_color)
        d.value(at + ".metallic", float(pbr.get("metallicFactor", 1.0)), m.metallic)
        d.value(at + ".roughness", float(pbr.get("roughnessFactor", 1.0)), m.roughness)
        strength = g.get("extensions", {}).get("KHR_materials_emissive_strength", {}).get("emissiveStrength", 1.0)
        d.value(at + ".emission × emissive_strength", [c * strength for c in g.get("emissiveFactor", [0, 0, 0])],
                [c * m.emissive_strength for c in m.emission])
        d.value(at + ".alpha_mode", g.get("alphaMode", "OPAQUE"), m.alpha_mode)
        if m.alpha_mode == "MASK":
            d.value(at + ".alpha_cutoff", float(g.get("alphaCutoff", 0.5)), m.alpha_cutoff)
        d.value(at + ".double_sided", g.get("doubleSided", False), m.double_sided)


def compare_bindings(d, gltf, directory, materials, images, blobs, only=None):
    """Every texture binding: texcoord, sampler, transform, strengths and the image's bytes against the
    exported file. Returns how many bindings were compared."""
    bindings = 0
    for g in gltf["materials"]:
        if only is not None and g["name"] not in only:
            continue
        m = materials[g["name"]]
        for slot, (parent, key) in SLOTS.items():
            info = (g.get(parent, {}) if parent else g).get(key)
            t = m.textures.get(slot)
            at = f"material '{m.name}'.textures.{slot}"
            if (info is None) != (t is None):
                d.found.append(f"{at}: the exporter has {'no' if info is None else 'a'} texture, VibeSync {t}")
                continue
            if info is None:
                continue
            bindings += 1
            texture = gltf["textures"][info["index"]]
            sampler = gltf["samplers"][texture["sampler"]] if "sampler" in texture else {}
            d.value(at + ".texcoord", info.get("texCoord", 0), t.texcoord)
            d.value(at + ".wrap_s", WRAP[sampler.get("wrapS", 10497)], t.wrap_s)
            d.value(at + ".wrap_t", WRAP[sampler.get("wrapT", 10497)], t.wrap_t)
            d.value(at + ".mag_filter", FILTER.get(sampler.get("magFilter")), t.mag_filter)
            d.value(at + ".min_filter", FILTER.get(sampler.get("minFilter")), t.min_filter)
            tt = info.get("extensions", {}).get("KHR_texture_transform", {})
            d.value(at + ".offset", tt.get("offset", [0.0, 0.0]), t.offset)
            d.value(at + ".rotation", float(tt.get("rotation", 0.0)), t.rotation)
            d.value(at + ".scale", tt.get("scale", [1.0, 1.0]), t.scale)
            if slot == "normal":
                d.value(f"material '{m.name}'.normal_scale", float(info.get("scale", 1.0)), m.normal_scale)
            if slot == "occlusion":
                d.value(f"material '{m.name}'.occlusion_strength", float(info.get("strength", 1.0)), m.occlusion_strength)
            image = images[t.image]
            held = blobs.get(image.blob)
            uri = gltf["images"][texture["source"]]["uri"]
            with open(os.path.join(directory, uri), "rb") as f:
                exported = f.read()
            if held is None:
                d.found.append(f"{at}: the blob {image.blob} of image '{image.name}' is not in the adapter's cache")
            elif bytes(held[1]) != exported:
                d.found.append(f"{at}: image '{image.name}' has other bytes than the exporter's {uri}")
    return bindings


def compare_cameras(d, gltf, objects):
    """Each exported camera's projection; returns how many."""
    cameras = 0
    for node in gltf["nodes"]:
        if "camera" not in node:
            continue
        cameras += 1
        g, rec = gltf["cameras"][node["camera"]], objects[node["name"]].camera
        at = f"camera '{node['name']}'"
        d.value(at + ".type", g["type"], rec.type)
        if g["type"] == "perspective":
            p = g["perspective"]
            for k, mine in (("yfov", rec.yfov), ("aspectRatio", rec.aspect), ("znear", rec.znear), ("zfar", rec.zfar)):
                d.value(f"{at}.{k}", float(p[k]), mine)
        else:
            o = g["orthographic"]
            for k, mine in (("xmag", rec.xmag), ("ymag", rec.ymag), ("znear", rec.znear), ("zfar", rec.zfar)):
                d.value(f"{at}.{k}", float(o[k]), mine)
    return cameras


def compare_lights(d, gltf, objects):
    """Each exported light's type, colour, intensity, range and cones; returns how many."""
    lights = gltf["extensions"]["KHR_lights_punctual"]["lights"]
    seen = 0
    for node in gltf["nodes"]:
        index = node.get("extensions", {}).get("KHR_lights_punctual", {}).get("light")
        if index is None:
            continue
        seen += 1
        g, rec = lights[index], objects[node["name"]].light
        at = f"light '{node['name']}'"
        d.value(at + ".type", g["type"], rec.type)
        d.value(at + ".color", g.get("color", [1, 1, 1]), rec.color)
        d.value(at + ".intensity", float(g.get("intensity", 1.0)), rec.intensity)
        d.value(at + ".range", g.get("range"), rec.range)
        if g["type"] == "spot":
            d.value(at + ".inner_cone", float(g["spot"].get("innerConeAngle", 0.0)), rec.inner_cone)
            d.value(at + ".outer_cone", float(g["spot"].get("outerConeAngle", math.pi / 4)), rec.outer_cone)
    return seen


class Exported:
    """The sample scene, attached to a bare adapter, and the bundled exporter's .gltf of it."""

    @classmethod
    def build_and_export(cls, small):
        cls.tmp = tempfile.mkdtemp(prefix="vibesync-c3-")
        cls.made = SAMPLE.build(os.path.join(cls.tmp, "images"), small=small)
        cls.adapter = BlenderAdapter(MainThreadQueue())
        cls.adapter.attach()
        cls.scene = cls.adapter.last_scene
        path = os.path.join(cls.tmp, "scene.gltf")
        SAMPLE.export(path)
        with open(path) as f:
            cls.gltf = json.load(f)
        cls.materials = {m.name: m for m in cls.scene.materials}
        cls.images = {i.uuid: i for i in cls.scene.images}
        cls.objects = {o.name: o for o in cls.scene.objects}


class AgainstBlendersExporterTests(unittest.TestCase, Exported):
    @classmethod
    def setUpClass(cls):
        cls.build_and_export(small=False)

    def test_every_material_has_the_exporters_factors_alpha_sides_and_emission(self):
        d = Differences()
        compare_materials(d, self.gltf, self.materials)
        self.assertEqual([], d.found[:20], f"{len(d.found)} differences")
        self.assertEqual(len(self.gltf["materials"]), len(self.scene.materials))

    def test_every_texture_binding_has_the_exporters_image_bytes_uv_set_sampler_and_transform(self):
        d = Differences()
        bindings = compare_bindings(d, self.gltf, self.tmp, self.materials, self.images, self.adapter.blobs)
        self.assertEqual([], d.found[:20], f"{len(d.found)} differences")
        self.assertEqual(5 + 1 + 1 + 100, bindings, "the sample's texture bindings were not all compared")

    def test_image_records_carry_size_mime_and_colour_space_of_their_files(self):
        by_name = {i.name: i for i in self.scene.images}
        albedo = by_name["brick_albedo.png"]
        self.assertEqual(("image/png", 4096, 4096, "srgb"), (albedo.mime, albedo.width, albedo.height, albedo.color_space))
        self.assertEqual(("image/jpeg", "srgb"), (by_name["lamp_emissive.jpg"].mime, by_name["lamp_emissive.jpg"].color_space))
        self.assertEqual("linear", by_name["brick_normal.png"].color_space)
        self.assertEqual(len(self.gltf["images"]), len(self.scene.images))

    def test_a_hundred_materials_on_ten_textures_name_exactly_ten_images(self):
        shared = [m for m in self.scene.materials if m.name.startswith("Shared")]
        self.assertEqual(100, len(shared))
        self.assertEqual(10, len({m.textures["base_color"].image for m in shared}))
        self.assertEqual(10, len({self.images[m.textures["base_color"].image].blob for m in shared}))

    def test_the_unrepresentable_graph_is_reported_with_the_exporters_values(self):
        m = self.materials["NoisyRoughness"]
        self.assertIn("Roughness", m.unsynced)
        reasons = [i.reason for i in self.adapter.index.not_synced() if i.uuid == m.uuid]
        self.assertEqual(1, len(reasons), self.adapter.index.not_synced())
        self.assertIn("NoisyRoughness", reasons[0])
        self.assertTrue(all(self.materials[n].unsynced is None for n in ("FullPBR", "Masked", "Glass", "Glow", "Wood")))

    def test_every_camera_has_the_exporters_projection(self):
        d = Differences()
        self.assertEqual(4, compare_cameras(d, self.gltf, self.objects))
        self.assertEqual([], d.found)

    def test_every_light_has_the_exporters_type_colour_intensity_range_and_cones(self):
        d = Differences()
        self.assertEqual(5, compare_lights(d, self.gltf, self.objects))
        self.assertEqual([], d.found)

    def test_the_root_equals_vibesync_hash_of_the_same_records(self):
        from vibesync_blender.protocol.scene_json import write
        from .test_identity_and_hash import cli_hash
        doc = write(self.scene, "blender")
        self.assertEqual(self.adapter.last_root, cli_hash(doc))
        self.assertTrue(doc["images"] and any(m.get("textures") for m in doc["materials"]))
        self.assertTrue(any("camera" in o for o in doc["objects"]) and any("light" in o for o in doc["objects"]))

    def test_an_area_light_has_no_parameters_and_is_reported(self):
        area = self.objects["AreaLight"]
        self.assertIsNone(area.light)
        self.assertTrue(any(i.uuid == area.uuid and "area" in i.reason.lower() for i in self.adapter.index.not_synced()))


class ImageCacheTests(unittest.TestCase, Exported):
    @classmethod
    def setUpClass(cls):
        cls.build_and_export(small=True)

    def test_an_unchanged_image_is_not_read_or_hashed_again(self):
        records = self.adapter.index.image_records
        before = records.reads
        self.adapter.canonical()
        self.adapter.canonical()
        self.assertEqual(before, records.reads)

    def test_a_changed_file_is_read_again_and_gets_another_blob(self):
        image = bpy.data.images["wood_albedo.jpg"]
        uid = image[PROP]
        old = self.images[uid].blob
        path = bpy.path.abspath(image.filepath_raw)
        other = bpy.data.images.new("other", 32, 32)
        other.pixels.foreach_set([0.25] * (32 * 32 * 4))
        other.filepath_raw, other.file_format = path, "JPEG"
        other.save()
        os.utime(path, ns=(1, 1))  # another mtime, whatever the clock's resolution
        image.reload()
        reads = self.adapter.index.image_records.reads
        now = {i.uuid: i for i in self.adapter.canonical().images}[uid]
        self.assertEqual(reads + 1, self.adapter.index.image_records.reads)
        self.assertNotEqual(old, now.blob)
        self.assertEqual((32, 32), (now.width, now.height))

    def test_a_file_that_is_neither_png_nor_jpeg_is_reported_with_its_reason(self):
        tga = os.path.join(self.tmp, "images", "wood.tga")
        img = bpy.data.images.new("tga_src", 8, 8)
        img.filepath_raw, img.file_format = tga, "TARGA"
        img.save()
        wood = bpy.data.materials["Wood"]
        node = next(n for n in wood.node_tree.nodes if n.type == "TEX_IMAGE")
        before = node.image
        node.image = bpy.data.images.load(tga)
        try:
            self.adapter.attach()
            uid = node.image.get(PROP)
            item = self.adapter.index.excluded[uid]
            self.assertEqual("UNSUPPORTED_TYPE", item.code)
            self.assertIn("PNG or JPEG", item.reason)
            self.assertIn("'Wood'", item.reason)
            self.assertIn("wood.tga", {m.name: m for m in self.adapter.last_scene.materials}["Wood"].unsynced)
        finally:
            node.image = before
            self.adapter.attach()

    def test_a_missing_file_is_reported_not_a_crash(self):
        image = bpy.data.images["leaf_albedo.png"]
        image.filepath_raw = "//nowhere/leaf.png"
        try:
            scene = self.adapter.canonical()
            uid = image[PROP]
            self.assertNotIn(uid, {i.uuid for i in scene.images})
            item = self.adapter.index.excluded[uid]
            self.assertIn("leaf_albedo.png", item.reason)
            masked = {m.name: m for m in scene.materials}["Masked"]
            self.assertNotIn("base_color", masked.textures)
            self.assertIn("not synced", masked.unsynced)
        finally:
            image.filepath_raw = os.path.join(self.tmp, "images", "leaf_albedo.png")
            self.adapter.canonical()


def _png_bytes(w, h, value):
    path = os.path.join(tempfile.mkdtemp(), "img.png")
    img = bpy.data.images.new("tmp_png", w, h)
    img.pixels.foreach_set([value] * (w * h * 4))
    img.filepath_raw, img.file_format = path, "PNG"
    img.save()
    bpy.data.images.remove(img)
    with open(path, "rb") as f:
        return f.read()


NEW_IMAGE = "7a0c5e0e-2222-4222-8333-4444555566a1"
NEW_MATERIAL = "7a0c5e0e-2222-4222-8333-4444555566b1"


class OperationsTests(unittest.TestCase):
    """Each new operation applied through the adapter, read back, then rolled back exactly."""

    def setUp(self):
        SAMPLE.build(tempfile.mkdtemp(prefix="vibesync-ops-"), small=True)
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        scene = self.adapter.last_scene
        self.ids = {r.name: r.uuid for r in scene.objects + scene.materials + scene.images}

    def record(self, uid):
        scene = self.adapter.canonical()
        return {r.uuid: r for r in scene.objects + scene.materials + scene.images}[uid]

    def put(self, data):
        from vibesync_blender.protocol.blobs import U8, BlobShape, bytes_id
        blob = bytes_id(data)
        self.adapter.blobs.put(blob, BlobShape(U8, 1, len(data)), data)
        return blob

    def roundtrip(self, ops, check, intent=1):
        before = self.adapter.canonical()
        snapshots = {m.name: graphs.snapshot(m) for m in bpy.data.materials}
        typ, reply = self.adapter.apply(intent, ops)
        self.assertEqual(MessageType.APPLIED, typ, reply)
        check()
        typ, reply = self.adapter.rollback(intent)
        self.assertEqual(MessageType.ACK, typ, reply)
        after = self.adapter.canonical()
        self.assertEqual(sorted(before.objects, key=lambda r: r.uuid), sorted(after.objects, key=lambda r: r.uuid))
        self.assertEqual(sorted(before.materials, key=lambda r: r.uuid), sorted(after.materials, key=lambda r: r.uuid))
        self.assertEqual(sorted(before.images, key=lambda r: r.uuid), sorted(after.images, key=lambda r: r.uuid))
        self.assertEqual(snapshots, {m.name: graphs.snapshot(m) for m in bpy.data.materials if m.name in snapshots})

    def refused(self, ops, code):
        before = self.adapter.canonical()
        typ, reply = self.adapter.apply(9, ops)
        self.assertEqual(MessageType.ERROR, typ, reply)
        self.assertEqual(code, reply["code"], reply)
        self.assertEqual(before, self.adapter.canonical())

    def assertClose(self, expected, actual, eps=1e-5):
        expected, actual = (list(expected), list(actual)) if isinstance(expected, (list, tuple)) else ([expected], [actual])
        self.assertEqual(len(expected), len(actual))
        for x, y in zip(expected, actual):
            self.assertLess(abs(x - y), eps * max(1.0, abs(x)), (expected, actual))  # float32 storage: relative

    def test_set_material_params_writes_every_field_and_reads_back_the_same(self):
        wood, albedo = self.ids["Wood"], self.ids["brick_albedo.png"]
        orm, normal = self.ids["brick_orm.png"], self.ids["brick_normal.png"]
        textures = {
            "base_color": {"image": albedo, "texcoord": 1, "wrap_s": "MIRRORED_REPEAT", "wrap_t": "CLAMP_TO_EDGE",
                           "mag_filter": "NEAREST", "min_filter": "NEAREST", "offset": [0.1, -0.2], "rotation": 0.4, "scale": [2, 0.5]},
            "metallic_roughness": {"image": orm}, "occlusion": {"image": orm, "min_filter": "LINEAR"},
            "normal": {"image": normal, "wrap_s": "CLAMP_TO_EDGE", "wrap_t": "CLAMP_TO_EDGE"}, "emissive": {"image": albedo}}
        op = {"op": "set_material_params", "uuid": wood, "base_color": [0.5, 0.25, 0.125, 0.75], "metallic": 0.3,
              "roughness": 0.6, "emission": [1, 0.5, 0], "emissive_strength": 3.0, "alpha_mode": "BLEND",
              "alpha_cutoff": 0.4, "double_sided": True, "normal_scale": 0.7, "occlusion_strength": 0.9, "textures": textures}

        def check():
            m = self.record(wood)
            self.assertIsNone(m.unsynced)
            for f in ("base_color", "metallic", "roughness", "emission", "emissive_strength", "alpha_cutoff",
                      "normal_scale", "occlusion_strength"):
                self.assertClose(op[f], getattr(m, f))
            self.assertEqual(("BLEND", True), (m.alpha_mode, m.double_sided))
            self.assertEqual(set(textures), set(m.textures))
            for slot, t in textures.items():
                full = {**graphs.TEXTURE_DEFAULTS, **t}
                got = m.textures[slot]
                for f in ("image", "texcoord", "wrap_s", "wrap_t", "mag_filter", "min_filter"):
                    self.assertEqual(full[f], getattr(got, f), f"{slot}.{f}")
                for f in ("offset", "rotation", "scale"):
                    self.assertClose(full[f], getattr(got, f))
        self.roundtrip([op], check)

    def test_only_the_named_texture_slot_changes_and_null_removes_one(self):
        full = self.ids["FullPBR"]
        before = self.record(full)
        nodes = {n.name for n in bpy.data.materials["FullPBR"].node_tree.nodes}

        def check():
            m = self.record(full)
            self.assertNotIn("emissive", m.textures)
            self.assertEqual(before.textures["base_color"], m.textures["base_color"])
            self.assertEqual(before.textures["normal"], m.textures["normal"])
            self.assertClose(before.base_color, m.base_color)
            after = {n.name for n in bpy.data.materials["FullPBR"].node_tree.nodes}
            self.assertEqual(nodes - after, {n for n in nodes if n.startswith("Image Texture") and n not in after})
        self.roundtrip([{"op": "set_material_params", "uuid": full, "textures": {"emissive": None}}], check)

    def test_what_an_apply_writes_the_exporter_exports(self):
        """The reverse direction: values applied from outside (as from Unity) are what Blender's own
        exporter then writes, field by field."""
        wood, albedo, normal = self.ids["Wood"], self.ids["brick_albedo.png"], self.ids["brick_normal.png"]
        ops = [{"op": "set_material_params", "uuid": wood, "base_color": [0.5, 0.25, 0.125, 0.75], "metallic": 0.3,
                "roughness": 0.6, "emission": [1, 0.5, 0], "emissive_strength": 3.0, "alpha_mode": "BLEND",
                "double_sided": False, "normal_scale": 0.7,
                "textures": {"base_color": {"image": albedo, "texcoord": 1, "wrap_s": "MIRRORED_REPEAT", "wrap_t": "CLAMP_TO_EDGE",
                                            "offset": [0.1, -0.2], "rotation": 0.4, "scale": [2, 0.5]},
                             "normal": {"image": normal, "mag_filter": "NEAREST", "min_filter": "NEAREST_MIPMAP_NEAREST"}}},
               {"op": "set_camera", "uuid": self.ids["CamHorizontal"], "yfov": 0.7, "znear": 0.3, "zfar": 90.0},
               {"op": "set_camera", "uuid": self.ids["CamOrtho"], "xmag": 5.0, "ymag": 2.8125},
               {"op": "set_light", "uuid": self.ids["SpotWide"], "intensity": 900.0, "inner_cone": 0.2, "outer_cone": 0.6, "range": 15.0},
               {"op": "set_light", "uuid": self.ids["Sun"], "intensity": 1200.0, "color": [1.0, 0.8, 0.6]}]
        typ, reply = self.adapter.apply(4, ops)
        self.assertEqual(MessageType.APPLIED, typ, reply)
        scene = self.adapter.canonical()
        tmp = tempfile.mkdtemp(prefix="vibesync-reverse-")
        SAMPLE.export(os.path.join(tmp, "scene.gltf"))
        with open(os.path.join(tmp, "scene.gltf")) as f:
            exported = json.load(f)
        d = Differences()
        materials, objects = {m.name: m for m in scene.materials}, {o.name: o for o in scene.objects}
        compare_materials(d, exported, materials, only={"Wood"})
        self.assertEqual(2, compare_bindings(d, exported, tmp, materials, {i.uuid: i for i in scene.images},
                                             self.adapter.blobs, only={"Wood"}))
        compare_cameras(d, exported, objects)
        compare_lights(d, exported, objects)
        self.assertEqual([], d.found[:20], f"{len(d.found)} differences")
        wood_record = materials["Wood"]
        self.assertClose(0.6, wood_record.roughness)
        self.assertEqual("MIRRORED_REPEAT", wood_record.textures["base_color"].wrap_s)

    def test_strengths_without_their_texture_are_kept_and_read_back(self):
        glass = self.ids["Glass"]
        self.roundtrip([{"op": "set_material_params", "uuid": glass, "normal_scale": 0.5, "occlusion_strength": 0.25}],
                       lambda: self.assertClose((0.5, 0.25), (self.record(glass).normal_scale, self.record(glass).occlusion_strength)))

    def test_an_unrepresentable_graph_is_never_written(self):
        self.refused([{"op": "set_material_params", "uuid": self.ids["NoisyRoughness"], "metallic": 0.5}],
                     "UNREPRESENTABLE_MATERIAL")

    def test_create_image_and_a_material_using_it(self):
        data = _png_bytes(64, 32, 0.5)
        blob = self.put(data)
        ops = [{"op": "create_image", "uuid": NEW_IMAGE, "name": "made.png", "mime": "image/png", "blob": blob,
                "width": 64, "height": 32, "color_space": "linear"},
               {"op": "create_material", "uuid": NEW_MATERIAL, "name": "Made", "base_color": [1, 1, 1, 1], "metallic": 0,
                "roughness": 0.5, "emission": [0, 0, 0], "alpha_mode": "MASK", "alpha_cutoff": 0.25,
                "textures": {"base_color": {"image": NEW_IMAGE, "wrap_s": "CLAMP_TO_EDGE", "wrap_t": "CLAMP_TO_EDGE"}}}]

        def check():
            scene = self.adapter.canonical()
            image = {i.uuid: i for i in scene.images}[NEW_IMAGE]
            self.assertEqual(("made.png", "image/png", blob, 64, 32, "linear"),
                             (image.name, image.mime, image.blob, image.width, image.height, image.color_space))
            self.assertEqual(data, bytes(bpy.data.images[image.name].packed_file.data))
            m = {x.uuid: x for x in scene.materials}[NEW_MATERIAL]
            self.assertEqual((NEW_IMAGE, "CLAMP_TO_EDGE"), (m.textures["base_color"].image, m.textures["base_color"].wrap_s))
            self.assertEqual(("MASK", 0.25), (m.alpha_mode, m.alpha_cutoff))
        self.roundtrip(ops, check)
        self.assertNotIn(NEW_IMAGE, {i.uuid for i in self.adapter.canonical().images})

    def test_replace_image_gives_every_material_the_new_bytes_and_rollback_the_old(self):
        uid = self.ids["wood_albedo.jpg"]
        data = _png_bytes(16, 16, 0.75)
        blob = self.put(data)

        def check():
            self.assertEqual((blob, "image/png", 16, 16), (self.record(uid).blob, self.record(uid).mime,
                                                          self.record(uid).width, self.record(uid).height))
            self.assertEqual(uid, self.record(self.ids["Wood"]).textures["base_color"].image)
        self.roundtrip([{"op": "replace_image", "uuid": uid, "blob": blob, "mime": "image/png", "width": 16, "height": 16}], check)

    def test_image_bytes_that_are_not_what_the_operation_says_are_refused(self):
        blob = self.put(b"GIF89a not an image at all")
        self.refused([{"op": "create_image", "uuid": NEW_IMAGE, "name": "x.png", "mime": "image/png", "blob": blob,
                       "width": 4, "height": 4, "color_space": "srgb"}], "IMAGE_FORMAT")
        blob = self.put(_png_bytes(8, 8, 0.1))
        self.refused([{"op": "replace_image", "uuid": self.ids["wood_albedo.jpg"], "blob": blob, "mime": "image/png",
                       "width": 9, "height": 8}], "IMAGE_FORMAT")

    def test_set_camera_for_each_fit_and_orthographic(self):
        for name in ("CamAuto", "CamHorizontal", "CamVertical"):
            uid = self.ids[name]
            self.roundtrip([{"op": "set_camera", "uuid": uid, "yfov": 0.9, "znear": 0.2, "zfar": 321.0}],
                           lambda: (self.assertClose(0.9, self.record(uid).camera.yfov),
                                    self.assertClose((0.2, 321.0), (self.record(uid).camera.znear, self.record(uid).camera.zfar)),
                                    self.assertEqual(bpy.data.objects[name].data.sensor_fit,
                                                     {"CamAuto": "AUTO", "CamHorizontal": "HORIZONTAL", "CamVertical": "VERTICAL"}[name])))
        uid = self.ids["CamOrtho"]
        self.roundtrip([{"op": "set_camera", "uuid": uid, "xmag": 8.0, "ymag": 4.5}],
                       lambda: self.assertClose((8.0, 4.5), (self.record(uid).camera.xmag, self.record(uid).camera.ymag)))
        self.roundtrip([{"op": "set_camera", "uuid": self.ids["CamAuto"], "type": "orthographic", "xmag": 3.2, "ymag": 1.8,
                         "znear": 0.1, "zfar": 50.0}],
                       lambda: self.assertEqual("orthographic", self.record(self.ids["CamAuto"]).camera.type))

    def test_an_aspect_other_than_the_render_one_is_refused(self):
        self.refused([{"op": "set_camera", "uuid": self.ids["CamAuto"], "aspect": 1.0}], "INVALID_VALUE")

    def test_set_light_for_each_type_and_a_type_change(self):
        for name, fields in (("PointLight", {"intensity": 100.0, "color": [0.5, 0.5, 1.0], "range": 7.5}),
                             ("SpotLight", {"inner_cone": 0.2, "outer_cone": 0.5, "range": None}),
                             ("Sun", {"intensity": 1500.0}),
                             ("PointRanged", {"type": "spot", "inner_cone": 0.1, "outer_cone": 0.3})):
            uid = self.ids[name]

            def check(uid=uid, fields=fields):
                rec = self.record(uid).light
                for f, v in fields.items():
                    if v is None or isinstance(v, str):
                        self.assertEqual(v, getattr(rec, f), f)
                    else:
                        self.assertClose(v, getattr(rec, f))
            self.roundtrip([dict({"op": "set_light", "uuid": uid}, **fields)], check)

    def test_a_written_intensity_reads_back_as_its_float32_until_the_energy_changes(self):
        import struct
        uid = self.ids["PointLight"]
        typ, reply = self.adapter.apply(3, [{"op": "set_light", "uuid": uid, "intensity": 54321.123}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertEqual(struct.unpack("<f", struct.pack("<f", 54321.123))[0], self.record(uid).light.intensity)
        bpy.data.objects["PointLight"].data.energy = 100.0  # a human's edit: read from the watts again
        self.assertAlmostEqual(100.0 / (4 * math.pi) * 683, self.record(uid).light.intensity, places=3)

    def test_create_object_gives_a_new_camera_and_light_their_parameters(self):
        cam, lamp = "7a0c5e0e-3333-4222-8333-4444555566a1", "7a0c5e0e-3333-4222-8333-4444555566a2"
        base = {"op": "create_object", "parent": None, "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}
        ops = [dict(base, uuid=cam, name="NewCam", kind="camera",
                    camera={"type": "orthographic", "xmag": 4.0, "ymag": 2.25, "znear": 0.5, "zfar": 60.0}),
               dict(base, uuid=lamp, name="NewSpot", kind="light",
                    light={"type": "spot", "color": [1, 0.5, 0.25], "intensity": 300.0, "range": 9.0,
                           "inner_cone": 0.3, "outer_cone": 0.5})]

        def check():
            c, li = self.record(cam).camera, self.record(lamp).light
            self.assertEqual(("orthographic", "spot"), (c.type, li.type))
            self.assertClose((4.0, 2.25, 0.5, 60.0), (c.xmag, c.ymag, c.znear, c.zfar))
            self.assertClose((300.0, 9.0, 0.3, 0.5), (li.intensity, li.range, li.inner_cone, li.outer_cone))
        self.roundtrip(ops, check)

    def test_set_light_on_an_area_light_is_refused(self):
        self.refused([{"op": "set_light", "uuid": self.ids["AreaLight"], "intensity": 5.0}], "UNREPRESENTABLE_LIGHT")

    def test_shared_camera_data_is_copied_before_one_object_changes(self):
        a = bpy.data.objects["CamAuto"]
        b = bpy.data.objects.new("CamTwin", a.data)
        bpy.context.scene.collection.objects.link(b)
        self.adapter.attach()
        twin = b[PROP]
        before = self.record(twin).camera

        def check():
            self.assertClose(1.1, self.record(self.ids["CamAuto"]).camera.yfov)
            self.assertEqual(before, self.record(twin).camera)
            self.assertNotEqual(a.data, b.data)
        self.roundtrip([{"op": "set_camera", "uuid": self.ids["CamAuto"], "yfov": 1.1}], check)
        self.assertEqual(a.data, b.data)


class HumanEditsTests(unittest.TestCase):
    """A human's edits of materials, images, cameras and lights leave as the new operations."""

    def setUp(self):
        from .harness import Watch
        self.dir = tempfile.mkdtemp(prefix="vibesync-edits-")
        SAMPLE.build(self.dir, small=True)
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.watch = Watch(self.adapter)
        self.ids = {r.name: r.uuid for r in self.adapter.last_scene.objects + self.adapter.last_scene.materials}

    def tearDown(self):
        self.watch.close()

    def ops(self):
        return [op for batch in self.watch.edits() for op in batch]

    def test_a_factor_and_the_blend_mode_leave_as_set_material_params_of_those_fields(self):
        mat = bpy.data.materials["Glass"]
        mat.node_tree.nodes["Principled BSDF"].inputs["Roughness"].default_value = 0.4
        mat.blend_method = "CLIP"
        mat.update_tag()
        self.watch.settle()
        ops = [op for op in self.ops() if op["op"] == "set_material_params"]
        self.assertEqual(1, len(ops), self.ops())
        self.assertEqual({"op", "uuid", "roughness", "alpha_mode"}, set(ops[0]))
        self.assertEqual("MASK", ops[0]["alpha_mode"])

    def test_a_new_texture_leaves_as_create_image_then_set_material_params(self):
        mat = bpy.data.materials["Glow"]
        path = os.path.join(self.dir, "added.png")
        with open(path, "wb") as f:
            f.write(_png_bytes(8, 8, 0.3))
        node = mat.node_tree.nodes.new("ShaderNodeTexImage")
        node.image = bpy.data.images.load(path)
        mat.node_tree.links.new(node.outputs["Color"], mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"])
        self.watch.settle()
        ops = self.ops()
        names = [op["op"] for op in ops]
        self.assertIn("create_image", names, ops)
        self.assertLess(names.index("create_image"), names.index("set_material_params"))
        create = ops[names.index("create_image")]
        params = ops[names.index("set_material_params")]
        self.assertEqual(create["uuid"], params["textures"]["base_color"]["image"])
        self.assertEqual((8, 8, "image/png"), (create["width"], create["height"], create["mime"]))

    def test_camera_and_light_edits_leave_as_set_camera_and_set_light(self):
        bpy.data.objects["CamVertical"].data.lens = 70.0
        bpy.data.objects["PointLight"].data.energy = 500.0
        self.watch.settle()
        ops = {op["op"]: op for op in self.ops()}
        self.assertEqual(self.ids["CamVertical"], ops["set_camera"]["uuid"])
        self.assertEqual({"op", "uuid", "yfov"}, set(ops["set_camera"]))
        self.assertEqual({"op", "uuid", "intensity"}, set(ops["set_light"]))
        self.assertAlmostEqual(500.0 / (4 * math.pi) * 683, ops["set_light"]["intensity"], places=3)


    def test_every_energy_edit_reads_as_the_float32_the_orchestrator_models_and_the_same_on_every_read(self):
        # The orchestrator models Blender as storing float32 and compares read-backs to ε = 1e-5: at tens
        # of thousands of candela a value derived from the watts in double is ~1e-3 away from its own float32.
        import struct
        f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
        uid, light = self.ids["PointLight"], bpy.data.objects["PointLight"].data
        typ, reply = self.adapter.apply(3, [{"op": "set_light", "uuid": uid, "intensity": 33697.8761}])  # a sync's write: 620 W
        self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertEqual(MessageType.ACK, self.adapter.finalize([3])[0])
        written = light.energy
        for energy in (1500.0, 1234.5, written, 777.7, 1500.0):
            light.energy = energy
            self.watch.settle()
            sent = [op for op in self.ops() if op["op"] == "set_light"][-1]["intensity"]
            self.assertEqual(f32(sent), sent, f"{energy} W was sent as {sent!r}, not a float32")
            before = self.record(uid)
            intent = 4 + int(energy)  # the orchestrator's resync writes its float32 model of Reality back
            self.assertEqual(MessageType.APPLIED, self.adapter.apply(intent, [{"op": "set_light", "uuid": uid, "intensity": f32(sent)}])[0])
            self.assertEqual(MessageType.ACK, self.adapter.finalize([intent])[0])
            self.assertEqual([sent, sent], [before.light.intensity, self.record(uid).light.intensity])

    def record(self, uid):
        return {o.uuid: o for o in self.adapter.canonical().objects}[uid]


class BuiltFromRecordsTests(unittest.TestCase):
    """The records written as scene JSON and built into an empty file (images packed from their blobs,
    graphs built as the importer builds them) read back as the same records."""

    def test_a_scene_built_from_its_records_reads_back_the_same(self):
        from vibesync_blender.protocol.scene_json import write
        from vibesync_blender.scene.building import build
        SAMPLE.build(tempfile.mkdtemp(prefix="vibesync-built-"), small=True)
        first = BlenderAdapter(MainThreadQueue())
        first.attach()
        original = first.last_scene
        build(json.loads(json.dumps(write(original, "blender"))), first.blobs)
        second = BlenderAdapter(MainThreadQueue())
        second.attach()
        again = second.last_scene
        d = Differences("the record before")
        mats = {m.uuid: m for m in again.materials}
        for m in original.materials:
            if m.unsynced is not None:  # built from its best-effort values: representable now
                continue
            b = mats.get(m.uuid)
            for f in ("base_color", "metallic", "roughness", "emission", "emissive_strength", "alpha_cutoff",
                      "normal_scale", "occlusion_strength"):
                d.value(f"material '{m.name}'.{f}", getattr(m, f), getattr(b, f) if b else None)
            for f in ("alpha_mode", "double_sided"):
                d.value(f"material '{m.name}'.{f}", getattr(m, f), getattr(b, f) if b else None)
            d.value(f"material '{m.name}'.textures", sorted(m.textures), sorted(b.textures) if b else [])
            for slot, t in m.textures.items():
                for f in t.__slots__:
                    d.value(f"material '{m.name}'.textures.{slot}.{f}", getattr(t, f), getattr(b.textures.get(slot), f, None))
        self.assertEqual(sorted(original.images, key=lambda i: i.uuid), sorted(again.images, key=lambda i: i.uuid))
        objs = {o.uuid: o for o in again.objects}
        for o in original.objects:
            if o.kind == "light" and o.light is None:  # an area light: the record says nothing to build
                continue
            for what in ("camera", "light"):
                a, b = getattr(o, what), getattr(objs[o.uuid], what)
                if (a is None) != (b is None):
                    d.found.append(f"object '{o.name}'.{what}: {a} before, {b} built")
                for f in (a.__slots__ if a is not None and b is not None else ()):
                    d.value(f"object '{o.name}'.{what}.{f}", getattr(a, f), getattr(b, f))
        self.assertEqual([], d.found[:20], f"{len(d.found)} differences")
