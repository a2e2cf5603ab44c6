#!/usr/bin/env python3
"""Writes the cross-language test vectors in testdata/ (docs/protocol.md is the specification).

Expected values come from the Python implementation (adapters/blender/vibesync_blender/protocol);
the C# suite checks src/VibeSync.Protocol against the same files, so the two implementations,
written separately from the specification, must agree to the bit. Published values (RFC 5869,
RFC 4231) are written literally and asserted here. Deterministic: running it twice gives the same
files. Run after any change to the specification:  python3 testdata/generate_vectors.py
"""

import json
import math
import os
import random
import sys

sys.set_int_max_str_digits(0)  # one error vector writes a 4301-digit integer
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "adapters", "blender"))

from vibesync_blender.protocol import convert  # noqa: E402
from vibesync_blender.protocol.crypto import hkdf_expand, hkdf_extract, hmac_sha256  # noqa: E402
from vibesync_blender.protocol.encoding import (encode_animation, encode_image, encode_material, encode_mesh,  # noqa: E402
                                                encode_object, encode_skin)
from vibesync_blender.protocol.errors import SceneError  # noqa: E402
from vibesync_blender.protocol.frames import encode_frame  # noqa: E402
from vibesync_blender.protocol.hashing import hash_scene  # noqa: E402
from vibesync_blender.firewall import CODE_FIELDS, FirewallError, audit_expression  # noqa: E402
from vibesync_blender.protocol import scene_json  # noqa: E402
from vibesync_blender.protocol.scene_json import read_canonical  # noqa: E402
from vibesync_blender.protocol.blobs import MemoryBlobs, float_blob, index_blob  # noqa: E402
from vibesync_blender.protocol.convert import mesh_attribute, mesh_indices  # noqa: E402

HEADER = {"spec": "docs/protocol.md", "generated_by": "testdata/generate_vectors.py"}

def uid(n, hidden=False):
    return ("h-" if hidden else "") + f"00000000-0000-4000-8000-{n:012x}"


def obj(n, name="A", kind="empty", parent=None, t=(0.0, 0.0, 0.0), r=(0.0, 0.0, 0.0, 1.0), s=(1.0, 1.0, 1.0),
        visible=True, materials=(), mesh=None, hidden=False):
    """A canonical-space object record as JSON."""
    return {"uuid": uid(n, hidden), "name": name, "kind": kind, "parent": parent, "translation": list(t),
            "rotation": list(r), "scale": list(s), "visible": visible, "materials": list(materials), "mesh": mesh}


def material(n, name="Red", base=(0.8, 0.05, 0.05, 1.0), metallic=0.0, roughness=0.5, emission=(0.0, 0.0, 0.0)):
    return {"uuid": uid(n), "name": name, "base_color": list(base), "metallic": metallic, "roughness": roughness,
            "emission": list(emission)}


def mesh(n, positions=(), triangles=(), uv0=None):
    m = {"uuid": uid(n), "positions": [list(p) for p in positions], "triangles": [list(t) for t in triangles]}
    if uv0 is not None:
        m["uv0"] = [list(u) for u in uv0]
    return m


def record(n, vertex_count, attributes, primitives=(), derived=()):
    """A mesh in the record form (docs/protocol.md §2): blob ids, not arrays."""
    return {"uuid": uid(n), "vertex_count": vertex_count, "attributes": dict(attributes),
            "primitives": [{"material": m, "indices": i} for m, i in primitives], "derived": list(derived)}


MADE_BLOBS = MemoryBlobs()  # every blob a vector names, so content vectors can carry their bytes


def made(blob):
    MADE_BLOBS.put(*blob)
    return blob[0]


def f32_blob(values, components):
    return made(float_blob(values, components))


def u32_blob(values):
    return made(index_blob(values))


def scene(objects=(), materials=(), meshes=(), images=None, skins=None, animations=None):
    doc = {"objects": list(objects), "materials": list(materials), "meshes": list(meshes)}
    if images is not None:
        doc["images"] = list(images)
    if skins is not None:
        doc["skins"] = list(skins)
    if animations is not None:
        doc["animations"] = list(animations)
    return doc


def u16_blob(values, components):
    from vibesync_blender.protocol.blobs import U16, blob_id
    import struct
    values = list(values)
    payload = struct.pack(f"<{len(values)}H", *values)
    shape = (U16, components, len(values) // components)
    return made((blob_id(*shape, payload), shape, payload))


# Content schema 4 (docs/protocol.md §2): a two-bone rig skinning a quad, a shape key, an animation.
QUAD = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]


def rig_scene(with_targets=True, with_animation=True):
    """An armature (80) with a root joint (81) and a child joint (82), a bone-parented empty (83), and a
    mesh object (84, mesh 85) skinned by skin 86 with a morph target, animated by animation 87."""
    ibm = f32_blob([1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0,
                    1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, -1.0, 0, 1.0], 16)
    objects = [obj(80, name="Armature", kind="armature", t=(0.0, 0.0, 0.0)),
               obj(81, name="Root", kind="joint", parent=uid(80), r=(-0.7071067811865476, 0.0, 0.0, 0.7071067811865476)),
               obj(82, name="Tip", kind="joint", parent=uid(81), t=(0.0, 1.0, 0.0)),
               obj(83, name="Held", parent=uid(82), t=(0.0, 0.5, 0.0)),
               obj(84, name="Skinned", kind="mesh", mesh=uid(85)) | {"skin": uid(86)}]
    mesh_record = record(85, 4, {"POSITION": f32_blob(QUAD, 3),
                                 "JOINTS_0": u16_blob([0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], 4),
                                 "WEIGHTS_0": f32_blob([1, 0, 0, 0, 0.75, 0.25, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], 4)},
                         [(0, u32_blob([0, 1, 2, 0, 2, 3]))])
    if with_targets:
        mesh_record |= {"targets": [{"name": "Smile", "POSITION": f32_blob([0, 0, 0.1] * 4, 3), "NORMAL": f32_blob([0, 0, 0] * 4, 3)},
                                    {"name": "Frown", "POSITION": f32_blob([0, 0, -0.1] * 4, 3)}],
                        "weights": [0.25, 0.0]}
    skins = [{"uuid": uid(86), "name": "Armature", "joints": [uid(81), uid(82)], "inverse_bind_matrices": ibm, "skeleton": uid(81)}]
    animations = []
    if with_animation:
        times = f32_blob([0.0, 0.5, 1.0], 1)
        channels = [{"target": uid(81), "path": "rotation", "interpolation": "LINEAR", "times": times,
                     "values": f32_blob([0, 0, 0, 1, 0, 0.3826834323650898, 0, 0.9238795325112867, 0, 0.7071067811865476, 0, 0.7071067811865476], 4),
                     "sampled": False},
                    {"target": uid(82), "path": "translation", "interpolation": "STEP", "times": times,
                     "values": f32_blob([0, 1, 0, 0, 1.5, 0, 0, 1, 0], 3), "sampled": True},
                    {"target": uid(82), "path": "scale", "interpolation": "CUBICSPLINE", "times": f32_blob([0.0, 1.0], 1),
                     "values": f32_blob([0, 0, 0, 1, 1, 1, 0, 0, 0] * 2, 3), "sampled": False}]
        if with_targets:
            channels.append({"target": uid(84), "path": "weights", "interpolation": "LINEAR", "times": f32_blob([0.0, 1.0], 1),
                             "values": f32_blob([0, 0, 1, 0.5], 1), "sampled": False})
        animations = [{"uuid": uid(87), "name": "Wave", "frame_rate": 24, "channels": channels}]
    return scene(objects, meshes=[mesh_record], skins=skins, animations=animations)


# A 1×1 white RGBA PNG, and the markers of a 2×1 baseline JPEG (SOI, APP0, SOF0, EOI: what the content
# check reads); their blob ids name them.
PNG_1X1 = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                        "0000000b49444154789c63f80f040009fb03fdfb5e6b2b0000000049454e44ae426082")
JPEG_2X1 = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffc0000b080001000201011100ffd9")


def image(n, name="albedo.png", mime="image/png", blob=None, width=1, height=1, color_space="srgb", hidden=False):
    return {"uuid": uid(n, hidden), "name": name, "mime": mime, "blob": blob or u8_blob(PNG_1X1), "width": width,
            "height": height, "color_space": color_space}


def u8_blob(data):
    from vibesync_blender.protocol.blobs import u8_blob as make
    return make(data)[0]


def texture(image_uuid, **fields):
    return dict({"image": image_uuid}, **fields)


def full_material(n, name="Brick", textures=None, **fields):
    """A schema-3 material with every optional field stated."""
    m = material(n, name)
    fields.pop("base", None)
    m.update({"emissive_strength": 1.0, "alpha_mode": "OPAQUE", "alpha_cutoff": 0.5, "double_sided": False,
              "normal_scale": 1.0, "occlusion_strength": 1.0, "textures": textures or {}, "unsynced": None})
    m.update(fields)
    return m


def camera(kind="perspective", **fields):
    c = {"type": kind, "yfov": 0.6911, "aspect": 1.7778, "znear": 0.1, "zfar": 100.0} if kind == "perspective" \
        else {"type": kind, "xmag": 3.6, "ymag": 2.025, "znear": 0.1, "zfar": 100.0}
    c.update(fields)
    return c


def light(kind="point", **fields):
    li = {"type": kind, "color": [1.0, 0.9, 0.8], "intensity": 543.5, "range": None}
    if kind == "spot":
        li.update(inner_cone=0.6545, outer_cone=0.7854)
    li.update(fields)
    return li


def write_space(canonical_scene, space, unit_scale=1.0):
    """A Scene (canonical values) written as scene JSON in ``space``."""
    return scene_json.write(canonical_scene, space, unit_scale)


def canonical_of(doc, space="canonical"):
    return read_canonical(json.dumps(doc), space)


def expected_hashes(doc, space):
    return json.loads(hash_scene(read_canonical(json.dumps(doc), space)).to_json())


def encodings(doc, space):
    c = canonical_of(doc, space)
    e = {o.uuid: encode_object(o).hex() for o in c.objects}
    e.update({m.uuid: encode_material(m).hex() for m in c.materials})
    e.update({m.uuid: encode_mesh(m).hex() for m in c.meshes})
    e.update({i.uuid: encode_image(i).hex() for i in c.images})
    e.update({k.uuid: encode_skin(k).hex() for k in c.skins})
    e.update({a.uuid: encode_animation(a).hex() for a in c.animations})
    return e


def unit_quat(r, n=4):
    q = [r.uniform(-1, 1) for _ in range(n)]
    length = math.sqrt(sum(c * c for c in q))
    return [c / length for c in q]


def random_scene(r, count, cameras=True):
    mats = [material(1000 + i, name=f"Mat {i}", base=(r.random(), r.random(), r.random(), 1.0),
                     metallic=round(r.random(), 3), roughness=round(r.random(), 6)) for i in range(r.randrange(1, 4))]
    n_pos = r.randrange(3, 9)
    meshes = [mesh(2000 + i, positions=[[round(r.uniform(-2, 2), 6) for _ in range(3)] for _ in range(n_pos)],
                   triangles=[[r.randrange(n_pos) for _ in range(3)] for _ in range(r.randrange(1, 5))],
                   uv0=[[round(r.random(), 4), round(r.random(), 4)] for _ in range(n_pos)] if r.random() < 0.5 else None)
              for i in range(2)]
    kinds = ["empty", "mesh", "camera", "light"] if cameras else ["empty", "mesh"]
    objects = []
    for i in range(count):
        kind = r.choice(kinds)
        parent = objects[r.randrange(len(objects))]["uuid"] if objects and r.random() < 0.5 else None
        objects.append(obj(3000 + i, name=f"Object {i}", kind=kind, parent=parent,
                           t=[round(r.uniform(-50, 50), r.randrange(1, 8)) for _ in range(3)], r=unit_quat(r),
                           s=[round(r.uniform(0.1, 3), 4) for _ in range(3)], visible=r.random() < 0.8,
                           materials=[r.choice([m["uuid"] for m in mats] + [None]) for _ in range(r.randrange(0, 3))] if kind == "mesh" else [],
                           mesh=r.choice(meshes)["uuid"] if kind == "mesh" else None, hidden=r.random() < 0.1))
    return scene(objects, mats, meshes)


# ---- hash vectors ----------------------------------------------------------------------------

def hash_cases():
    cases = []

    def add(name, space, doc, same_root_as=None, with_encodings=False):
        case = {"name": name, "space": space, "scene": doc, "expected": expected_hashes(doc, space)}
        if same_root_as is not None:
            other = next(c for c in cases if c["name"] == same_root_as)
            assert other["expected"]["root"] == case["expected"]["root"], f"{name} does not share {same_root_as}'s root"
            case["same_root_as"] = same_root_as
        if with_encodings:
            case["encodings"] = encodings(doc, space)
        cases.append(case)

    minimal = scene([obj(1)])
    add("object_minimal", "canonical", minimal, with_encodings=True)
    add("empty_scene", "canonical", {})
    add("empty_scene_blender_with_unit_scale", "blender", {"unit_scale": 1.0})
    add("empty_lists", "unity", scene(), same_root_as="empty_scene")

    # Rounding edges of ε: × 1e5 lands on .5 (ties to even), just either side of it, and on integers.
    for label, v in [("half_step_ties_down_to_0", 0.000005), ("one_and_a_half_steps_ties_up_to_2", 0.000015),
                     ("two_and_a_half_steps_ties_down_to_2", 2.5e-5), ("minus_half_step", -0.000005),
                     ("just_below_half_step", 0.0000049999), ("just_above_half_step", 0.0000050001),
                     ("exactly_one_step", 0.00001), ("one_and_a_half_steps_above_one", 1.000015),
                     ("minus_two_and_a_half_steps_below_minus_two", -2.000025), ("a_tenth", 0.1)]:
        add(f"epsilon_edge_{label}", "canonical", scene([obj(2, t=(v, -v, v * 3))]), with_encodings=True)

    add("minus_zero_everywhere", "canonical",
        scene([obj(1, t=(-0.0, -0.0, -0.0), r=(-0.0, -0.0, -0.0, 1.0))]), same_root_as="object_minimal")
    for label, v in [("a_million", 1e6), ("nine_digits_and_decimals", 123456789.123),
                     ("just_under_the_limit", 999999999999.0), ("at_the_limit", 1e12), ("at_the_negative_limit", -1e12)]:
        add(f"large_value_{label}", "canonical", scene([obj(3, t=(v, 0.0, -v))]), with_encodings=True)

    q = (0.1, 0.2, 0.3, math.sqrt(1 - 0.14))
    add("quaternion_q", "canonical", scene([obj(4, r=q)]), with_encodings=True)
    add("quaternion_minus_q", "canonical", scene([obj(4, r=tuple(-c for c in q))]), same_root_as="quaternion_q")
    add("quaternion_w_zero", "canonical", scene([obj(5, r=(0.0, 0.6, 0.8, 0.0))]), with_encodings=True)
    add("quaternion_w_zero_negated", "canonical", scene([obj(5, r=(-0.0, -0.6, -0.8, -0.0))]), same_root_as="quaternion_w_zero")
    add("quaternion_w_zero_x_zero_negative_z", "canonical", scene([obj(5, r=(0.0, 0.0, -1.0, 0.0))]), with_encodings=True)
    add("quaternion_w_just_above_zero", "canonical", scene([obj(6, r=(0.6, 0.0, 0.8, 1e-9))]), with_encodings=True)
    add("quaternion_w_just_below_zero_is_the_same_rotation", "canonical", scene([obj(6, r=(-0.6, 0.0, -0.8, -1e-9))]),
        same_root_as="quaternion_w_just_above_zero")
    add("quaternion_not_normalized", "canonical", scene([obj(6, r=(0.0, 0.0, 0.0, 2.0))]), with_encodings=True)

    add("name_latin_accent", "canonical", scene([obj(7, name="Caf\u00e9")]), with_encodings=True)
    add("name_combining_accent_is_not_normalized", "canonical", scene([obj(7, name="Cafe\u0301")]), with_encodings=True)
    add("name_japanese", "canonical", scene([obj(7, name="\u7acb\u65b9\u4f53")]), with_encodings=True)
    add("name_emoji_outside_the_bmp", "canonical", scene([obj(7, name="\U0001f3b2 dice")]), with_encodings=True)
    add("name_empty", "canonical", scene([obj(7, name="")]), with_encodings=True)
    add("name_with_quotes_and_escapes", "canonical", scene([obj(7, name="a \"b\" \\ c\n\t")]), with_encodings=True)

    add("mesh_empty", "canonical", scene([obj(8, kind="mesh", mesh=uid(9))], meshes=[mesh(9)]), with_encodings=True)
    tri = [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)]
    add("mesh_triangle_without_uv", "canonical", scene([obj(8, kind="mesh", mesh=uid(9))], meshes=[mesh(9, tri, [(0, 1, 2)])]),
        with_encodings=True)
    add("mesh_triangle_with_uv", "canonical",
        scene([obj(8, kind="mesh", mesh=uid(9))], meshes=[mesh(9, tri, [(0, 1, 2)], uv0=[(0, 0), (1, 0), (0, 1)])]),
        with_encodings=True)
    add("mesh_triangle_in_unity_space_is_wound_the_other_way", "unity",
        write_space(canonical_of(scene([obj(8, kind="mesh", mesh=uid(9))], meshes=[mesh(9, tri, [(0, 1, 2)])])), "unity"),
        same_root_as="mesh_triangle_without_uv")
    add("mesh_inline_triangle_in_blender_space_is_the_same_record", "blender",
        {"unit_scale": 1.0, "objects": [{"uuid": uid(8), "name": "A", "kind": "mesh", "parent": None, "location": [0, 0, 0],
                                         "rotation_quaternion": [1, 0, 0, 0], "scale": [1, 1, 1], "visible": True, "materials": [], "mesh": uid(9)}],
         "meshes": [mesh(9, [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)], [(0, 1, 2)])]},
        same_root_as="mesh_triangle_without_uv")
    add("mesh_record_form_of_the_inline_triangle", "canonical",
        scene([obj(8, kind="mesh", mesh=uid(9))],
              meshes=[record(9, 3, {"POSITION": f32_blob([c for p in tri for c in p], 3)}, [(0, u32_blob([0, 1, 2]))])]),
        same_root_as="mesh_triangle_without_uv")
    quad = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    full = {"POSITION": f32_blob(quad, 3), "NORMAL": f32_blob([0.0, 0.0, 1.0] * 4, 3),
            "TANGENT": f32_blob([1.0, 0.0, 0.0, 1.0] * 4, 4), "TEXCOORD_0": f32_blob([0, 0, 1, 0, 1, 1, 0, 1], 2),
            "TEXCOORD_1": f32_blob([0.5, 0.5] * 4, 2), "COLOR_0": f32_blob([1.0, 0.5, 0.25, 1.0] * 4, 4)}
    add("mesh_record_every_attribute_two_slots_derived", "canonical",
        scene([obj(13, kind="mesh", mesh=uid(14), materials=[uid(11), None, uid(11)])], [material(11)],
              [record(14, 4, full, [(0, u32_blob([0, 1, 2])), (2, u32_blob([0, 2, 3]))], ["Subdivision (SUBSURF)", "Mirror (MIRROR)"])]),
        with_encodings=True)
    add("mesh_record_vertices_only_no_primitives", "canonical",
        scene(meshes=[record(15, 4, {"POSITION": f32_blob(quad, 3)})]), with_encodings=True)
    add("mesh_record_of_a_curve", "canonical",
        scene(meshes=[record(16, 4, {"POSITION": f32_blob(quad, 3)}, [(0, u32_blob([0, 1, 2, 0, 2, 3]))], ["curve"])]), with_encodings=True)
    add("material_slots_with_an_empty_slot", "canonical",
        scene([obj(10, kind="mesh", mesh=uid(9), materials=[uid(11), None, uid(11)])], [material(11)], [mesh(9, tri, [(0, 1, 2)])]),
        with_encodings=True)
    add("material_emissive_metal", "canonical", scene(materials=[material(12, "Gold", (1.0, 0.766, 0.336, 1.0), 1.0, 0.2, (0.5, 0.25, 0.0))]),
        with_encodings=True)

    # Content schema 3 (docs/protocol.md §2): materials with every slot, alpha modes, unsynced; images;
    # camera and light parameters.
    add("material_schema_2_fields_only_read_with_the_defaults", "canonical", scene(materials=[material(12, "Gold", (1.0, 0.766, 0.336, 1.0), 1.0, 0.2, (0.5, 0.25, 0.0))]),
        same_root_as="material_emissive_metal")
    gold = dict(material(12, "Gold", (1.0, 0.766, 0.336, 1.0), 1.0, 0.2, (0.5, 0.25, 0.0)), emissive_strength=1.0, alpha_mode="OPAQUE",
                alpha_cutoff=0.5, double_sided=False, normal_scale=1.0, occlusion_strength=1.0, textures={}, unsynced=None)
    add("material_defaults_stated_explicitly", "canonical", scene(materials=[gold]), same_root_as="material_emissive_metal")
    png, jpeg = u8_blob(PNG_1X1), u8_blob(JPEG_2X1)
    imgs = [image(40, "albedo.png", blob=png), image(41, "normal.png", blob=png, color_space="linear"),
            image(42, "orm.jpg", mime="image/jpeg", blob=jpeg, width=2, height=1, color_space="linear")]
    every_slot = {
        "base_color": texture(uid(40)),
        "metallic_roughness": texture(uid(42), texcoord=1, wrap_s="CLAMP_TO_EDGE", wrap_t="MIRRORED_REPEAT",
                                      mag_filter="NEAREST", min_filter="NEAREST_MIPMAP_LINEAR"),
        "normal": texture(uid(41), offset=[0.25, -0.5], rotation=1.5707963267948966, scale=[2.0, 0.5]),
        "occlusion": texture(uid(42), texcoord=1, min_filter="LINEAR"),
        "emissive": texture(uid(40), wrap_s="MIRRORED_REPEAT", wrap_t="CLAMP_TO_EDGE", mag_filter="LINEAR", min_filter="NEAREST"),
    }
    add("material_every_texture_slot", "canonical",
        scene(materials=[full_material(43, textures=every_slot, normal_scale=0.8, occlusion_strength=0.6, emission=[1.0, 0.5, 0.0],
                                       emissive_strength=4.0, double_sided=True)], images=imgs), with_encodings=True)
    add("material_every_texture_slot_in_blender_space", "blender",
        dict(scene(materials=[full_material(43, textures=every_slot, normal_scale=0.8, occlusion_strength=0.6, emission=[1.0, 0.5, 0.0],
                                            emissive_strength=4.0, double_sided=True)], images=imgs), unit_scale=1.0),
        same_root_as="material_every_texture_slot")
    add("material_texture_fields_left_at_their_defaults", "canonical",
        scene(materials=[full_material(44, textures={"base_color": texture(uid(40))})], images=imgs[:1]), with_encodings=True)
    add("material_texture_defaults_stated_explicitly", "canonical",
        scene(materials=[full_material(44, textures={"base_color": texture(uid(40), texcoord=0, wrap_s="REPEAT", wrap_t="REPEAT",
                                                                           mag_filter="LINEAR", min_filter="LINEAR_MIPMAP_LINEAR",
                                                                           offset=[0, 0], rotation=0, scale=[1, 1])})],
              images=imgs[:1]), same_root_as="material_texture_fields_left_at_their_defaults")
    for mode in ("OPAQUE", "MASK", "BLEND"):
        add(f"material_alpha_mode_{mode.lower()}", "canonical",
            scene(materials=[full_material(45, base=None, alpha_mode=mode, alpha_cutoff=0.25, base_color=[0.2, 0.4, 0.6, 0.5])]),
            with_encodings=True)
    add("material_unsynced", "canonical",
        scene(materials=[full_material(46, unsynced="Principled BSDF input Subsurface is linked")]), with_encodings=True)
    add("images_png_and_jpeg", "canonical", scene(images=imgs), with_encodings=True)
    add("image_hidden", "canonical", scene(images=[image(47, "secret.png", blob=png, hidden=True)]), with_encodings=True)
    add("image_at_the_largest_size", "canonical", scene(images=[image(48, "huge.png", blob=png, width=32768, height=32768)]), with_encodings=True)

    cams = scene([obj(60, name="Persp", kind="camera", t=(0.0, 1.0, 5.0)) | {"camera": camera()},
                  obj(61, name="Ortho", kind="camera", t=(0.0, 10.0, 0.0)) | {"camera": camera("orthographic")},
                  obj(62, name="Bare", kind="camera")])
    add("cameras_perspective_orthographic_and_bare", "canonical", cams, with_encodings=True)
    add("cameras_in_blender_space", "blender", write_space(canonical_of(cams), "blender"), same_root_as="cameras_perspective_orthographic_and_bare")
    add("cameras_in_unity_space", "unity", write_space(canonical_of(cams), "unity"), same_root_as="cameras_perspective_orthographic_and_bare")
    add("camera_null_parameters_are_a_bare_camera", "canonical", scene([obj(62, name="Bare", kind="camera") | {"camera": None}]),
        with_encodings=True)
    lights = scene([obj(70, name="Point", kind="light") | {"light": light("point", range=None)},
                    obj(71, name="Spot", kind="light") | {"light": light("spot", range=25.0)},
                    obj(72, name="Sun", kind="light") | {"light": light("directional", intensity=3.5, color=[1.0, 1.0, 1.0])},
                    obj(73, name="Area (not synced)", kind="light") | {"light": None}])
    add("lights_point_spot_directional_and_unrepresentable", "canonical", lights, with_encodings=True)
    add("lights_in_blender_space", "blender", write_space(canonical_of(lights), "blender"), same_root_as="lights_point_spot_directional_and_unrepresentable")
    add("lights_in_unity_space", "unity", write_space(canonical_of(lights), "unity"), same_root_as="lights_point_spot_directional_and_unrepresentable")
    add("light_point_with_cones_stated_as_zero", "canonical",
        scene([obj(70, name="Point", kind="light") | {"light": light("point", inner_cone=0, outer_cone=0)}]), with_encodings=True)
    add("light_point_with_cones_left_out", "canonical", scene([obj(70, name="Point", kind="light") | {"light": light("point")}]),
        same_root_as="light_point_with_cones_stated_as_zero")
    add("light_spot_with_range_null_and_without_range", "canonical",
        scene([obj(71, name="Spot", kind="light") | {"light": {k: v for k, v in light("spot").items() if k != "range"}}]), with_encodings=True)

    # Content schema 4: armatures, joints, skins, JOINTS_0/WEIGHTS_0, morph targets, animations.
    rigged = rig_scene()
    add("rig_armature_joints_skin_targets_animation", "canonical", rigged, with_encodings=True)
    add("rig_in_blender_space", "blender", write_space(canonical_of(rigged), "blender"), same_root_as="rig_armature_joints_skin_targets_animation")
    add("rig_in_unity_space", "unity", write_space(canonical_of(rigged), "unity"), same_root_as="rig_armature_joints_skin_targets_animation")
    add("rig_without_targets_or_animation", "canonical", rig_scene(with_targets=False, with_animation=False), with_encodings=True)
    add("rig_channel_sampled_left_out_is_false", "canonical",
        rig_scene() | {"animations": [dict(rigged["animations"][0], channels=[
            {k: v for k, v in c.items() if not (k == "sampled" and v is False)} for c in rigged["animations"][0]["channels"]])]},
        same_root_as="rig_armature_joints_skin_targets_animation")
    add("rig_skeleton_left_out_is_null", "canonical",
        rig_scene() | {"skins": [{k: v for k, v in rigged["skins"][0].items() if k != "skeleton"}]}, with_encodings=True)
    add("animation_without_channels", "canonical", scene(animations=[{"uuid": uid(88), "name": "Empty action", "frame_rate": 30, "channels": []}]),
        with_encodings=True)
    # A schema-3 scene hashes exactly as before: schema 4's fields stated empty change nothing, and the
    # root is the one content schema 3 published for it (pinned literally, so a drift cannot hide).
    schema3 = scene([obj(13, kind="mesh", mesh=uid(14), materials=[uid(11), None, uid(11)])], [material(11)],
                    [record(14, 4, full, [(0, u32_blob([0, 1, 2])), (2, u32_blob([0, 2, 3]))], ["Subdivision (SUBSURF)", "Mirror (MIRROR)"])])
    schema3_root = "2149e49f05da54b4ffa08bd4a5a05cb48d53754fea49ffceb1cef7cf136b5926"  # hash_vectors.json at c3e59c8
    assert expected_hashes(schema3, "canonical")["root"] == schema3_root, "a schema-3 scene no longer hashes as content schema 3 did"
    schema3_stated = dict(schema3, skins=[], animations=[],
                          objects=[dict(schema3["objects"][0], skin=None)],
                          meshes=[dict(schema3["meshes"][0], targets=[], weights=[])])
    add("schema_3_scene_with_schema_4_fields_empty_hashes_as_in_schema_3", "canonical", schema3_stated,
        same_root_as="mesh_record_every_attribute_two_slots_derived")

    chain = [obj(20 + i, name=f"Link {i}", parent=uid(20 + i - 1) if i else None, t=(0.5 * i, 1.0, -0.25),
                 r=unit_quat(random.Random(i))) for i in range(6)]
    add("parent_chain_depth_five", "canonical", scene(chain))
    add("parent_chain_depth_five_in_blender_space", "blender", write_space(canonical_of(scene(chain)), "blender"),
        same_root_as="parent_chain_depth_five")
    add("parent_chain_depth_five_in_unity_space", "unity", write_space(canonical_of(scene(chain)), "unity"),
        same_root_as="parent_chain_depth_five")

    rig = scene([obj(30, name="Camera", kind="camera", t=(7.0, 5.0, -6.0), r=unit_quat(random.Random(30))),
                 obj(31, name="Sun", kind="light", t=(4.0, 6.0, 1.0), r=unit_quat(random.Random(31))),
                 obj(32, name="Held", parent=uid(30), t=(0.0, -0.5, -2.0), r=unit_quat(random.Random(32))),
                 obj(33, name="Gizmo", kind="light", parent=uid(30), t=(0.25, 0.0, 0.0), r=unit_quat(random.Random(33)))])
    add("camera_light_and_children", "canonical", rig)
    add("camera_light_and_children_in_unity_space", "unity", write_space(canonical_of(rig), "unity"),
        same_root_as="camera_light_and_children")
    add("camera_light_and_children_in_blender_space", "blender", write_space(canonical_of(rig), "blender"),
        same_root_as="camera_light_and_children")
    cam_rest = {"unit_scale": 1.0, "objects": [{"uuid": uid(34), "name": "Camera", "kind": "camera", "parent": None,
                "location": [0, 0, 10], "rotation_quaternion": [1, 0, 0, 0], "scale": [1, 1, 1], "visible": True,
                "materials": [], "mesh": None}]}
    add("blender_camera_at_rest_looking_down", "blender", cam_rest, with_encodings=True)

    plain = random_scene(random.Random(40), 12, cameras=False)
    for unit in (0.01, 2.0, 0.25):
        add(f"unit_scale_{unit}_in_blender_space", "blender", write_space(canonical_of(plain), "blender", unit))
    add("unit_scale_reference_scene", "canonical", plain)
    for c in cases[-4:-1]:
        if c["expected"]["root"] == cases[-1]["expected"]["root"]:
            c["same_root_as"] = "unit_scale_reference_scene"

    add("hidden_objects", "canonical", scene([obj(50, name="Key light", kind="light", hidden=True),
                                              obj(51, name="Child of hidden", parent=uid(50, True))]), with_encodings=True)

    same = random_scene(random.Random(60), 15, cameras=False)
    add("one_scene_canonical", "canonical", same)
    add("one_scene_blender", "blender", write_space(canonical_of(same), "blender"), same_root_as="one_scene_canonical")
    add("one_scene_unity", "unity", write_space(canonical_of(same), "unity"), same_root_as="one_scene_canonical")
    stamped = dict(write_space(canonical_of(same), "unity"), vibesync_project={"id": "5f0c3b1e-8a4d-4c2e-9b7a-0d1e2f3a4b5c", "schema": 1})
    add("one_scene_unity_with_its_project_stamp", "unity", stamped, same_root_as="one_scene_canonical")  # a stamp is not part of any record

    for i, (space, count) in enumerate([("canonical", 20), ("blender", 35), ("unity", 50)]):
        s = random_scene(random.Random(70 + i), count)
        add(f"random_scene_{count}_objects_{space}", space, write_space(canonical_of(s), space) if space != "canonical" else s)
    return cases


def inline_cases():
    """Scene JSON with inline (schema-1) meshes and the record form it reads as, with every blob made."""
    cases = []

    def add(name, space, doc):
        sink = MemoryBlobs()
        c = read_canonical(json.dumps(doc), space, sink)
        blobs = {}
        for blob in sorted(sink.ids()):
            shape, data = sink.get(blob)
            blobs[blob] = {"element": shape.element, "components": shape.components, "count": shape.count, "payload": bytes(data).hex()}
        cases.append({"name": name, "space": space, "scene": doc, "record_form": write_space(c, "canonical"), "blobs": blobs})

    tri = [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.5)]
    add("inline_triangle_with_uv", "canonical",
        scene([obj(1, kind="mesh", mesh=uid(2))], meshes=[mesh(2, tri, [(0, 1, 2)], uv0=[(0, 0), (1, 0), (0.1, 1)])]))
    add("inline_values_rounded_to_float32", "canonical", scene(meshes=[mesh(3, [(0.1, 0.2, 0.3)], [])]))
    add("inline_without_triangles_has_no_primitive", "canonical", scene(meshes=[mesh(4, tri, [])]))
    add("inline_in_unity_space_mirrored_and_rewound", "unity", scene(meshes=[mesh(5, tri, [(0, 1, 2)])]))
    add("inline_in_blender_space_with_unit_scale", "blender",
        {"unit_scale": 0.01, "meshes": [mesh(6, tri, [(0, 1, 2)], uv0=[(0, 0), (1, 0), (0, 1)])]})
    return cases


# ---- content vectors (schema 4) ---------------------------------------------------------------

def rigging_content_cases():
    """Scenes valid as records whose blobs break (or keep) a content rule: both languages run their
    content check (C#: RiggingContent.CheckScene, Python: rigging_content.check_scene) and must refuse
    with the vector's code at its path, or accept."""
    from vibesync_blender.protocol.rigging_content import ContentError, check_scene
    cases = []

    def add(name, doc, code=None, path=None):
        c = canonical_of(doc)
        try:
            check_scene(c, MADE_BLOBS)
        except ContentError as e:
            assert (e.code, e.path) == (code, path), f"{name}: Python reports {e.code} at {e.path}, vector says {code} at {path}"
        else:
            assert code is None, f"{name}: Python accepted it"
        blobs = {}
        for blob in sorted(set(c.blob_ids())):
            held = MADE_BLOBS.get(blob)
            if held is not None:
                shape, data = held
                blobs[blob] = {"element": shape.element, "components": shape.components, "count": shape.count, "payload": bytes(data).hex()}
        cases.append({"name": name, "scene": doc, "blobs": blobs, "code": code, "path": path})

    def rig(change):
        doc = json.loads(json.dumps(rig_scene()))
        change(doc)
        return doc

    def channel(k, **fields):
        return lambda d: d["animations"][0]["channels"][k].update(fields)

    def attribute(semantic, blob):
        return lambda d: d["meshes"][0]["attributes"].update({semantic: blob})

    add("rig_whose_blobs_fit_is_accepted", rig_scene())
    add("vertex_with_no_influence_is_accepted", rig(attribute("WEIGHTS_0", f32_blob([0, 0, 0, 0] + [1, 0, 0, 0] * 3, 4))))
    add("weights_within_the_tolerance_are_accepted", rig(attribute("WEIGHTS_0", f32_blob([0.5, 0.4995, 0, 0] + [1, 0, 0, 0] * 3, 4))))
    add("weight_negative", rig(attribute("WEIGHTS_0", f32_blob([1.25, -0.25, 0, 0] + [1, 0, 0, 0] * 3, 4))),
        "INVALID_VALUE", "meshes[0].attributes.WEIGHTS_0")
    add("weights_not_summing_to_one", rig(attribute("WEIGHTS_0", f32_blob([1, 0, 0, 0] * 2 + [0.6, 0.3, 0, 0] + [1, 0, 0, 0], 4))),
        "INVALID_VALUE", "meshes[0].attributes.WEIGHTS_0")
    add("joint_index_beyond_the_skin", rig(attribute("JOINTS_0", u16_blob([0, 0, 0, 0] * 3 + [2, 0, 0, 0], 4))),
        "INDEX_RANGE", "objects[4].skin")
    add("target_position_of_the_wrong_count", rig(lambda d: d["meshes"][0]["targets"][0].update(POSITION=f32_blob([0, 0, 0.1] * 3, 3))),
        "BLOB_SHAPE", "meshes[0].targets[0].POSITION")
    add("target_normal_of_the_wrong_components", rig(lambda d: d["meshes"][0]["targets"][0].update(NORMAL=f32_blob([0, 0, 0, 0] * 4, 4))),
        "BLOB_SHAPE", "meshes[0].targets[0].NORMAL")
    add("target_blob_missing", rig(lambda d: d["meshes"][0]["targets"][1].update(POSITION="ab" * 32)),
        "BLOB_MISSING", "meshes[0].targets[1].POSITION")
    add("inverse_bind_matrices_one_short", rig(lambda d: d["skins"][0].update(inverse_bind_matrices=f32_blob([1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0], 16))),
        "BLOB_SHAPE", "skins[0].inverse_bind_matrices")
    add("inverse_bind_matrices_as_mat3", rig(lambda d: d["skins"][0].update(inverse_bind_matrices=f32_blob([1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0] * 2, 9))),
        "BLOB_SHAPE", "skins[0].inverse_bind_matrices")
    add("times_not_increasing", rig(channel(0, times=f32_blob([0.0, 0.5, 0.5], 1))), "INVALID_VALUE", "animations[0].channels[0].times")
    add("times_decreasing", rig(channel(1, times=f32_blob([0.0, 1.0, 0.5], 1))), "INVALID_VALUE", "animations[0].channels[1].times")
    add("time_negative", rig(channel(0, times=f32_blob([-0.5, 0.5, 1.0], 1))), "INVALID_VALUE", "animations[0].channels[0].times")
    add("times_empty", rig(channel(0, times=f32_blob([], 1))), "BLOB_SHAPE", "animations[0].channels[0].times")
    add("times_as_pairs", rig(channel(0, times=f32_blob([0.0, 0.5, 1.0, 1.5], 2))), "BLOB_SHAPE", "animations[0].channels[0].times")
    add("values_one_keyframe_short", rig(channel(1, values=f32_blob([0, 1, 0, 0, 1.5, 0], 3))), "BLOB_SHAPE", "animations[0].channels[1].values")
    add("rotation_values_as_vectors", rig(channel(0, values=f32_blob([0, 0, 0] * 3, 3))), "BLOB_SHAPE", "animations[0].channels[0].values")
    add("rotation_not_unit", rig(channel(0, values=f32_blob([0, 0, 0, 1, 0, 0.5, 0, 0.5, 0, 0.7071067811865476, 0, 0.7071067811865476], 4))),
        "INVALID_VALUE", "animations[0].channels[0].values")
    add("cubicspline_without_tangents", rig(channel(2, values=f32_blob([1, 1, 1, 2, 2, 2], 3))), "BLOB_SHAPE", "animations[0].channels[2].values")
    add("cubicspline_rotation_tangents_need_not_be_unit", rig(channel(0, times=f32_blob([0.0, 1.0], 1), interpolation="CUBICSPLINE",
                                                                       values=f32_blob([0, 0, 0, 0, 0, 0, 0, 1, 5, 5, 5, 5] * 2, 4))))
    add("weights_values_per_target_per_keyframe", rig(channel(3, values=f32_blob([0, 0, 1], 1))), "BLOB_SHAPE", "animations[0].channels[3].values")
    add("values_blob_missing", rig(channel(2, values="cd" * 32)), "BLOB_MISSING", "animations[0].channels[2].values")
    return cases


# ---- error vectors ---------------------------------------------------------------------------

def error_cases():
    base_obj = {"uuid": uid(1), "name": "A", "kind": "empty", "parent": None, "translation": [0, 0, 0],
                "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "visible": True, "materials": [], "mesh": None}
    base_mat = {"uuid": uid(2), "name": "M", "base_color": [1, 0, 0, 1], "metallic": 0, "roughness": 0.5, "emission": [0, 0, 0]}
    base_mesh = {"uuid": uid(3), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]]}
    cases = []

    def add(name, error_path, objects=None, materials=None, meshes=None, space="canonical", text=None, extra=None):
        if text is None:
            doc = {"objects": objects if objects is not None else [dict(base_obj)],
                   "materials": materials if materials is not None else [dict(base_mat)],
                   "meshes": meshes if meshes is not None else [dict(base_mesh)]}
            doc.update(extra or {})
            text = json.dumps(doc, ensure_ascii=False)
        try:
            read_canonical(text, space)
        except SceneError as e:
            assert e.path == error_path, f"{name}: Python reports {e.path}, vector says {error_path}"
        else:
            raise AssertionError(f"{name}: Python accepted it")
        cases.append({"name": name, "space": space, "input": text, "error_path": error_path})

    def o(**changes):
        d = dict(base_obj)
        for k, v in changes.items():
            if v is _DELETE:
                del d[k]
            else:
                d[k] = v
        return d

    add("not_json", "json", text="{\"objects\": [")
    add("trailing_comma", "json", text="{\"objects\": [],}")
    add("duplicate_key", "json", text="{\"objects\": [], \"objects\": []}")
    add("nan_literal", "json", text="{\"objects\": [" + json.dumps(base_obj).replace("[0, 0, 0]", "[NaN, 0, 0]", 1) + "]}")
    add("infinity_literal", "json", text="{\"objects\": [" + json.dumps(base_obj).replace("[0, 0, 0]", "[0, -Infinity, 0]", 1) + "]}")
    add("number_too_large_for_a_double", "objects[0].translation[2]",
        text="{\"objects\": [" + json.dumps(base_obj).replace("[0, 0, 0]", "[0, 0, 1e400]", 1) + "]}")
    add("top_level_array", "json", text="[]")
    add("nesting_deeper_than_64", "json", text="{\"x\": " + "[" * 64 + "]" * 64 + "}")
    add("nesting_of_64_is_parsed_then_refused_as_a_field", "x", text="{\"x\": " + "[" * 63 + "]" * 63 + "}")
    add("integer_with_4301_digits", "materials[0].metallic", materials=[dict(base_mat, metallic=10 ** 4300)])
    add("unknown_top_level_field", "lights", extra={"lights": []})
    add("unit_scale_outside_blender_space", "unit_scale", extra={"unit_scale": 1.0})
    add("project_stamp_outside_unity_space", "vibesync_project", extra={"vibesync_project": {"id": "x", "schema": 1}})
    add("unknown_object_field", "objects[0].color", objects=[o(color=[1, 0, 0])])
    add("unknown_material_field", "materials[0].specular", materials=[dict(base_mat, specular=0.5)])
    add("unknown_mesh_field", "meshes[0].normals", meshes=[dict(base_mesh, normals=[])])
    add("missing_field", "objects[0].visible", objects=[o(visible=_DELETE)])
    add("objects_not_an_array", "objects", text="{\"objects\": {}}")
    add("object_not_an_object", "objects[0]", text="{\"objects\": [42]}")
    add("translation_with_two_numbers", "objects[0].translation", objects=[o(translation=[0, 0])])
    add("rotation_with_three_numbers", "objects[0].rotation", objects=[o(rotation=[0, 0, 1])])
    add("base_color_with_three_numbers", "materials[0].base_color", materials=[dict(base_mat, base_color=[1, 0, 0])])
    add("triangle_with_two_indices", "meshes[0].triangles[0]", meshes=[dict(base_mesh, triangles=[[0, 1]])])
    add("uv_pair_with_three_numbers", "meshes[0].uv0[1]", meshes=[dict(base_mesh, uv0=[[0, 0], [1, 0, 0], [0, 1]])])
    add("string_where_a_number_belongs", "objects[0].scale[1]", objects=[o(scale=[1, "2", 1])])
    add("boolean_where_a_number_belongs", "materials[0].metallic", materials=[dict(base_mat, metallic=True)])
    add("number_where_a_boolean_belongs", "objects[0].visible", objects=[o(visible=1)])
    add("fractional_triangle_index", "meshes[0].triangles[0][2]", meshes=[dict(base_mesh, triangles=[[0, 1, 2.0]])])
    add("triangle_index_out_of_range", "meshes[0].triangles[0][1]", meshes=[dict(base_mesh, triangles=[[0, 3, 2]])])
    add("negative_triangle_index", "meshes[0].triangles[0][0]", meshes=[dict(base_mesh, triangles=[[-1, 1, 2]])])
    add("uv0_count_differs_from_positions", "meshes[0].uv0", meshes=[dict(base_mesh, uv0=[[0, 0], [1, 0]])])
    pos = f32_blob([0, 0, 0, 1, 0, 0, 0, 1, 0], 3)
    idx = u32_blob([0, 1, 2])
    rec = record(3, 3, {"POSITION": pos}, [(0, idx)])

    def r(**changes):
        d = json.loads(json.dumps(rec))
        for k, v in changes.items():
            if v is _DELETE:
                del d[k]
            else:
                d[k] = v
        return d
    add("record_unknown_field", "meshes[0].normals", meshes=[r(normals=pos)])
    add("record_missing_derived", "meshes[0].derived", meshes=[r(derived=_DELETE)])
    add("record_missing_vertex_count", "meshes[0].vertex_count", meshes=[r(vertex_count=_DELETE)])
    add("record_vertex_count_negative", "meshes[0].vertex_count", meshes=[r(vertex_count=-1)])
    add("record_vertex_count_fractional", "meshes[0].vertex_count", meshes=[r(vertex_count=3.5)])
    add("record_vertex_count_beyond_u31", "meshes[0].vertex_count", meshes=[r(vertex_count=2 ** 31)])
    add("record_attributes_not_an_object", "meshes[0].attributes", meshes=[r(attributes=[pos])])
    add("record_without_position", "meshes[0].attributes.POSITION", meshes=[r(attributes={"NORMAL": pos})])
    add("record_unknown_semantic", "meshes[0].attributes.JOINTS_1", meshes=[r(attributes={"POSITION": pos, "JOINTS_1": pos})])
    add("record_texcoord_8", "meshes[0].attributes.TEXCOORD_8", meshes=[r(attributes={"POSITION": pos, "TEXCOORD_8": pos})])
    add("record_color_1", "meshes[0].attributes.COLOR_1", meshes=[r(attributes={"POSITION": pos, "COLOR_1": pos})])
    add("record_texcoord_1_without_0", "meshes[0].attributes.TEXCOORD_1", meshes=[r(attributes={"POSITION": pos, "TEXCOORD_1": pos})])
    add("record_blob_id_uppercase", "meshes[0].attributes.POSITION", meshes=[r(attributes={"POSITION": pos.upper()})])
    add("record_blob_id_short", "meshes[0].attributes.POSITION", meshes=[r(attributes={"POSITION": pos[:63]})])
    add("record_blob_id_not_a_string", "meshes[0].primitives[0].indices", meshes=[r(primitives=[{"material": 0, "indices": 7}])])
    add("record_primitive_unknown_field", "meshes[0].primitives[0].mode", meshes=[r(primitives=[{"material": 0, "indices": idx, "mode": 4}])])
    add("record_primitive_missing_indices", "meshes[0].primitives[0].indices", meshes=[r(primitives=[{"material": 0}])])
    add("record_primitive_slot_beyond_1024", "meshes[0].primitives[0].material", meshes=[r(primitives=[{"material": 1025, "indices": idx}])])
    add("record_primitive_slot_negative", "meshes[0].primitives[0].material", meshes=[r(primitives=[{"material": -1, "indices": idx}])])
    add("record_primitives_not_ascending", "meshes[0].primitives[1].material",
        meshes=[r(primitives=[{"material": 2, "indices": idx}, {"material": 1, "indices": idx}])])
    add("record_primitives_repeat_a_slot", "meshes[0].primitives[1].material",
        meshes=[r(primitives=[{"material": 0, "indices": idx}, {"material": 0, "indices": idx}])])
    add("record_derived_not_strings", "meshes[0].derived[1]", meshes=[r(derived=["curve", 3])])
    add("record_derived_empty_string", "meshes[0].derived[0]", meshes=[r(derived=[""])])
    add("record_mixed_with_inline_fields", "meshes[0].vertex_count", meshes=[dict(base_mesh, vertex_count=3)])
    add("parent_does_not_exist", "objects[0].parent", objects=[o(parent=uid(99))])
    add("two_cycle", "objects[0].parent", objects=[o(parent=uid(4)), o(uuid=uid(4), parent=uid(1))])
    add("three_cycle_after_a_root", "objects[1].parent",
        objects=[o(uuid=uid(5)), o(parent=uid(7)), o(uuid=uid(6), parent=uid(1)), o(uuid=uid(7), parent=uid(6))])
    add("self_parent", "objects[0].parent", objects=[o(parent=uid(1))])
    add("duplicate_object_uuid", "objects[1].uuid", objects=[o(), o(name="B")])
    add("object_and_material_share_a_uuid", "materials[0].uuid", materials=[dict(base_mat, uuid=uid(1))])
    add("uppercase_uuid", "objects[0].uuid", objects=[o(uuid=uid(0xabcd).upper())])
    add("malformed_uuid", "objects[0].uuid", objects=[o(uuid="not-a-uuid")])
    add("hidden_prefix_on_a_malformed_uuid", "objects[0].uuid", objects=[o(uuid="h-1234")])
    add("unknown_kind", "objects[0].kind", objects=[o(kind="bone")])
    add("mesh_kind_without_a_mesh", "objects[0].mesh", objects=[o(kind="mesh")])
    add("empty_kind_with_a_mesh", "objects[0].mesh", objects=[o(mesh=uid(3))])
    add("camera_with_material_slots", "objects[0].materials", objects=[o(kind="camera", materials=[uid(2)])])
    add("unknown_mesh_reference", "objects[0].mesh", objects=[o(kind="mesh", mesh=uid(98))])
    add("unknown_material_reference", "objects[0].materials[1]", objects=[o(kind="mesh", mesh=uid(3), materials=[uid(2), uid(97)])])
    add("value_out_of_range", "objects[0].translation", objects=[o(translation=[2e12, 0, 0])])
    add("value_out_of_range_after_unit_scale", "objects[0].location", space="blender",
        text=json.dumps({"unit_scale": 1000.0, "objects": [{"uuid": uid(1), "name": "A", "kind": "empty", "parent": None,
                         "location": [2e9, 0, 0], "rotation_quaternion": [1, 0, 0, 0], "scale": [1, 1, 1],
                         "visible": True, "materials": [], "mesh": None}]}))
    add("mesh_position_out_of_range", "meshes[0].positions[1]", meshes=[dict(base_mesh, positions=[[0, 0, 0], [0, -3e12, 0], [0, 1, 0]])])
    add("unit_scale_zero", "unit_scale", space="blender", text="{\"unit_scale\": 0}")
    add("unit_scale_negative", "unit_scale", space="blender", text="{\"unit_scale\": -1.0}")
    add("lone_surrogate_in_a_name", "objects[0].name",
        text="{\"objects\": [" + json.dumps(base_obj).replace("\"A\"", "\"bad \\ud800 name\"") + "]}")
    # Content schema 3 (docs/protocol.md §2): ranges, enum values, references, kinds.
    png = u8_blob(PNG_1X1)
    img = image(5, blob=png)

    def m(**changes):
        return dict(base_mat, **changes)

    def with_texture(name, error_path, slot="base_color", **fields):
        add(name, error_path, materials=[m(textures={slot: dict({"image": uid(5)}, **fields)})], extra={"images": [img]})

    add("material_metallic_above_1", "materials[0].metallic", materials=[m(metallic=1.5)])
    add("material_roughness_negative", "materials[0].roughness", materials=[m(roughness=-0.1)])
    add("material_base_color_above_1", "materials[0].base_color[3]", materials=[m(base_color=[1, 0, 0, 1.01])])
    add("material_emission_negative", "materials[0].emission[1]", materials=[m(emission=[0, -1, 0])])
    add("material_emissive_strength_negative", "materials[0].emissive_strength", materials=[m(emissive_strength=-2)])
    add("material_alpha_mode_unknown", "materials[0].alpha_mode", materials=[m(alpha_mode="ADD")])
    add("material_alpha_mode_lowercase", "materials[0].alpha_mode", materials=[m(alpha_mode="blend")])
    add("material_alpha_cutoff_above_1", "materials[0].alpha_cutoff", materials=[m(alpha_cutoff=2)])
    add("material_double_sided_not_a_boolean", "materials[0].double_sided", materials=[m(double_sided=1)])
    add("material_normal_scale_out_of_hash_range", "materials[0].normal_scale", materials=[m(normal_scale=2e12)])
    add("material_occlusion_strength_negative", "materials[0].occlusion_strength", materials=[m(occlusion_strength=-0.5)])
    add("material_unsynced_empty", "materials[0].unsynced", materials=[m(unsynced="")])
    add("material_unsynced_not_a_string", "materials[0].unsynced", materials=[m(unsynced=True)])
    add("material_textures_not_an_object", "materials[0].textures", materials=[m(textures=[])])
    add("material_texture_slot_unknown", "materials[0].textures.specular", materials=[m(textures={"specular": {"image": uid(5)}})],
        extra={"images": [img]})
    add("material_texture_null_in_a_record", "materials[0].textures.normal", materials=[m(textures={"normal": None})])
    add("material_texture_without_image", "materials[0].textures.normal.image", materials=[m(textures={"normal": {"texcoord": 0}})])
    add("material_texture_unknown_field", "materials[0].textures.normal.strength", materials=[m(textures={"normal": {"image": uid(5), "strength": 1}})],
        extra={"images": [img]})
    add("material_texture_image_not_in_the_scene", "materials[0].textures.normal.image", materials=[m(textures={"normal": {"image": uid(99)}})])
    add("material_texture_image_is_a_material", "materials[0].textures.emissive.image", materials=[m(textures={"emissive": {"image": uid(2)}})])
    with_texture("material_texture_texcoord_8", "materials[0].textures.base_color.texcoord", texcoord=8)
    with_texture("material_texture_texcoord_fractional", "materials[0].textures.base_color.texcoord", texcoord=0.5)
    with_texture("material_texture_wrap_unknown", "materials[0].textures.base_color.wrap_t", wrap_t="CLAMP")
    with_texture("material_texture_mag_filter_mipmapped", "materials[0].textures.base_color.mag_filter", mag_filter="LINEAR_MIPMAP_LINEAR")
    with_texture("material_texture_min_filter_unknown", "materials[0].textures.base_color.min_filter", min_filter="CUBIC")
    with_texture("material_texture_offset_three_numbers", "materials[0].textures.base_color.offset", offset=[0, 0, 0])
    with_texture("material_texture_scale_out_of_hash_range", "materials[0].textures.base_color.scale[1]", scale=[1, -5e12])
    with_texture("material_texture_rotation_a_string", "materials[0].textures.base_color.rotation", rotation="90")
    add("image_unknown_field", "images[0].path", extra={"images": [dict(img, path="/tmp/a.png")]})
    add("image_missing_blob", "images[0].blob", extra={"images": [{k: v for k, v in img.items() if k != "blob"}]})
    add("image_mime_unknown", "images[0].mime", extra={"images": [dict(img, mime="image/webp")]})
    add("image_blob_not_a_blob_id", "images[0].blob", extra={"images": [dict(img, blob="abc")]})
    add("image_width_zero", "images[0].width", extra={"images": [dict(img, width=0)]})
    add("image_height_beyond_32768", "images[0].height", extra={"images": [dict(img, height=32769)]})
    add("image_color_space_unknown", "images[0].color_space", extra={"images": [dict(img, color_space="Non-Color")]})
    add("image_shares_a_uuid_with_a_material", "images[0].uuid", extra={"images": [dict(img, uuid=uid(2))]})
    add("image_uuid_malformed", "images[0].uuid", extra={"images": [dict(img, uuid="image-1")]})
    cam = {"type": "perspective", "yfov": 0.7, "aspect": 1.5, "znear": 0.1, "zfar": 100}
    ortho = {"type": "orthographic", "xmag": 2, "ymag": 1, "znear": 0.1, "zfar": 100}
    lamp = {"type": "spot", "color": [1, 1, 1], "intensity": 10, "range": None, "inner_cone": 0.3, "outer_cone": 0.6}

    def c(**changes):
        return [o(kind="camera", camera=dict(cam, **changes))]

    def lt(**changes):
        return [o(kind="light", light=dict(lamp, **changes))]
    add("camera_on_an_empty", "objects[0].camera", objects=[o(camera=cam)])
    add("light_on_a_camera", "objects[0].light", objects=[o(kind="camera", light=dict(lamp))])
    add("camera_not_an_object", "objects[0].camera", objects=[o(kind="camera", camera=[0.7])])
    add("camera_type_missing", "objects[0].camera.type", objects=[o(kind="camera", camera={"yfov": 0.7})])
    add("camera_type_unknown", "objects[0].camera.type", objects=c(type="fisheye"))
    add("camera_perspective_with_xmag", "objects[0].camera.xmag", objects=c(xmag=2))
    add("camera_orthographic_with_yfov", "objects[0].camera.yfov", objects=[o(kind="camera", camera=dict(ortho, yfov=0.7))])
    add("camera_perspective_without_aspect", "objects[0].camera.aspect", objects=[o(kind="camera", camera={k: v for k, v in cam.items() if k != "aspect"})])
    add("camera_yfov_zero", "objects[0].camera.yfov", objects=c(yfov=0))
    add("camera_yfov_pi", "objects[0].camera.yfov", objects=c(yfov=math.pi))
    add("camera_aspect_negative", "objects[0].camera.aspect", objects=c(aspect=-1.5))
    add("camera_znear_zero", "objects[0].camera.znear", objects=c(znear=0))
    add("camera_zfar_equal_to_znear", "objects[0].camera.zfar", objects=c(znear=5, zfar=5))
    add("camera_zfar_null_infinite_is_not_accepted", "objects[0].camera.zfar", objects=c(zfar=None))
    add("camera_xmag_zero", "objects[0].camera.xmag", objects=[o(kind="camera", camera=dict(ortho, xmag=0))])
    add("camera_ymag_negative", "objects[0].camera.ymag", objects=[o(kind="camera", camera=dict(ortho, ymag=-1))])
    add("light_type_area", "objects[0].light.type", objects=lt(type="area"))
    add("light_spot_without_cones", "objects[0].light.inner_cone", objects=[o(kind="light", light={k: v for k, v in lamp.items() if k != "inner_cone"})])
    add("light_color_above_1", "objects[0].light.color[0]", objects=lt(color=[1.5, 1, 1]))
    add("light_intensity_negative", "objects[0].light.intensity", objects=lt(intensity=-1))
    add("light_range_zero", "objects[0].light.range", objects=lt(range=0))
    add("light_outer_cone_beyond_half_pi", "objects[0].light.outer_cone", objects=lt(outer_cone=1.6))
    add("light_outer_cone_zero", "objects[0].light.outer_cone", objects=lt(outer_cone=0, inner_cone=0))
    add("light_inner_cone_equal_to_outer", "objects[0].light.inner_cone", objects=lt(inner_cone=0.6))
    add("light_inner_cone_negative", "objects[0].light.inner_cone", objects=lt(inner_cone=-0.1))
    add("light_point_with_a_cone", "objects[0].light.outer_cone", objects=lt(type="point", inner_cone=0, outer_cone=0.5))
    add("light_unknown_field", "objects[0].light.shadows", objects=lt(shadows=True))
    # Content schema 4: joints, skins, JOINTS_0/WEIGHTS_0, morph targets, animations.
    rigged = rig_scene()

    def rig(name, error_path, change):
        doc = json.loads(json.dumps(rigged))
        change(doc)
        add(name, error_path, text=json.dumps(doc))

    def set_in(path, value):
        def change(doc):
            at = doc
            for key in path[:-1]:
                at = at[key]
            if value is _DELETE:
                del at[path[-1]]
            else:
                at[path[-1]] = value
        return change
    rig("joint_without_a_parent", "objects[1].parent", set_in(["objects", 1, "parent"], None))
    rig("joint_parented_to_an_empty", "objects[1].parent", lambda d: (d["objects"][0].update(kind="empty")))
    rig("joint_parented_to_a_mesh", "objects[2].parent", set_in(["objects", 2, "parent"], uid(84)))
    rig("joints_in_a_cycle", "objects[1].parent", set_in(["objects", 1, "parent"], uid(82)))
    rig("joint_with_a_mesh", "objects[1].mesh", set_in(["objects", 1, "mesh"], uid(85)))
    rig("skin_on_an_empty", "objects[3].skin", set_in(["objects", 3, "skin"], uid(86)))
    rig("skin_on_a_joint", "objects[2].skin", set_in(["objects", 2, "skin"], uid(86)))
    rig("skin_not_in_the_scene", "objects[4].skin", set_in(["objects", 4, "skin"], uid(99)))
    rig("skin_malformed_uuid", "objects[4].skin", set_in(["objects", 4, "skin"], "skin-1"))
    rig("skinned_mesh_without_joints_and_weights", "objects[4].skin",
        lambda d: [d["meshes"][0]["attributes"].pop(k) for k in ("JOINTS_0", "WEIGHTS_0")])
    rig("joints_without_weights", "meshes[0].attributes.WEIGHTS_0", lambda d: d["meshes"][0]["attributes"].pop("WEIGHTS_0"))
    rig("weights_without_joints", "meshes[0].attributes.JOINTS_0", lambda d: d["meshes"][0]["attributes"].pop("JOINTS_0"))
    rig("skin_without_joints", "skins[0].joints", set_in(["skins", 0, "joints"], []))
    rig("skin_joint_named_twice", "skins[0].joints[1]", set_in(["skins", 0, "joints"], [uid(81), uid(81)]))
    rig("skin_joint_not_in_the_scene", "skins[0].joints[1]", set_in(["skins", 0, "joints"], [uid(81), uid(99)]))
    rig("skin_joint_is_not_a_joint", "skins[0].joints[0]", set_in(["skins", 0, "joints"], [uid(83), uid(82)]))
    rig("skin_ibm_not_a_blob_id", "skins[0].inverse_bind_matrices", set_in(["skins", 0, "inverse_bind_matrices"], "ibm"))
    rig("skin_missing_ibm", "skins[0].inverse_bind_matrices", set_in(["skins", 0, "inverse_bind_matrices"], _DELETE))
    rig("skin_unknown_field", "skins[0].bind_shape", set_in(["skins", 0, "bind_shape"], []))
    rig("skin_skeleton_not_in_the_scene", "skins[0].skeleton", set_in(["skins", 0, "skeleton"], uid(99)))
    rig("skin_skeleton_is_a_mesh", "skins[0].skeleton", set_in(["skins", 0, "skeleton"], uid(84)))
    rig("skin_skeleton_not_an_ancestor_of_every_joint", "skins[0].skeleton", set_in(["skins", 0, "skeleton"], uid(82)))
    rig("skin_shares_a_uuid_with_an_object", "skins[0].uuid", set_in(["skins", 0, "uuid"], uid(80)))
    rig("target_without_position", "meshes[0].targets[1].POSITION", lambda d: d["meshes"][0]["targets"][1].pop("POSITION"))
    rig("target_name_empty", "meshes[0].targets[0].name", set_in(["meshes", 0, "targets", 0, "name"], ""))
    rig("target_name_used_twice", "meshes[0].targets[1].name", set_in(["meshes", 0, "targets", 1, "name"], "Smile"))
    rig("target_unknown_field", "meshes[0].targets[0].TANGENT", set_in(["meshes", 0, "targets", 0, "TANGENT"], pos))
    rig("weights_one_too_few", "meshes[0].weights", set_in(["meshes", 0, "weights"], [0.5]))
    rig("weights_left_out_with_targets", "meshes[0].weights", set_in(["meshes", 0, "weights"], _DELETE))
    rig("weight_above_1", "meshes[0].weights[1]", set_in(["meshes", 0, "weights"], [0.5, 1.5]))
    rig("weight_negative", "meshes[0].weights[0]", set_in(["meshes", 0, "weights"], [-0.25, 0]))
    rig("channels_out_of_order", "animations[0].channels[1]",
        lambda d: d["animations"][0].update(channels=[d["animations"][0]["channels"][i] for i in (1, 0, 2, 3)]))
    rig("two_channels_for_one_target_and_path", "animations[0].channels[2]",
        lambda d: d["animations"][0]["channels"][2].update(path="translation"))
    rig("channel_target_not_in_the_scene", "animations[0].channels[3].target", set_in(["animations", 0, "channels", 3, "target"], uid(99)))
    rig("channel_path_unknown", "animations[0].channels[0].path", set_in(["animations", 0, "channels", 0, "path"], "location"))
    rig("channel_interpolation_unknown", "animations[0].channels[0].interpolation",
        set_in(["animations", 0, "channels", 0, "interpolation"], "BEZIER"))
    rig("channel_interpolation_lowercase", "animations[0].channels[0].interpolation",
        set_in(["animations", 0, "channels", 0, "interpolation"], "linear"))
    rig("channel_times_not_a_blob_id", "animations[0].channels[1].times", set_in(["animations", 0, "channels", 1, "times"], 0.5))
    rig("channel_missing_values", "animations[0].channels[0].values", set_in(["animations", 0, "channels", 0, "values"], _DELETE))
    rig("channel_sampled_not_a_boolean", "animations[0].channels[0].sampled", set_in(["animations", 0, "channels", 0, "sampled"], 0))
    rig("channel_weights_on_a_joint", "animations[0].channels[3].path",
        set_in(["animations", 0, "channels", 3, "target"], uid(83)))
    rig("channel_weights_on_a_mesh_without_targets", "animations[0].channels[3].path",
        lambda d: d["meshes"][0].update(targets=[], weights=[]))
    rig("animation_unknown_field", "animations[0].fps", set_in(["animations", 0, "fps"], 24))
    rig("animation_channels_missing", "animations[0].channels", set_in(["animations", 0, "channels"], _DELETE))
    rig("animation_frame_rate_missing", "animations[0].frame_rate", set_in(["animations", 0, "frame_rate"], _DELETE))
    rig("animation_frame_rate_zero", "animations[0].frame_rate", set_in(["animations", 0, "frame_rate"], 0))
    rig("animation_frame_rate_above_1000", "animations[0].frame_rate", set_in(["animations", 0, "frame_rate"], 1200))
    add("blender_field_names_in_unity_space", "objects[0].location", space="unity",
        text=json.dumps({"objects": [{"uuid": uid(1), "name": "A", "kind": "empty", "parent": None, "location": [0, 0, 0],
                                      "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": True,
                                      "materials": [], "mesh": None}]}))
    return cases


class _Delete:
    pass


_DELETE = _Delete()


# ---- conversion vectors ------------------------------------------------------------------------

def convert_cases():
    cases = []

    def add(name, src, dst, doc, unit_scale=1.0):
        c = canonical_of(doc)
        scene_in = write_space(c, src, unit_scale) if src != "canonical" else write_space(c, "canonical")
        native = read_canonical(json.dumps(scene_in), src)
        expected = write_space(native, dst, unit_scale)
        cases.append({"name": name, "from": src, "to": dst, "scene": scene_in, "expected": expected})

    one = lambda **kw: scene([obj(1, **kw)])  # noqa: E731
    add("position_blender_to_unity", "blender", "unity", one(t=(1.0, 2.0, 3.0)))
    add("position_unity_to_blender", "unity", "blender", one(t=(-4.5, 0.25, 8.0)))
    add("position_canonical_to_blender", "canonical", "blender", one(t=(1.0, 2.0, 3.0)))
    add("position_canonical_to_unity", "canonical", "unity", one(t=(1.0, 2.0, 3.0)))
    add("rotation_blender_to_unity", "blender", "unity", one(r=(0.1, 0.2, 0.3, math.sqrt(0.86))))
    add("rotation_unity_to_canonical", "unity", "canonical", one(r=(0.5, -0.5, 0.5, 0.5)))
    add("rotation_canonical_to_blender", "canonical", "blender", one(r=(0.0, 0.7071067811865476, 0.0, 0.7071067811865476)))
    add("scale_blender_to_unity", "blender", "unity", one(s=(1.0, 2.0, 3.0)))
    add("scale_canonical_to_blender", "canonical", "blender", one(s=(0.5, 4.0, 1.5)))
    add("unit_scale_centimetres_canonical_to_blender", "canonical", "blender", one(t=(1.0, 2.0, 3.0)), unit_scale=0.01)
    add("unit_scale_two_blender_to_canonical", "blender", "canonical", one(t=(1.0, 2.0, 3.0)), unit_scale=2.0)
    add("camera_canonical_to_blender", "canonical", "blender", one(kind="camera", r=(0.0, 0.0, 0.0, 1.0)))
    add("camera_blender_to_unity", "blender", "unity", one(kind="camera", t=(7.0, 5.0, -6.0), r=unit_quat(random.Random(1))))
    add("camera_canonical_to_unity", "canonical", "unity", one(kind="camera", r=unit_quat(random.Random(2))))
    add("light_unity_to_blender", "unity", "blender", one(kind="light", r=unit_quat(random.Random(3))))
    rig = scene([obj(1, kind="camera", t=(1.0, 2.0, 3.0), r=unit_quat(random.Random(4))),
                 obj(2, parent=uid(1), t=(0.5, -1.0, 2.0), r=unit_quat(random.Random(5)), s=(1.0, 2.0, 3.0)),
                 obj(3, kind="light", parent=uid(1), t=(0.0, 0.0, -1.0), r=unit_quat(random.Random(6)))])
    add("child_of_camera_canonical_to_blender", "canonical", "blender", rig)
    add("child_of_camera_canonical_to_unity", "canonical", "unity", rig)
    add("child_of_camera_blender_to_unity", "blender", "unity", rig)
    tri = scene([obj(1, kind="mesh", mesh=uid(9))],
                meshes=[mesh(9, [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 2.0)], [(0, 1, 2)], uv0=[(0, 0), (1, 0), (0, 1)])])
    add("mesh_canonical_to_unity_flips_winding", "canonical", "unity", tri)
    add("mesh_unity_to_blender", "unity", "blender", tri)
    add("mesh_blender_to_canonical_with_unit_scale", "blender", "canonical", tri, unit_scale=0.5)
    add("round_trip_blender_to_blender", "blender", "blender", random_scene(random.Random(7), 8, cameras=False))
    add("round_trip_unity_to_unity", "unity", "unity", random_scene(random.Random(8), 8))
    add("random_scene_blender_to_unity", "blender", "unity", random_scene(random.Random(9), 10))

    stored = []
    for i, (engine, unit) in enumerate([("blender", 1.0), ("unity", 1.0), ("blender", 0.01)]):
        s = random_scene(random.Random(100 + i), 6)
        c = canonical_of(s)
        stored.append({"name": f"stored_as_{engine}_unit_{unit}", "stored_as": engine, "unit_scale": unit,
                       "scene": write_space(c, "canonical"),
                       "expected": write_space(convert.stored_as(c, engine, unit), "canonical")})
    stored.append({"name": "stored_as_unity_a_tenth", "stored_as": "unity", "unit_scale": 1.0,
                   "scene": one(t=(0.1, 0.2, 0.3)), "expected": write_space(convert.stored_as(canonical_of(one(t=(0.1, 0.2, 0.3))), "unity"), "canonical")})
    return cases, stored


def mesh_blob_cases():
    """Blob contents converted between spaces (docs/protocol.md §7.3): float32 in, float32 out, exact."""
    cases = []
    pos = [1.0, 2.0, 3.0, -0.5, 0.25, 8.0, 0.1, -0.2, 0.3]
    normals = [0.0, 0.0, 1.0, 0.6, -0.8, 0.0, 0.0, 1.0, 0.0]
    tangents = [1.0, 0.0, 0.0, 1.0, 0.0, 0.6, 0.8, -1.0]
    uv = [0.0, 0.0, 1.0, 0.5, 0.25, 1.0]
    color = [1.0, 0.5, 0.25, 1.0]
    for semantic, values in (("POSITION", pos), ("NORMAL", normals), ("TANGENT", tangents), ("TEXCOORD_0", uv), ("COLOR_0", color)):
        for src, dst, unit in (("blender", "canonical", 1.0), ("canonical", "blender", 1.0), ("canonical", "unity", 1.0),
                               ("unity", "canonical", 1.0), ("blender", "unity", 1.0), ("unity", "blender", 1.0),
                               ("blender", "canonical", 0.01), ("canonical", "blender", 0.01), ("unity", "blender", 2.5)):
            if unit != 1.0 and semantic != "POSITION":
                continue
            given = list(mesh_attribute("COLOR_0", values, "canonical", "canonical"))  # as float32
            cases.append({"name": f"{semantic.lower()}_{src}_to_{dst}" + (f"_unit_{unit}" if unit != 1.0 else ""),
                          "semantic": semantic, "from": src, "to": dst, "unit_scale": unit, "values": given,
                          "expected": list(mesh_attribute(semantic, given, src, dst, unit))})
    for src, dst in (("canonical", "unity"), ("unity", "canonical"), ("blender", "unity"), ("blender", "canonical")):
        cases.append({"name": f"indices_{src}_to_{dst}", "semantic": "indices", "from": src, "to": dst, "unit_scale": 1.0,
                      "values": [0, 1, 2, 2, 3, 0], "expected": list(mesh_indices([0, 1, 2, 2, 3, 0], src, dst))})
    return cases


# ---- crypto and frames ---------------------------------------------------------------------------

def crypto_vectors():
    rfc5869 = [
        {"name": "rfc5869_case_1", "ikm": "0b" * 22, "salt": "000102030405060708090a0b0c", "info": "f0f1f2f3f4f5f6f7f8f9",
         "length": 42, "prk": "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
         "okm": "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
        {"name": "rfc5869_case_2", "ikm": bytes(range(0x00, 0x50)).hex(), "salt": bytes(range(0x60, 0xb0)).hex(),
         "info": bytes(range(0xb0, 0x100)).hex(), "length": 82,
         "prk": "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
         "okm": "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
                "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
        {"name": "rfc5869_case_3", "ikm": "0b" * 22, "salt": "", "info": "", "length": 42,
         "prk": "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
         "okm": "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
    ]
    for c in rfc5869:
        prk = hkdf_extract(bytes.fromhex(c["salt"]), bytes.fromhex(c["ikm"]))
        assert prk.hex() == c["prk"], c["name"]
        assert hkdf_expand(prk, bytes.fromhex(c["info"]), c["length"]).hex() == c["okm"], c["name"]
    rfc4231 = [
        {"name": "rfc4231_case_1", "key": "0b" * 20, "data": b"Hi There".hex(),
         "mac": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"name": "rfc4231_case_2", "key": b"Jefe".hex(), "data": b"what do ya want for nothing?".hex(),
         "mac": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"name": "rfc4231_case_6", "key": "aa" * 131, "data": b"Test Using Larger Than Block-Size Key - Hash Key First".hex(),
         "mac": "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    ]
    for c in rfc4231:
        assert hmac_sha256(bytes.fromhex(c["key"]), bytes.fromhex(c["data"])).hex() == c["mac"], c["name"]
    equals = [
        {"a": "", "b": "", "equal": True},
        {"a": "00ff", "b": "00ff", "equal": True},
        {"a": "00ff", "b": "00fe", "equal": False},
        {"a": "80" + "00" * 31, "b": "00" * 32, "equal": False},
        {"a": "00" * 31 + "01", "b": "00" * 32, "equal": False},
        {"a": "0102", "b": "010203", "equal": False},
    ]
    return {"hkdf": rfc5869, "hmac": rfc4231, "constant_time_equals": equals}


def frame_vectors():
    key = bytes(range(32)).hex()
    other = bytes(range(1, 33)).hex()
    valid = []
    for name, typ, seq, t, payload in [("ping", 3, 1, 1_795_000_000_000, "{\"op\":\"ping\"}"),
                                       ("empty_payload", 1, 0, 0, ""),
                                       ("non_ascii_payload", 4, 42, 1_795_000_000_123, "{\"name\":\"W\u00fcrfel \U0001f3b2\"}"),
                                       ("largest_sequence", 2, 2 ** 64 - 1, 1, "{}"),
                                       ("negative_time", 5, 7, -1, "{\"t\":-1}"),
                                       ("type_255", 255, 12345678901234, 1_795_000_000_000, "[1,2,3]")]:
        frame = encode_frame(bytes.fromhex(key), typ, seq, t, payload.encode("utf-8"))
        valid.append({"name": name, "key": key, "type": typ, "seq": seq, "time_ms": t, "payload": payload, "frame": frame.hex()})

    good = bytes.fromhex(valid[0]["frame"])
    k = bytes.fromhex(key)

    def remac(b):
        b = bytearray(b)
        b[-32:] = hmac_sha256(k, bytes(b[:-32]))
        return bytes(b)

    def flip(b, at):
        b = bytearray(b)
        b[at] ^= 0x01
        return bytes(b)

    invalid = [
        {"name": "length_below_minimum", "frame": (51).to_bytes(4, "little").hex() + "00" * 51, "code": "FRAME_TOO_SHORT"},
        {"name": "length_above_limit", "frame": (1025).to_bytes(4, "little").hex(), "max_frame": 1024, "code": "FRAME_TOO_LARGE"},
        {"name": "huge_length_prefix", "frame": "ffffffff", "code": "FRAME_TOO_LARGE"},
        {"name": "truncated_body", "frame": good[:-1].hex(), "code": "FRAME_TRUNCATED"},
        {"name": "truncated_length", "frame": good[:3].hex(), "code": "FRAME_TRUNCATED"},
        {"name": "flipped_payload_byte", "frame": flip(good, 30).hex(), "code": "FRAME_BAD_MAC"},
        {"name": "flipped_mac_byte", "frame": flip(good, len(good) - 1).hex(), "code": "FRAME_BAD_MAC"},
        {"name": "flipped_sequence_byte", "frame": flip(good, 8).hex(), "code": "FRAME_BAD_MAC"},
        {"name": "wrong_key", "frame": encode_frame(bytes.fromhex(other), 3, 1, 1, b"{}").hex(), "code": "FRAME_BAD_MAC"},
        {"name": "authentic_but_version_2", "frame": remac(good[:4] + b"\x02" + good[5:]).hex(), "code": "FRAME_BAD_VERSION"},
        {"name": "authentic_but_flags_set", "frame": remac(good[:6] + b"\x01\x00" + good[8:]).hex(), "code": "FRAME_BAD_FLAGS"},
    ]
    for c in invalid:
        c["key"] = key
        c.setdefault("max_frame", 16 * 1024 * 1024)
    return {"valid": valid, "invalid": invalid}


def link_vectors():
    """Session keys, handshake payloads and version checks of the link (docs/protocol.md §11)."""
    from vibesync_blender.link.session import derive_session_keys, hello_json, version_incompatibility
    r = random.Random(11)
    keys = []
    for i, (engine, epoch) in enumerate([("blender", 0), ("unity", 0), ("blender", 1), ("unity", 7), ("blender", 123456)]):
        bootstrap = bytes(r.randrange(256) for _ in range(32)) if i else bytes(32)
        cn, sn = bytes(r.randrange(256) for _ in range(32)), bytes(r.randrange(256) for _ in range(32))
        sid = "".join(r.choice("0123456789abcdef") for _ in range(32))
        c2s, s2c = derive_session_keys(bootstrap, cn, sn, engine, sid, epoch)
        keys.append({"bootstrap_key": bootstrap.hex(), "client_nonce": cn.hex(), "server_nonce": sn.hex(), "engine": engine,
                     "session_id": sid, "epoch": epoch, "client_to_server": c2s.hex(), "server_to_client": s2c.hex()})
    hellos = [{"engine": "blender", "protocol": "1.1", "adapter": "vibesync-blender/0.1 ✓", "project_id": "my \"game\"",
               "schema": 1, "client_nonce": bytes(range(32)).hex(), "generation": 42, "file": "/home/ana/Levels/forest ✓.blend"},
              {"engine": "unity", "protocol": "1.1", "adapter": "vibesync-dotnet/1.1", "project_id": "",
               "schema": 2, "client_nonce": bytes(range(32, 64)).hex(), "generation": 1, "file": ""}]
    for h in hellos:
        h["json"] = hello_json(h["engine"], h["protocol"], h["adapter"], h["project_id"], h["schema"],
                               bytes.fromhex(h["client_nonce"]), h["generation"], h["file"])
    # WELCOME as the orchestrator writes it (docs/protocol.md §11.1); the adapters read it.
    welcomes = [{"session_id": "0123456789abcdef0123456789abcdef", "server_nonce": bytes(range(64, 96)).hex(), "protocol": "1.1",
                 "heartbeat_ms": 5000, "heartbeat_timeout_ms": 10000, "project_id": "5f0c3b1e-8a4d-4c2e-9b7a-0d1e2f3a4b5c", "schema": 1,
                 "limits": {"frame_bytes": 16777216, "mesh_vertices": 1000000, "blob_bytes": 268435456, "chunk_bytes": 1048576}},
                # A project whose config.json turns tangents on: the one optional field, written only then.
                {"session_id": "fedcba9876543210fedcba9876543210", "server_nonce": bytes(range(96, 128)).hex(), "protocol": "1.1",
                 "heartbeat_ms": 5000, "heartbeat_timeout_ms": 10000, "project_id": "5f0c3b1e-8a4d-4c2e-9b7a-0d1e2f3a4b5c", "schema": 2,
                 "limits": {"frame_bytes": 16777216, "mesh_vertices": 2000000, "blob_bytes": 268435456, "chunk_bytes": 1048576}, "tangents": True}]
    for w in welcomes:
        w["json"] = (f'{{"session_id": "{w["session_id"]}", "server_nonce": "{w["server_nonce"]}", "protocol": "{w["protocol"]}", '
                     f'"heartbeat_ms": {w["heartbeat_ms"]}, "heartbeat_timeout_ms": {w["heartbeat_timeout_ms"]}, '
                     f'"project_id": "{w["project_id"]}", "schema": {w["schema"]}, '
                     f'"limits": {{"frame_bytes": {w["limits"]["frame_bytes"]}, "mesh_vertices": {w["limits"]["mesh_vertices"]}, '
                     f'"blob_bytes": {w["limits"]["blob_bytes"]}, "chunk_bytes": {w["limits"]["chunk_bytes"]}}}'
                     + (', "tangents": true}' if w.get("tangents") else '}'))
    versions = [{"ours": o, "peer": p, "compatible": version_incompatibility(o, p) is None}
                for o, p in [("1.0", "1.0"), ("1.0", "1.1"), ("1.1", "1.0"), ("1.0", "1.2"), ("1.3", "1.1"), ("1.0", "2.0"), ("1.0", "x"), ("1.0", "1.0.1")]]
    return {"session_keys": keys, "hellos": hellos, "welcomes": welcomes, "versions": versions}


_POS = float_blob([0, 0, 0, 1, 0, 0, 0, 1, 0], 3)[0]
_UV = float_blob([0, 0, 1, 0, 0, 1], 2)[0]
_IDX = index_blob([0, 1, 2])[0]


_PNG = u8_blob(PNG_1X1)
_JPEG = u8_blob(JPEG_2X1)


def operation_vectors():
    """Operations as the orchestrator sends them in APPLY (docs/intents.md): valid ones both readers
    take, and invalid ones both refuse naming the same path."""
    a, b, c = uid(1), uid(2), uid(3)
    t = {"translation": [1, 2, 3], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}
    valid = [
        {"op": "set_transform", "uuid": a, "translation": [1.5, -2, 3]},
        {"op": "set_transform", "uuid": a, "rotation": [0, 0.7071067811865476, 0, 0.7071067811865476], "scale": [2, 2, 2]},
        {"op": "set_visibility", "uuid": a, "visible": False},
        {"op": "set_material_params", "uuid": b, "base_color": [1, 0, 0, 1], "metallic": 0.5, "roughness": 0.25, "emission": [0, 0, 0]},
        {"op": "assign_material", "uuid": a, "slot": 0, "material": b},
        {"op": "assign_material", "uuid": a, "slot": 1, "material": None},
        {"op": "set_parent", "uuid": a, "parent": None},
        dict({"op": "create_object", "uuid": c, "name": "New", "kind": "mesh", "parent": a, "visible": True, "mesh": uid(4), "materials": [b, None]}, **t),
        dict({"op": "create_object", "uuid": "h-" + c, "name": "Hidden", "kind": "empty", "parent": None}, **t),
        dict({"op": "instantiate_prefab", "uuid": c, "prefab": "props/crate_01", "name": "Crate", "parent": None}, **t),
        {"op": "duplicate_object", "uuid": a, "new_uuid": c, "name": "Copy"},
        {"op": "delete_object", "uuid": a, "children": "reparent"},
        {"op": "replace_mesh", "uuid": uid(4), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]], "uv0": [[0, 0], [1, 0], [0, 1]]},
        {"op": "replace_asset", "uuid": a, "asset": "props/crate_02"},
        {"op": "rename", "uuid": a, "name": "Renamed ✓"},
        {"op": "create_material", "uuid": uid(5), "name": "Teal", "base_color": [0, 0.5, 0.5, 1], "metallic": 0.1, "roughness": 0.7, "emission": [0, 0, 0.25]},
        {"op": "create_mesh", "uuid": uid(6), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]]},
        {"op": "create_mesh", "uuid": uid(6), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]], "uv0": [[0, 0], [1, 0], [0, 1]]},
        # The one range of every number, at its edges (docs/intents.md "Numbers").
        {"op": "create_mesh", "uuid": uid(6), "positions": [[1e12, -1e12, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]],
         "uv0": [[1e12, -1e12], [1, 0], [0, 1]]},
        {"op": "set_material_params", "uuid": b, "normal_scale": -1e12, "textures": {"normal": {"image": uid(7), "offset": [1e12, -1e12],
                                                                                                 "rotation": -1e12, "scale": [1e12, 1e12]}}},
        # Content schema 3: materials with every field, images, cameras, lights (docs/intents.md).
        {"op": "set_material_params", "uuid": b, "emissive_strength": 5, "alpha_mode": "MASK", "alpha_cutoff": 0.3, "double_sided": True,
         "occlusion_strength": 0.5, "textures": {"base_color": {"image": uid(7)}, "emissive": None,
                                                 "metallic_roughness": {"image": uid(8), "texcoord": 1, "wrap_s": "CLAMP_TO_EDGE", "wrap_t": "MIRRORED_REPEAT",
                                                                        "mag_filter": "NEAREST", "min_filter": "NEAREST_MIPMAP_NEAREST",
                                                                        "offset": [0.5, 0], "rotation": 0.25, "scale": [2, 2]}}},
        {"op": "set_material_params", "uuid": b, "base_color": [0, 0, 0, 0], "metallic": 1, "roughness": 0, "alpha_mode": "BLEND"},
        {"op": "set_material_params", "uuid": b, "unsynced": "no Principled BSDF output"},
        {"op": "set_material_params", "uuid": b, "unsynced": None},
        {"op": "create_material", "uuid": uid(5), "name": "Brick", "base_color": [1, 1, 1, 1], "metallic": 0, "roughness": 1, "emission": [0, 0, 0],
         "emissive_strength": 1, "alpha_mode": "OPAQUE", "alpha_cutoff": 0.5, "double_sided": False, "normal_scale": 1, "occlusion_strength": 1,
         "textures": {"normal": {"image": uid(7)}}, "unsynced": None},
        {"op": "create_image", "uuid": uid(7), "name": "brick_albedo.png", "mime": "image/png", "blob": _PNG, "width": 1, "height": 1, "color_space": "srgb"},
        {"op": "create_image", "uuid": uid(8), "name": "orm.jpg", "mime": "image/jpeg", "blob": _JPEG, "width": 2, "height": 1, "color_space": "linear"},
        {"op": "replace_image", "uuid": uid(7), "blob": _JPEG, "mime": "image/jpeg", "width": 2, "height": 1},
        {"op": "replace_image", "uuid": uid(7), "blob": _PNG, "mime": "image/png", "width": 32768, "height": 1, "color_space": "linear"},
        {"op": "set_camera", "uuid": c, "yfov": 0.6911},
        {"op": "set_camera", "uuid": c, "type": "orthographic", "xmag": 3.6, "ymag": 2.025, "znear": 0.1, "zfar": 100},
        {"op": "set_camera", "uuid": c, "type": "perspective", "yfov": 3.14, "aspect": 1e12, "znear": 1e-6, "zfar": 1e12},
        {"op": "set_light", "uuid": c, "intensity": 0},
        {"op": "set_light", "uuid": c, "type": "spot", "color": [1, 0.5, 0], "intensity": 543.5, "range": None, "inner_cone": 0, "outer_cone": 1.5707963267948966},
        {"op": "set_light", "uuid": c, "type": "directional", "range": 25.5},
        dict({"op": "create_object", "uuid": c, "name": "Cam", "kind": "camera", "parent": None,
              "camera": {"type": "perspective", "yfov": 0.7, "aspect": 1.5, "znear": 0.1, "zfar": 100}}, **t),
        dict({"op": "create_object", "uuid": c, "name": "Lamp", "kind": "light", "parent": None,
              "light": {"type": "spot", "color": [1, 1, 1], "intensity": 10, "range": None, "inner_cone": 0.2, "outer_cone": 0.4}}, **t),
        # The record form (content schema 2): blob references; derived optional in an operation.
        {"op": "create_mesh", "uuid": uid(6), "vertex_count": 3, "attributes": {"POSITION": _POS, "TEXCOORD_0": _UV},
         "primitives": [{"material": 0, "indices": _IDX}]},
        {"op": "replace_mesh", "uuid": uid(4), "vertex_count": 3, "attributes": {"POSITION": _POS},
         "primitives": [{"material": 1, "indices": _IDX}, {"material": 3, "indices": _IDX}], "derived": []},
        {"op": "assign_material", "uuid": a, "slot": 1024, "material": b},
        {"op": "set_mesh", "uuid": a, "mesh": uid(4)},
        {"op": "set_mesh", "uuid": "h-" + a, "mesh": "h-" + uid(4)},
        # Content schema 4: armatures, joints, skins, morph weights, animations (docs/intents.md).
        dict({"op": "create_object", "uuid": uid(80), "name": "Armature", "kind": "armature", "parent": None}, **t),
        dict({"op": "create_object", "uuid": uid(81), "name": "Bone", "kind": "joint", "parent": uid(80)}, **t),
        dict({"op": "create_object", "uuid": uid(84), "name": "Body", "kind": "mesh", "parent": None, "mesh": uid(85), "skin": uid(86)}, **t),
        {"op": "set_skin", "uuid": uid(84), "skin": uid(86)},
        {"op": "set_skin", "uuid": uid(84), "skin": None},
        {"op": "create_skin", "uuid": uid(86), "name": "Armature", "joints": [uid(81), uid(82)], "inverse_bind_matrices": _POS, "skeleton": uid(80)},
        {"op": "create_skin", "uuid": uid(86), "name": "Armature", "joints": [uid(81)], "inverse_bind_matrices": _POS},
        {"op": "update_skin", "uuid": uid(86), "joints": [uid(82), uid(81)]},
        {"op": "update_skin", "uuid": uid(86), "inverse_bind_matrices": _POS, "skeleton": None},
        {"op": "delete_skin", "uuid": uid(86)},
        {"op": "set_morph_weights", "uuid": uid(85), "weights": [0, 0.25, 1]},
        {"op": "set_morph_weights", "uuid": uid(85), "weights": []},
        {"op": "create_animation", "uuid": uid(87), "name": "Wave", "frame_rate": 24, "channels": [
            {"target": uid(81), "path": "rotation", "interpolation": "LINEAR", "times": _POS, "values": _UV, "sampled": False},
            {"target": uid(84), "path": "weights", "interpolation": "CUBICSPLINE", "times": _POS, "values": _UV}]},
        {"op": "create_animation", "uuid": uid(87), "name": "Empty", "frame_rate": 30, "channels": []},
        {"op": "set_animation_channel", "uuid": uid(87), "target": uid(81), "path": "translation", "interpolation": "STEP", "times": _POS,
         "values": _UV, "sampled": True},
        {"op": "set_animation_channel", "uuid": uid(87), "target": uid(81), "path": "scale", "remove": True},
        {"op": "delete_animation", "uuid": uid(87)},
        {"op": "create_mesh", "uuid": uid(85), "vertex_count": 3, "attributes": {"POSITION": _POS, "JOINTS_0": _IDX, "WEIGHTS_0": _UV},
         "primitives": [], "targets": [{"name": "Smile", "POSITION": _POS, "NORMAL": _POS}], "weights": [0.5]},
    ]
    invalid = [
        ("unknown_operation", {"op": "exec", "uuid": a}, "operations[0].op"),
        ("unknown_field", {"op": "rename", "uuid": a, "name": "x", "code": "1"}, "operations[0].code"),
        ("missing_field", {"op": "set_visibility", "uuid": a}, "operations[0].visible"),
        ("bad_uuid", {"op": "set_visibility", "uuid": "CUBE", "visible": True}, "operations[0].uuid"),
        ("beyond_1e12", {"op": "set_transform", "uuid": a, "translation": [0, 1e13, 0]}, "operations[0].translation"),
        ("short_vector", {"op": "set_transform", "uuid": a, "scale": [1, 1]}, "operations[0].scale"),
        ("not_a_unit_quaternion", {"op": "set_transform", "uuid": a, "rotation": [0, 0, 0, 2]}, "operations[0].rotation"),
        ("asset_path_escape", {"op": "replace_asset", "uuid": a, "asset": "../secrets"}, "operations[0].asset"),
        ("triangle_index_out_of_range", {"op": "replace_mesh", "uuid": uid(4), "positions": [[0, 0, 0]], "triangles": [[0, 0, 1]]}, "operations[0].triangles[0][2]"),
        ("unknown_kind", dict({"op": "create_object", "uuid": c, "name": "x", "kind": "bone", "parent": None}, **t), "operations[0].kind"),
        ("bad_children_policy", {"op": "delete_object", "uuid": a, "children": "orphan"}, "operations[0].children"),
        ("visible_not_boolean", {"op": "set_visibility", "uuid": a, "visible": 1}, "operations[0].visible"),
        ("create_material_without_roughness", {"op": "create_material", "uuid": uid(5), "name": "x", "base_color": [1, 1, 1, 1], "metallic": 0, "emission": [0, 0, 0]}, "operations[0].roughness"),
        ("create_mesh_uv_count", {"op": "create_mesh", "uuid": uid(6), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]], "uv0": [[0, 0]]}, "operations[0].uv0"),
        ("create_mesh_index_out_of_range", {"op": "create_mesh", "uuid": uid(6), "positions": [[0, 0, 0], [1, 0, 0]], "triangles": [[0, 1, 2]]}, "operations[0].triangles[0][2]"),
        # Every number of every field, in the one range: a field that skipped it reached an engine
        # that could not hash what it stored (issue #16: uv0 of 1e13 crashed the Unity simulator).
        ("create_mesh_uv_beyond_1e12", {"op": "create_mesh", "uuid": uid(6), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]],
                                        "uv0": [[0, 0], [1e13, 0], [0, 1]]}, "operations[0].uv0[1]"),
        ("replace_mesh_uv_beyond_1e12", {"op": "replace_mesh", "uuid": uid(4), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]],
                                         "uv0": [[0, 0], [1, 0], [0, -1e13]]}, "operations[0].uv0[2]"),
        ("uv_not_a_number", {"op": "create_mesh", "uuid": uid(6), "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]],
                             "uv0": [[0, 0], [1, "0"], [0, 1]]}, "operations[0].uv0[1][1]"),
        ("position_beyond_1e12", {"op": "create_mesh", "uuid": uid(6), "positions": [[0, 0, 0], [1, 0, 0], [0, 2e12, 0]], "triangles": [[0, 1, 2]]}, "operations[0].positions[2]"),
        ("scale_beyond_1e12", {"op": "set_transform", "uuid": a, "scale": [1, 1, -1e13]}, "operations[0].scale"),
        ("rotation_beyond_1e12", {"op": "set_transform", "uuid": a, "rotation": [0, 0, 1e13, 1]}, "operations[0].rotation"),
        ("metallic_beyond_1e12", {"op": "set_material_params", "uuid": b, "metallic": 1e13}, "operations[0].metallic"),
        ("roughness_beyond_1e12", {"op": "set_material_params", "uuid": b, "roughness": -1e13}, "operations[0].roughness"),
        ("base_color_beyond_1e12", {"op": "set_material_params", "uuid": b, "base_color": [0, 0, 1e13, 1]}, "operations[0].base_color[2]"),
        ("emission_beyond_1e12", {"op": "set_material_params", "uuid": b, "emission": [0, 1e13, 0]}, "operations[0].emission[1]"),
        # Content schema 3: ranges (INVALID_VALUE), enum values, shapes.
        ("metallic_above_1", {"op": "set_material_params", "uuid": b, "metallic": 1.5}, "operations[0].metallic"),
        ("base_color_negative", {"op": "set_material_params", "uuid": b, "base_color": [0, -0.1, 0, 1]}, "operations[0].base_color[1]"),
        ("emission_negative", {"op": "set_material_params", "uuid": b, "emission": [0, 0, -1]}, "operations[0].emission[2]"),
        ("emissive_strength_negative", {"op": "set_material_params", "uuid": b, "emissive_strength": -1}, "operations[0].emissive_strength"),
        ("alpha_mode_unknown", {"op": "set_material_params", "uuid": b, "alpha_mode": "CUTOUT"}, "operations[0].alpha_mode"),
        ("alpha_cutoff_above_1", {"op": "set_material_params", "uuid": b, "alpha_cutoff": 1.01}, "operations[0].alpha_cutoff"),
        ("double_sided_not_boolean", {"op": "set_material_params", "uuid": b, "double_sided": "yes"}, "operations[0].double_sided"),
        ("occlusion_strength_above_1", {"op": "set_material_params", "uuid": b, "occlusion_strength": 2}, "operations[0].occlusion_strength"),
        ("normal_scale_beyond_1e12", {"op": "set_material_params", "uuid": b, "normal_scale": 2e12}, "operations[0].normal_scale"),
        ("texture_slot_unknown", {"op": "set_material_params", "uuid": b, "textures": {"roughness": None}}, "operations[0].textures.roughness"),
        ("texture_without_image", {"op": "set_material_params", "uuid": b, "textures": {"normal": {"texcoord": 1}}}, "operations[0].textures.normal.image"),
        ("texture_image_hidden_prefix_malformed", {"op": "set_material_params", "uuid": b, "textures": {"normal": {"image": "h-xyz"}}},
         "operations[0].textures.normal.image"),
        ("texture_texcoord_8", {"op": "set_material_params", "uuid": b, "textures": {"normal": {"image": uid(7), "texcoord": 8}}},
         "operations[0].textures.normal.texcoord"),
        ("texture_wrap_unknown", {"op": "set_material_params", "uuid": b, "textures": {"normal": {"image": uid(7), "wrap_s": "repeat"}}},
         "operations[0].textures.normal.wrap_s"),
        ("texture_min_filter_unknown", {"op": "set_material_params", "uuid": b, "textures": {"occlusion": {"image": uid(7), "min_filter": "TRILINEAR"}}},
         "operations[0].textures.occlusion.min_filter"),
        ("texture_scale_one_number", {"op": "set_material_params", "uuid": b, "textures": {"emissive": {"image": uid(7), "scale": [2]}}},
         "operations[0].textures.emissive.scale"),
        ("unsynced_empty", {"op": "set_material_params", "uuid": b, "unsynced": ""}, "operations[0].unsynced"),
        ("set_material_params_nothing_to_set", {"op": "set_material_params", "uuid": b}, "operations[0]"),
        ("create_material_texture_null", {"op": "create_material", "uuid": uid(5), "name": "x", "base_color": [1, 1, 1, 1], "metallic": 0,
                                          "roughness": 0, "emission": [0, 0, 0], "textures": {"normal": None}}, "operations[0].textures.normal"),
        ("create_material_alpha_mode_lowercase", {"op": "create_material", "uuid": uid(5), "name": "x", "base_color": [1, 1, 1, 1], "metallic": 0,
                                                  "roughness": 0, "emission": [0, 0, 0], "alpha_mode": "mask"}, "operations[0].alpha_mode"),
        ("create_image_without_color_space", {"op": "create_image", "uuid": uid(7), "name": "a.png", "mime": "image/png", "blob": _PNG,
                                              "width": 1, "height": 1}, "operations[0].color_space"),
        ("create_image_mime_unknown", {"op": "create_image", "uuid": uid(7), "name": "a.gif", "mime": "image/gif", "blob": _PNG,
                                       "width": 1, "height": 1, "color_space": "srgb"}, "operations[0].mime"),
        ("create_image_width_zero", {"op": "create_image", "uuid": uid(7), "name": "a.png", "mime": "image/png", "blob": _PNG,
                                     "width": 0, "height": 1, "color_space": "srgb"}, "operations[0].width"),
        ("create_image_blob_not_an_id", {"op": "create_image", "uuid": uid(7), "name": "a.png", "mime": "image/png", "blob": "a.png",
                                         "width": 1, "height": 1, "color_space": "srgb"}, "operations[0].blob"),
        ("create_image_with_a_path", {"op": "create_image", "uuid": uid(7), "name": "a.png", "mime": "image/png", "blob": _PNG,
                                      "width": 1, "height": 1, "color_space": "srgb", "path": "/etc/passwd"}, "operations[0].path"),
        ("replace_image_without_blob", {"op": "replace_image", "uuid": uid(7), "mime": "image/png", "width": 1, "height": 1}, "operations[0].blob"),
        ("replace_image_height_beyond_32768", {"op": "replace_image", "uuid": uid(7), "blob": _PNG, "mime": "image/png", "width": 1,
                                               "height": 40000}, "operations[0].height"),
        ("replace_image_color_space_unknown", {"op": "replace_image", "uuid": uid(7), "blob": _PNG, "mime": "image/png", "width": 1,
                                               "height": 1, "color_space": "raw"}, "operations[0].color_space"),
        ("set_camera_nothing_to_set", {"op": "set_camera", "uuid": c}, "operations[0]"),
        ("set_camera_type_unknown", {"op": "set_camera", "uuid": c, "type": "panoramic"}, "operations[0].type"),
        ("set_camera_yfov_zero", {"op": "set_camera", "uuid": c, "yfov": 0}, "operations[0].yfov"),
        ("set_camera_yfov_pi", {"op": "set_camera", "uuid": c, "yfov": 3.141592653589793}, "operations[0].yfov"),
        ("set_camera_aspect_negative", {"op": "set_camera", "uuid": c, "aspect": -1}, "operations[0].aspect"),
        ("set_camera_znear_zero", {"op": "set_camera", "uuid": c, "znear": 0}, "operations[0].znear"),
        ("set_camera_zfar_null", {"op": "set_camera", "uuid": c, "zfar": None}, "operations[0].zfar"),
        ("set_camera_xmag_negative", {"op": "set_camera", "uuid": c, "xmag": -3}, "operations[0].xmag"),
        ("set_camera_unknown_field", {"op": "set_camera", "uuid": c, "fov": 60}, "operations[0].fov"),
        ("set_light_nothing_to_set", {"op": "set_light", "uuid": c}, "operations[0]"),
        ("set_light_type_area", {"op": "set_light", "uuid": c, "type": "area"}, "operations[0].type"),
        ("set_light_intensity_negative", {"op": "set_light", "uuid": c, "intensity": -5}, "operations[0].intensity"),
        ("set_light_intensity_beyond_1e12", {"op": "set_light", "uuid": c, "intensity": 1e13}, "operations[0].intensity"),
        ("set_light_color_above_1", {"op": "set_light", "uuid": c, "color": [1, 2, 1]}, "operations[0].color[1]"),
        ("set_light_range_zero", {"op": "set_light", "uuid": c, "range": 0}, "operations[0].range"),
        ("set_light_outer_cone_beyond_half_pi", {"op": "set_light", "uuid": c, "outer_cone": 1.6}, "operations[0].outer_cone"),
        ("set_light_inner_cone_negative", {"op": "set_light", "uuid": c, "inner_cone": -0.1}, "operations[0].inner_cone"),
        ("set_light_watts", {"op": "set_light", "uuid": c, "watts": 1000}, "operations[0].watts"),
        ("create_object_light_on_an_empty", dict({"op": "create_object", "uuid": c, "name": "x", "kind": "empty", "parent": None,
                                                  "light": {"type": "point", "color": [1, 1, 1], "intensity": 1}}, **t), "operations[0].light"),
        ("create_object_camera_zfar_before_znear", dict({"op": "create_object", "uuid": c, "name": "x", "kind": "camera", "parent": None,
                                                         "camera": {"type": "perspective", "yfov": 0.7, "aspect": 1.5, "znear": 5, "zfar": 1}}, **t),
         "operations[0].camera.zfar"),
        ("create_material_metallic_beyond_1e12", {"op": "create_material", "uuid": uid(5), "name": "x", "base_color": [1, 1, 1, 1], "metallic": 1e13,
                                                  "roughness": 0, "emission": [0, 0, 0]}, "operations[0].metallic"),
        ("create_object_translation_beyond_1e12", dict({"op": "create_object", "uuid": c, "name": "x", "kind": "empty", "parent": None},
                                                       **dict(t, translation=[0, 0, 1e13])), "operations[0].translation"),
        ("instantiate_prefab_scale_beyond_1e12", dict({"op": "instantiate_prefab", "uuid": c, "prefab": "props/crate_01", "name": "x", "parent": None},
                                                      **dict(t, scale=[1e13, 1, 1])), "operations[0].scale"),
        ("slot_beyond_1024", {"op": "assign_material", "uuid": a, "slot": 1025, "material": b}, "operations[0].slot"),
        ("slot_negative", {"op": "assign_material", "uuid": a, "slot": -1, "material": b}, "operations[0].slot"),
        ("record_without_position", {"op": "create_mesh", "uuid": uid(6), "vertex_count": 3, "attributes": {"NORMAL": _POS},
                                     "primitives": []}, "operations[0].attributes.POSITION"),
        ("record_bad_blob_id", {"op": "replace_mesh", "uuid": uid(4), "vertex_count": 3, "attributes": {"POSITION": "00"},
                                "primitives": []}, "operations[0].attributes.POSITION"),
        ("record_slots_descending", {"op": "replace_mesh", "uuid": uid(4), "vertex_count": 3, "attributes": {"POSITION": _POS},
                                     "primitives": [{"material": 1, "indices": _IDX}, {"material": 0, "indices": _IDX}]},
         "operations[0].primitives[1].material"),
        ("record_texcoord_gap", {"op": "create_mesh", "uuid": uid(6), "vertex_count": 3,
                                 "attributes": {"POSITION": _POS, "TEXCOORD_2": _UV, "TEXCOORD_0": _UV}, "primitives": []},
         "operations[0].attributes.TEXCOORD_2"),
        ("record_missing_primitives", {"op": "create_mesh", "uuid": uid(6), "vertex_count": 3, "attributes": {"POSITION": _POS}},
         "operations[0].primitives"),
        ("record_with_inline_field", {"op": "create_mesh", "uuid": uid(6), "vertex_count": 3, "positions": [[0, 0, 0]], "triangles": []},
         "operations[0].vertex_count"),
        # set_mesh: a mesh object shows exactly one mesh; there is no "no mesh" to point at.
        ("set_mesh_without_mesh", {"op": "set_mesh", "uuid": a}, "operations[0].mesh"),
        ("set_mesh_to_null", {"op": "set_mesh", "uuid": a, "mesh": None}, "operations[0].mesh"),
        ("set_mesh_bad_id", {"op": "set_mesh", "uuid": a, "mesh": "Cube.001"}, "operations[0].mesh"),
        ("set_mesh_with_slots", {"op": "set_mesh", "uuid": a, "mesh": uid(4), "materials": [b]}, "operations[0].materials"),
        # Content schema 4
        ("create_object_unknown_kind_bone", dict({"op": "create_object", "uuid": c, "name": "x", "kind": "bone", "parent": None}, **t), "operations[0].kind"),
        ("create_object_skin_on_an_empty", dict({"op": "create_object", "uuid": c, "name": "x", "kind": "empty", "parent": None, "skin": uid(86)}, **t),
         "operations[0].skin"),
        ("set_skin_without_skin", {"op": "set_skin", "uuid": uid(84)}, "operations[0].skin"),
        ("set_skin_malformed", {"op": "set_skin", "uuid": uid(84), "skin": "skin"}, "operations[0].skin"),
        ("create_skin_without_joints", {"op": "create_skin", "uuid": uid(86), "name": "A", "joints": [], "inverse_bind_matrices": _POS}, "operations[0].joints"),
        ("create_skin_joint_twice", {"op": "create_skin", "uuid": uid(86), "name": "A", "joints": [uid(81), uid(81)], "inverse_bind_matrices": _POS},
         "operations[0].joints[1]"),
        ("create_skin_ibm_not_a_blob", {"op": "create_skin", "uuid": uid(86), "name": "A", "joints": [uid(81)], "inverse_bind_matrices": "x"},
         "operations[0].inverse_bind_matrices"),
        ("update_skin_with_nothing", {"op": "update_skin", "uuid": uid(86)}, "operations[0]"),
        ("update_skin_unknown_field", {"op": "update_skin", "uuid": uid(86), "name": "B"}, "operations[0].name"),
        ("delete_skin_with_a_field", {"op": "delete_skin", "uuid": uid(86), "joints": []}, "operations[0].joints"),
        ("set_morph_weights_above_1", {"op": "set_morph_weights", "uuid": uid(85), "weights": [0.5, 1.5]}, "operations[0].weights[1]"),
        ("set_morph_weights_negative", {"op": "set_morph_weights", "uuid": uid(85), "weights": [-0.5]}, "operations[0].weights[0]"),
        ("set_morph_weights_not_an_array", {"op": "set_morph_weights", "uuid": uid(85), "weights": 0.5}, "operations[0].weights"),
        ("create_animation_channels_out_of_order", {"op": "create_animation", "uuid": uid(87), "name": "A", "frame_rate": 24, "channels": [
            {"target": uid(82), "path": "rotation", "interpolation": "LINEAR", "times": _POS, "values": _UV},
            {"target": uid(81), "path": "rotation", "interpolation": "LINEAR", "times": _POS, "values": _UV}]}, "operations[0].channels[1]"),
        ("create_animation_interpolation_unknown", {"op": "create_animation", "uuid": uid(87), "name": "A", "frame_rate": 24, "channels": [
            {"target": uid(81), "path": "rotation", "interpolation": "BEZIER", "times": _POS, "values": _UV}]}, "operations[0].channels[0].interpolation"),
        ("set_animation_channel_path_unknown", {"op": "set_animation_channel", "uuid": uid(87), "target": uid(81), "path": "location", "remove": True},
         "operations[0].path"),
        ("set_animation_channel_remove_false", {"op": "set_animation_channel", "uuid": uid(87), "target": uid(81), "path": "scale", "remove": False},
         "operations[0].remove"),
        ("set_animation_channel_remove_and_values", {"op": "set_animation_channel", "uuid": uid(87), "target": uid(81), "path": "scale", "remove": True,
                                                     "values": _UV}, "operations[0].values"),
        ("set_animation_channel_without_times", {"op": "set_animation_channel", "uuid": uid(87), "target": uid(81), "path": "scale",
                                                 "interpolation": "LINEAR", "values": _UV}, "operations[0].times"),
        ("create_mesh_weights_without_targets", {"op": "create_mesh", "uuid": uid(85), "vertex_count": 3, "attributes": {"POSITION": _POS},
                                                 "primitives": [], "weights": [0.5]}, "operations[0].weights"),
        ("create_mesh_joints_without_weights", {"op": "create_mesh", "uuid": uid(85), "vertex_count": 3, "attributes": {"POSITION": _POS, "JOINTS_0": _IDX},
                                                "primitives": []}, "operations[0].attributes.WEIGHTS_0"),
    ]
    return {"valid": valid, "invalid": [{"name": n, "operation": o, "path": p} for n, o, p in invalid]}


def firewall_vectors():
    """The semantic firewall (docs/protocol.md §11.3): which fields are code (none in protocol 1),
    names that are data however they look, and expressions judged by both halves: the adapter's AST
    audit (``allowed``, from firewall.py here) and the link's blocked patterns (``blocked``, written
    here and checked by the C# suite). Whatever the audit allows is never blocked, and whatever is
    blocked the audit refuses: an engine is never revoked for an expression its adapter accepted."""
    names = ["Rock__01__LOD", "os.system(x)__import__", "__import__('os').system('rm -rf /')", "exec(open('x').read())",
             "subprocess", "import os", "pickle", "System.Reflection.Assembly.Load", "Process.Start", "bpy.ops.script.reload()",
             "__init__", "Executive", "Evaluation", "Opener", "ünïcödé ✓"]
    expressions = [
        ("frame * 0.1", False), ("sin(frame / 24) * 2 + 1", False), ("max(0, min(1, var))", False), ("-pi if frame > 10 else pi", False),
        ("clamp(var, 0, 1)", False), ("2 ** 3 % 5", False), ("lerp(0, 1, frame / 250)", False),
        ("__import__('os').system('rm -rf /')", True), ("os.system('x')", True), ("exec('1')", True), ("eval('1+1')", True),
        ("open('/etc/passwd')", True), ("frame.__class__", True), ("getattr(frame, 'x')", True), ("compile('1', 'x', 'eval')", True),
        ("bpy.ops.script.reload()", True), ("subprocess.call(['ls'])", True),
        ("(lambda: 1)()", False), ("[x for x in range(3)]", False), ("'a' + 'b'", False), ("bpy.ops.wm.quit_blender()", False), ("True", False),
    ]
    cases = []
    for text, blocked in expressions:
        try:
            audit_expression(text)
            allowed, code = True, None
        except FirewallError as e:
            allowed, code = False, e.code
        assert not (allowed and blocked), f"the audit allows what the link blocks: {text}"
        cases.append({"text": text, "allowed": allowed, "code": code, "blocked": blocked})
    assert any(c["allowed"] for c in cases) and any(c["blocked"] for c in cases)
    return {"code_fields": [list(f) for f in CODE_FIELDS], "names": names, "expressions": cases}


def blob_vectors():
    """Blob names (docs/protocol.md §12): valid blobs with their names, float arrays that differ
    below ε and share a name, and blobs both implementations refuse, naming the same field."""
    from vibesync_blender.protocol.blobs import F32, U8, U16, U32, BlobFormatError, blob_id
    import struct as _struct
    r = random.Random(12)

    def f32(values):
        return _struct.pack(f"<{len(values)}f", *values)

    cases = []

    def add(name, element, components, count, payload, same_as=None):
        case = {"name": name, "element": element, "components": components, "count": count, "payload": payload.hex(),
                "id": blob_id(element, components, count, payload, use_numpy=False)}
        if same_as is not None:
            assert next(c for c in cases if c["name"] == same_as)["id"] == case["id"], name
            case["same_id_as"] = same_as
        cases.append(case)

    add("empty_f32_vec3", F32, 3, 0, b"")
    add("one_position", F32, 3, 1, f32([1.0, 2.0, 3.0]))
    add("one_position_nudged_below_epsilon", F32, 3, 1, f32([1.0 + 2e-7, 2.0, 3.0 - 2e-7]), same_as="one_position")
    add("negative_zero_is_zero", F32, 3, 1, f32([-0.0, 0.0, 0.0]))
    add("zero", F32, 3, 1, f32([0.0, 0.0, 0.0]), same_as="negative_zero_is_zero")
    add("same_floats_as_vec2_differ", F32, 2, 3, f32([0.0, 0.0, 0.0, 0.0, 0.0, 0.0]))
    add("uv_pairs", F32, 2, 4, f32([r.uniform(0, 1) for _ in range(8)]))
    add("big_and_small", F32, 1, 4, f32([123456.789, -0.00001, 0.000015, 1e9]))
    add("indices", U32, 1, 6, _struct.pack("<6I", 0, 1, 2, 2, 1, 3))
    add("joints_u16", U16, 4, 2, _struct.pack("<8H", 0, 1, 2, 3, 65535, 0, 7, 9))
    add("png_bytes", U8, 1, 8, bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    add("random_positions", F32, 3, 50, f32([r.uniform(-100, 100) for _ in range(150)]))

    errors = []

    def refuse(name, element, components, count, payload, field):
        try:
            blob_id(element, components, count, payload, use_numpy=False)
        except BlobFormatError as e:
            assert e.field == field, f"{name}: Python says {e.field}"
        else:
            raise AssertionError(f"{name}: Python accepted it")
        errors.append({"name": name, "element": element, "components": components, "count": count, "payload": payload.hex(), "error_field": field})

    refuse("nan", F32, 1, 2, f32([1.0, float("nan")]), "value[1]")
    refuse("infinity", F32, 1, 1, f32([float("inf")]), "value[0]")
    refuse("length_does_not_match_the_shape", F32, 3, 2, f32([1.0, 2.0, 3.0]), "length")
    refuse("unknown_element", 9, 1, 1, b"\x00", "element")
    refuse("components_zero", U32, 0, 0, b"", "components")
    refuse("components_seventeen", F32, 17, 0, b"", "components")
    return {"cases": cases, "errors": errors}


def blob_chunk_vectors():
    """Blob transfer on the link (docs/protocol.md §12.2): BLOB_CHUNK payloads byte for byte, how a
    blob is cut into chunks, transfers fed chunk by chunk to the receiver's assembler with what it
    answers each (progress, complete, or the refusal's code), the blob names a message references,
    and the BLOB_WANT / BLOB_GONE / BLOB_OFFER payloads."""
    from vibesync_blender.protocol.blobs import F32, U32, blob_id
    from vibesync_blender.link.blob_chunks import (BlobAssembler, BlobTransferError, blob_gone_json, blob_offer_json,
                                                   blob_references, blob_want_json, encode_chunk, spans)
    import struct as _struct
    r = random.Random(13)
    positions = _struct.pack("<30f", *[r.uniform(-10, 10) for _ in range(30)])   # 10 vec3: 120 bytes
    pos_shape = (F32, 3, 10)
    pos_id = blob_id(*pos_shape, positions)
    indices = _struct.pack("<6I", 0, 1, 2, 2, 1, 3)
    idx_shape = (U32, 1, 6)
    idx_id = blob_id(*idx_shape, indices)
    empty_shape = (F32, 2, 0)
    empty_id = blob_id(*empty_shape, b"")
    nan = _struct.pack("<3f", 1.0, float("nan"), 2.0)
    nan_id = "ab" * 32  # a name its bytes cannot have: they are not nameable at all

    chunks = []
    for name, blob, shape, offset, data in [("first_chunk_of_positions", pos_id, pos_shape, 0, positions[:50]),
                                            ("middle_chunk_splits_a_float", pos_id, pos_shape, 50, positions[50:107]),
                                            ("indices_whole", idx_id, idx_shape, 0, indices),
                                            ("empty_blob", empty_id, empty_shape, 0, b"")]:
        chunks.append({"name": name, "id": blob, "element": shape[0], "components": shape[1], "count": shape[2], "offset": offset,
                       "data": data.hex(), "payload": encode_chunk(blob, shape, offset, data).hex()})

    splits = [{"byte_length": n, "from": f, "chunk_bytes": c, "spans": [list(s) for s in spans(n, f, c)]}
              for n, f, c in [(0, 0, 1048576), (120, 0, 50), (120, 50, 50), (120, 120, 50), (3145728, 0, 1048576), (3145729, 1048576, 1048576)]]

    def cut(blob, shape, data, size, tamper=None):
        out = []
        for offset, length in spans(len(data), 0, size):
            piece = data[offset:offset + length]
            if tamper is not None and offset == 0:
                piece = tamper(piece)
            out.append(encode_chunk(blob, shape, offset, piece))
        return out

    def flip(piece):
        return piece[:3] + bytes([piece[3] ^ 0x40]) + piece[4:]  # the first float's exponent: far beyond ε

    transfers = []

    def transfer(name, want, payloads, max_blob_bytes=1 << 28, chunk_bytes=1 << 20):
        done = {}
        assembler = BlobAssembler(max_blob_bytes, chunk_bytes, lambda b, s, d: done.__setitem__(b, d))
        for blob in want:
            assembler.want(blob)
        results = []
        for payload in payloads:
            try:
                shape = assembler.accept_payload(payload)
                results.append({"complete": payload[:32].hex()} if shape is not None else {"progress": True})
            except BlobTransferError as e:
                results.append({"error": e.code, "id": e.blob})
        transfers.append({"name": name, "max_blob_bytes": max_blob_bytes, "chunk_bytes": chunk_bytes, "want": want,
                          "chunks": [p.hex() for p in payloads], "results": results,
                          "completed": {b: d.hex() for b, d in done.items()}})

    in_order = cut(pos_id, pos_shape, positions, 50)
    transfer("positions_in_three_chunks_split_inside_floats", [pos_id], in_order)
    transfer("two_blobs_interleaved", [pos_id, idx_id], [in_order[0], cut(idx_id, idx_shape, indices, 10)[0], in_order[1], cut(idx_id, idx_shape, indices, 10)[1], in_order[2],
                                                         cut(idx_id, idx_shape, indices, 10)[2]])
    transfer("empty_blob_is_one_empty_chunk", [empty_id], cut(empty_id, empty_shape, b"", 50))
    transfer("chunk_out_of_order", [pos_id], [in_order[0], in_order[2], in_order[1]])
    transfer("chunk_repeated", [pos_id], [in_order[0], in_order[0]])
    transfer("chunk_of_a_blob_not_wanted", [pos_id], [cut(idx_id, idx_shape, indices, 50)[0]])
    transfer("chunk_after_the_blob_completed", [idx_id], cut(idx_id, idx_shape, indices, 50) * 2)
    transfer("corrupt_blob_refused_at_its_last_chunk", [pos_id], cut(pos_id, pos_shape, positions, 50, tamper=flip))
    transfer("bytes_that_cannot_be_named", [nan_id], [encode_chunk(nan_id, (F32, 1, 3), 0, nan)])
    transfer("blob_over_blob_bytes", [pos_id], in_order[:1], max_blob_bytes=100)
    transfer("chunk_over_chunk_bytes", [pos_id], [encode_chunk(pos_id, pos_shape, 0, positions[:60])], chunk_bytes=50)
    transfer("chunk_past_the_blob_end", [idx_id], [encode_chunk(idx_id, idx_shape, 0, indices + b"\0\0\0\0")])
    transfer("shape_changes_between_chunks", [pos_id], [in_order[0], encode_chunk(pos_id, (F32, 1, 30), 50, positions[50:100])])
    transfer("payload_shorter_than_a_chunk_header", [pos_id], [in_order[0][:40]])
    transfer("not_a_blob_header", [pos_id], [in_order[0][:32] + b"\x21" + in_order[0][33:]])

    record = {"uuid": uid(9), "vertex_count": 10, "attributes": {"POSITION": pos_id, "NORMAL": pos_id},
              "primitives": [{"material": 0, "indices": idx_id}], "derived": []}
    references = [
        {"name": "scene", "payload": {"generation": 1, "root": "0" * 64, "scene": {"objects": [], "materials": [], "meshes": [record]}},
         "ids": [pos_id, idx_id]},
        {"name": "apply_operation", "payload": {"intent": 7, "operations": [{"op": "replace_mesh", "uuid": uid(9), "attributes": {"POSITION": idx_id},
                                                                               "primitives": [{"material": 1, "indices": pos_id}]}]},
         "ids": [idx_id, pos_id]},
        {"name": "scene_with_images", "payload": {"generation": 1, "root": "0" * 64, "scene": {"objects": [], "materials": [], "meshes": [record],
                                                                                         "images": [image(5, blob=_PNG), image(6, blob=idx_id)]}},
         "ids": [pos_id, idx_id, _PNG]},
        {"name": "edit_create_and_replace_image", "payload": {"operations": [
            {"op": "create_image", "uuid": uid(5), "name": "a.png", "mime": "image/png", "blob": _PNG, "width": 1, "height": 1, "color_space": "srgb"},
            {"op": "replace_image", "uuid": uid(6), "blob": _JPEG, "mime": "image/jpeg", "width": 2, "height": 1}]},
         "ids": [_PNG, _JPEG]},
        {"name": "a_blob_member_that_is_not_a_name", "payload": {"operations": [{"op": "create_image", "uuid": uid(5), "blob": "a.png"}]}, "ids": []},
        {"name": "names_elsewhere_are_not_references", "payload": {"name": pos_id, "scene": {"meshes": [{"uuid": pos_id, "attributes": {"POSITION": "not a name"}}]}},
         "ids": []},
        # Content schema 4: morph target deltas, inverse bind matrices, keyframe times and values.
        {"name": "scene_with_a_rig", "payload": {"generation": 1, "root": "0" * 64, "scene": {
            "meshes": [dict(record, targets=[{"name": "Smile", "POSITION": _JPEG, "NORMAL": _PNG}], weights=[0.5])],
            "skins": [{"uuid": uid(86), "name": "A", "joints": [uid(81)], "inverse_bind_matrices": idx_id, "skeleton": None}],
            "animations": [{"uuid": uid(87), "name": "W", "channels": [{"target": uid(81), "path": "scale", "interpolation": "STEP",
                                                                        "times": pos_id, "values": u8_blob(b"values")}]}]}},
         "ids": [pos_id, idx_id, _JPEG, _PNG, u8_blob(b"values")]},
        {"name": "apply_rig_operations", "payload": {"intent": 8, "operations": [
            {"op": "update_skin", "uuid": uid(86), "inverse_bind_matrices": _PNG},
            {"op": "set_animation_channel", "uuid": uid(87), "target": uid(81), "path": "rotation", "interpolation": "LINEAR",
             "times": _JPEG, "values": idx_id}]},
         "ids": [_PNG, _JPEG, idx_id]},
    ]
    for ref in references:
        assert blob_references(ref["payload"]) == ref["ids"], ref["name"]
    messages = {"want": {"re": 12, "blobs": [[pos_id, 0], [idx_id, 1048576]], "json": blob_want_json(12, [(pos_id, 0), (idx_id, 1048576)])},
                "gone": {"re": 13, "ids": [pos_id], "json": blob_gone_json(13, [pos_id])},
                "offer": {"ids": [pos_id, idx_id], "json": blob_offer_json([pos_id, idx_id])}}
    return {"chunk_header_bytes": 51, "chunks": chunks, "splits": splits, "transfers": transfers, "references": references, "messages": messages}


def refused_at(refusals, parse, error):
    """(name, text, path) cases, each checked to be refused by ``parse`` with ``error`` at ``path``."""
    out = []
    for name, text, path in refusals:
        try:
            parse(text)
        except error as e:
            assert e.path == path, (name, e.path, path)
        else:
            raise AssertionError(f"{name} was not refused")
        out.append({"name": name, "json": text, "path": path})
    return out


def pending_vectors():
    """PENDING_INTENTS (docs/protocol.md §11.9): payloads as the orchestrator writes them, the console's
    page of each intent, and payloads an adapter refuses (the path names the field)."""
    from vibesync_blender.link.pending import (MAX_INTENTS, MAX_RATIONALE, PendingError, PendingIntent, page_url,
                                               parse_pending, pending_json)
    console = "http://127.0.0.1:48213/console/"
    long_text = "é" * (MAX_RATIONALE - 1) + "😀"  # exactly the bound, counted in code points (the emoji is 2 UTF-16 units)
    payloads = [
        {"name": "none", "console": console, "intents": [], "total": 0},
        {"name": "one", "console": "http://127.0.0.1:1/console/", "total": 1,
         "intents": [PendingIntent(8, "ai:claude", "structural", "Parent the lamp under \"Desk\" so they move together\n(asked by the level designer)")]},
        {"name": "three_classes_and_a_long_rationale", "console": "http://127.0.0.1:65535/console/", "total": 3,
         "intents": [PendingIntent(3, "ai:a", "cosmetic", ""), PendingIntent(17, "ai:layout-bot ✓", "destructive", long_text),
                     PendingIntent(2 ** 53, "ai:x", "structural", "tab\there, control \u0001")]},
        {"name": "more_pending_than_listed", "console": console, "total": 250,
         "intents": [PendingIntent(i + 1, "ai:flood", "cosmetic", f"move {i}") for i in range(MAX_INTENTS)]},
    ]
    for c in payloads:
        c["json"] = pending_json(c["console"], c["intents"], c["total"])
        assert parse_pending(c["json"]).intents == c["intents"]
        c["pages"] = [page_url(c["console"], i.id) for i in c["intents"]]
        c["intents"] = [i.as_dict() for i in c["intents"]]
    good = '{"id": 8, "actor": "ai:claude", "class": "structural", "rationale": "r"}'

    def payload(intents=good, console=f'"{console}"', total="1", extra=""):
        return f'{{"console": {console}, "intents": [{intents}], "total": {total}{extra}}}'

    def item(**changes):
        fields = {"id": "8", "actor": '"ai:claude"', "class": '"structural"', "rationale": '"r"'}
        fields.update(changes)
        return "{" + ", ".join(f'"{k}": {v}' for k, v in fields.items() if v is not None) + "}"

    refusals = [
        ("not_an_object", "[]", "payload"),
        ("unknown_field", payload(extra=', "approve": 8'), "approve"),
        ("missing_total", f'{{"console": "{console}", "intents": []}}', "total"),
        ("console_not_loopback", payload(console='"http://evil.example:80/console/"'), "console"),
        ("console_other_path", payload(console='"http://127.0.0.1:48213/console/intents/8/approve"'), "console"),
        ("console_https_file", payload(console='"file:///etc/passwd"'), "console"),
        ("console_port_over_65535", payload(console='"http://127.0.0.1:65536/console/"'), "console"),
        ("console_port_leading_zero", payload(console='"http://127.0.0.1:0080/console/"'), "console"),
        ("console_a_number", payload(console="48213"), "console"),
        ("intents_an_object", payload(intents="") .replace("[]", "{}"), "intents"),
        ("too_many_intents", payload(intents=", ".join(item(id=str(i + 1)) for i in range(MAX_INTENTS + 1)), total=str(MAX_INTENTS + 1)), "intents"),
        ("intent_not_an_object", payload(intents="8"), "intents[0]"),
        ("intent_unknown_field", payload(intents=item(approved="true")), "intents[0].approved"),
        ("intent_missing_rationale", payload(intents=item(rationale=None)), "intents[0].rationale"),
        ("id_zero", payload(intents=item(id="0")), "intents[0].id"),
        ("id_a_string", payload(intents=item(id='"8"')), "intents[0].id"),
        ("id_a_fraction", payload(intents=item(id="8.5")), "intents[0].id"),
        ("id_negative", payload(intents=item(id="-8")), "intents[0].id"),
        ("ids_not_ascending", payload(intents=item(id="9") + ", " + item(id="8"), total="2"), "intents[1].id"),
        ("ids_repeated", payload(intents=item() + ", " + item(), total="2"), "intents[1].id"),
        ("actor_human", payload(intents=item(actor='"human:cli"')), "intents[0].actor"),
        ("actor_empty_name", payload(intents=item(actor='"ai:"')), "intents[0].actor"),
        ("actor_a_number", payload(intents=item(actor="7")), "intents[0].actor"),
        ("class_unknown", payload(intents=item(**{"class": '"Structural"'})), "intents[0].class"),
        ("class_null", payload(intents=item(**{"class": "null"})), "intents[0].class"),
        ("rationale_null", payload(intents=item(rationale="null")), "intents[0].rationale"),
        ("rationale_oversize", payload(intents=item(rationale=json.dumps("x" * (MAX_RATIONALE + 1)))), "intents[0].rationale"),
        ("total_below_listed", payload(total="0"), "total"),
        ("total_a_bool", payload(total="true"), "total"),
    ]
    return {"payloads": payloads, "refusals": refused_at(refusals, parse_pending, PendingError)}


def time_vectors():
    """TIME (docs/protocol.md §11.10): payloads byte for byte (seconds as C#'s round-trip text) and
    payloads a reader refuses, the path naming the field."""
    from vibesync_blender.link.scene_time import MAX_SECONDS, MAX_SEQ, TimeError, encode_time, parse_time
    values = [("zero", 0.0, 1), ("whole_second", 1.0, 2), ("frame_37_at_24_fps", 37 / 24, 3),
              ("ntsc_frame_at_29_97", 1001 / 30000, 4), ("tiny", 1.5e-05, 5), ("the_latest_allowed", MAX_SECONDS, MAX_SEQ),
              ("a_minute_and_a_bit", 61.041666666666664, 9_000_000_000)]
    payloads = []
    for name, seconds, seq in values:
        text = encode_time(seconds, seq).decode("utf-8")
        assert parse_time(text.encode("utf-8")) == (seconds, seq), name
        payloads.append({"name": name, "seconds": seconds, "seq": seq, "json": text})
    refusals = [
        ("not_an_object", "[1.5, 1]", "payload"),
        ("unknown_field", '{"seconds": 1.5, "seq": 1, "frame": 36}', "frame"),
        ("missing_seq", '{"seconds": 1.5}', "seq"),
        ("missing_seconds", '{"seq": 1}', "seconds"),
        ("seconds_negative", '{"seconds": -0.5, "seq": 1}', "seconds"),
        ("seconds_huge", '{"seconds": 1e300, "seq": 1}', "seconds"),
        ("seconds_over_the_limit", '{"seconds": 1000000.5, "seq": 1}', "seconds"),
        ("seconds_overflowing_to_infinity", '{"seconds": 1e400, "seq": 1}', "seconds"),
        ("seconds_a_string", '{"seconds": "1.5", "seq": 1}', "seconds"),
        ("seconds_a_bool", '{"seconds": true, "seq": 1}', "seconds"),
        ("seconds_null", '{"seconds": null, "seq": 1}', "seconds"),
        ("seq_zero", '{"seconds": 1.5, "seq": 0}', "seq"),
        ("seq_a_fraction", '{"seconds": 1.5, "seq": 1.5}', "seq"),
        ("seq_over_2_53", '{"seconds": 1.5, "seq": 9007199254740993}', "seq"),
        ("seq_2_53", '{"seconds": 1.5, "seq": 9007199254740992}', "seq"),
        ("seq_a_string", '{"seconds": 1.5, "seq": "1"}', "seq"),
    ]
    return {"payloads": payloads, "refusals": refused_at(refusals, lambda text: parse_time(text.encode("utf-8")), TimeError)}


def instance_vectors():
    """Engine instance names (docs/protocol.md §11.1): valid ones with their key file and space,
    invalid ones both readers refuse, and file names in DIR/keys with the instance each names (or none)."""
    from vibesync_blender.protocol.instances import InstanceError, instance_of_key_file, parse_instance
    valid = []
    for text in ["blender", "unity", "blender:bob", "blender:alice", "unity:level", "blender:0", "unity:a-b_c",
                 "blender:" + "a" * 32, "blender:blender", "unity:9lives"]:
        i = parse_instance(text)
        valid.append({"text": text, "kind": i.kind, "name": i.name, "key_file": i.key_file_name, "space": i.space})
    invalid = ["", "Blender", "maya", "maya:bob", "blender:", "blender:Bob", "blender:-bob", "blender:_bob", "blender:bob.x",
               "blender:bob:x", "blender:" + "a" * 33, "blender:bo b", "blender:bob\n", ":bob", "blender:é", "blender:٣",
               " blender", "unity:level "]
    for text in invalid:
        try:
            parse_instance(text)
            raise AssertionError(f"{text!r} parsed")
        except InstanceError:
            pass
    files = []
    for name in ["blender.key", "unity.key", "blender.bob.key", "unity.level.key", "control.token", "ai.token", "blender.Bob.key",
                 "maya.key", "blender.a.b.key", "blender..key", "blender.bob.key.tmp", ".key", "blender.bob", "unity." + "x" * 33 + ".key"]:
        i = instance_of_key_file(name)
        files.append({"file": name, "instance": None if i is None else str(i)})
    # One bootstrap key and one pair of nonces under three instance names: the name is in HKDF's info,
    # so a session's keys belong to its instance (blender:bob's frames never verify in blender:alice's session).
    from vibesync_blender.link.session import derive_session_keys
    key, cn, sn, sid = bytes(range(1, 33)), bytes(range(33, 65)), bytes(range(65, 97)), "00112233445566778899aabbccddeeff"
    sessions = []
    for engine in ["blender", "blender:bob", "blender:alice", "unity:level"]:
        c2s, s2c = derive_session_keys(key, cn, sn, engine, sid, 0)
        sessions.append({"engine": engine, "bootstrap_key": key.hex(), "client_nonce": cn.hex(), "server_nonce": sn.hex(), "session_id": sid,
                         "epoch": 0, "client_to_server": c2s.hex(), "server_to_client": s2c.hex()})
    assert len({s["client_to_server"] for s in sessions}) == len(sessions)
    return {"valid": valid, "invalid": invalid, "key_files": files, "session_keys": sessions}


def leader_vectors():
    """A standby's REFUSED NOT_LEADER (docs/protocol.md §11.12): refusal payloads with the code, message and
    leader both readers take from them (leader null when absent or not HOST:PORT), and the order an adapter
    dials a key file's endpoints in when each answers as given (a leader the key file does not name is never dialed)."""
    from vibesync_blender.link.leader import DialOrder, parse_refusal
    refusals = []
    for payload in ['{"code": "NOT_LEADER", "message": "not the leader: alpha leads (term 1) at 10.0.0.1:7420", "leader": "10.0.0.1:7420"}',
                    '{"code": "NOT_LEADER", "message": "not the leader: no orchestrator leads yet"}',
                    '{"code": "NOT_LEADER", "message": "m", "leader": "[fd00::1]:7420"}',
                    '{"code": "NOT_LEADER", "message": "m", "leader": "Alpha.Studio.Lan:7420"}',
                    '{"code": "NOT_LEADER", "message": "m", "leader": "no port"}',
                    '{"code": "NOT_LEADER", "message": "m", "leader": 7420}',
                    '{"code": "NOT_LEADER", "message": "m", "leader": "h:0"}',
                    '{"code": "PROJECT_MISMATCH", "message": "another project", "leader": "10.0.0.1:7420"}']:
        code, message, leader = parse_refusal(payload)
        refusals.append({"payload": payload, "code": code, "message": message,
                         "leader": None if leader is None else {"host": leader[0], "port": leader[1]}})
    orders = []

    def order(name, endpoints, answers):
        # answers: endpoint -> [code, leader text or None]; every endpoint refuses, so the whole order shows.
        parsed = {e: tuple(a) for e, a in answers.items()}
        from vibesync_blender.link.keyfile import parse_endpoint
        dialed, queue = [], DialOrder([parse_endpoint(e) for e in endpoints])
        for host, port in queue:
            text = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            dialed.append(text)
            code, leader = parsed.get(text, ("UNREACHABLE", None))
            queue.refused(code, None if leader is None else parse_endpoint(leader))
        orders.append({"name": name, "endpoints": endpoints, "answers": answers, "dialed": dialed})

    order("the_named_leader_is_dialed_next", ["a:1", "b:2", "c:3"], {"a:1": ["NOT_LEADER", "c:3"]})
    order("a_leader_the_key_file_does_not_name_is_never_dialed", ["a:1", "b:2"], {"a:1": ["NOT_LEADER", "evil:666"]})
    order("a_refusal_without_a_leader_goes_on_in_order", ["a:1", "b:2", "c:3"], {"a:1": ["NOT_LEADER", None]})
    order("an_endpoint_already_tried_is_not_dialed_again", ["a:1", "b:2", "c:3"], {"a:1": ["NOT_LEADER", "b:2"], "b:2": ["NOT_LEADER", "a:1"]})
    order("another_code_naming_a_leader_is_not_followed", ["a:1", "b:2", "c:3"], {"a:1": ["PROJECT_MISMATCH", "c:3"]})
    order("host_names_match_without_case", ["Alpha:1", "beta:2", "GAMMA:3"], {"Alpha:1": ["NOT_LEADER", "gamma:3"]})
    order("the_leader_naming_itself_is_left_in_order", ["a:1", "b:2", "c:3"], {"a:1": ["NOT_LEADER", "a:1"]})
    assert orders[0]["dialed"] == ["a:1", "c:3", "b:2"] and orders[1]["dialed"] == ["a:1", "b:2"]
    return {"refusals": refusals, "dial_orders": orders}


def write(name, payload):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({**HEADER, **payload}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path}")


def main():
    hashes = hash_cases()
    errors = error_cases()
    conversions, stored = convert_cases()
    assert len(hashes) >= 30 and len(errors) >= 25 and len(conversions) >= 20
    write("hash_vectors.json", {"cases": hashes, "inline_cases": inline_cases()})
    write("blob_vectors.json", blob_vectors())
    write("blob_chunk_vectors.json", blob_chunk_vectors())
    write("hash_error_vectors.json", {"cases": errors})
    write("rigging_content_vectors.json", {"cases": rigging_content_cases()})
    write("convert_vectors.json", {"cases": conversions, "stored_as_cases": stored, "mesh_blob_cases": mesh_blob_cases()})
    write("crypto_vectors.json", crypto_vectors())
    write("frame_vectors.json", frame_vectors())
    write("link_vectors.json", link_vectors())
    write("pending_vectors.json", pending_vectors())
    write("time_vectors.json", time_vectors())
    write("instance_vectors.json", instance_vectors())
    write("leader_vectors.json", leader_vectors())
    write("operation_vectors.json", operation_vectors())
    write("firewall_vectors.json", firewall_vectors())


if __name__ == "__main__":
    main()
