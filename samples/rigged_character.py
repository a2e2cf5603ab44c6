"""A rigged, skinned, shape-keyed and animated character for checking armatures, skins, morph targets
and animations against Blender's own glTF exporter (issue #19 item 6).

    blender -b --factory-startup --python samples/rigged_character.py -- [--large] OUT.glb

builds the scene with plain bpy and exports it with the bundled exporter (rest pose, skins, shape keys
with their normals, animations). The in-Blender tests (adapters/blender/tests_in_blender/
test_armatures_gltf.py) import ``build`` and ``export`` and compare the exporter's file with
VibeSync's records.

The scene: an armature object "Rig" (moved and turned, so its world matrix matters) with several
bone hierarchies: a spine chain Hips → Spine → Chest → Neck → Head, two arms (Shoulder, UpperArm,
Forearm with a roll, Hand; .L and .R) under the chest, a tail of four bones under the hips, and a
second root bone "IK.L" that deforms nothing. A body mesh "Body" of about 6,000 vertices (ellipsoids
for torso, head, arms and tail, joined) parented to the rig with an Armature modifier; each vertex
weighted to its nearest bones (three, and six in a band of the chest, so 4-influence glTF loses
some), plus a vertex group no bone has. Shape keys: Basis, "Smile", "Blink" and "SmileWide" relative
to "Smile". A "Hat" mesh parented to the Head bone and an empty "Socket.L" parented to Hand.L. An
action "Wave" on the rig keying bones with LINEAR, CONSTANT and BEZIER keyframes, and an action
"Blinking" on the body's shape keys; NLA tracks on the rig ("Idle", one strip; "Steps", two strips the
exporter skips); an empty "Prop" playing "PropMove" (location BEZIER with handles at a third, rotation
LINEAR, scale CONSTANT with a driver on X).
"""

import math
import sys

import bmesh
import bpy
import numpy as np
from mathutils import Matrix, Vector

# (name, head, tail, parent, roll, deforms)
BONES = (
    ("Hips", (0, 0, 1.0), (0, 0, 1.15), None, 0.0, True),
    ("Spine", (0, 0, 1.15), (0, 0.02, 1.35), "Hips", 0.0, True),
    ("Chest", (0, 0.02, 1.35), (0, 0, 1.55), "Spine", 0.0, True),
    ("Neck", (0, 0, 1.55), (0, -0.02, 1.68), "Chest", 0.0, True),
    ("Head", (0, -0.02, 1.68), (0, -0.02, 1.95), "Neck", 0.0, True),
    ("Shoulder.L", (0.05, 0, 1.5), (0.2, 0.02, 1.52), "Chest", 0.1, True),
    ("UpperArm.L", (0.2, 0.02, 1.52), (0.47, 0.04, 1.45), "Shoulder.L", 0.0, True),
    ("Forearm.L", (0.47, 0.04, 1.45), (0.72, 0.0, 1.4), "UpperArm.L", 0.6, True),
    ("Hand.L", (0.72, 0.0, 1.4), (0.84, -0.01, 1.38), "Forearm.L", 0.6, True),
    ("Shoulder.R", (-0.05, 0, 1.5), (-0.2, 0.02, 1.52), "Chest", -0.1, True),
    ("UpperArm.R", (-0.2, 0.02, 1.52), (-0.47, 0.04, 1.45), "Shoulder.R", 0.0, True),
    ("Forearm.R", (-0.47, 0.04, 1.45), (-0.72, 0.0, 1.4), "UpperArm.R", -0.6, True),
    ("Hand.R", (-0.72, 0.0, 1.4), (-0.84, -0.01, 1.38), "Forearm.R", -0.6, True),
    ("Tail1", (0, 0.12, 1.0), (0, 0.32, 0.93), "Hips", 0.0, True),
    ("Tail2", (0, 0.32, 0.93), (0, 0.52, 0.85), "Tail1", 0.0, True),
    ("Tail3", (0, 0.52, 0.85), (0, 0.7, 0.8), "Tail2", 0.2, True),
    ("Tail4", (0, 0.7, 0.8), (0, 0.86, 0.8), "Tail3", 0.2, True),
    ("IK.L", (0.84, 0.3, 1.38), (0.84, 0.45, 1.38), None, 0.0, False),
)

# (centre, radii, u segments, v segments): the body's parts, ellipsoids in the rig's space
PARTS = (
    ((0, 0.01, 1.28), (0.2, 0.14, 0.32), 64, 32),    # torso
    ((0, -0.02, 1.8), (0.11, 0.12, 0.15), 40, 20),   # head
    ((0.46, 0.02, 1.46), (0.4, 0.06, 0.06), 48, 16),  # left arm
    ((-0.46, 0.02, 1.46), (0.4, 0.06, 0.06), 48, 16),  # right arm
    ((0, 0.48, 0.9), (0.05, 0.4, 0.06), 48, 16),     # tail
)
RIG_MATRIX = Matrix.LocRotScale(Vector((0.5, -0.25, 0.0)), Matrix.Rotation(math.radians(15), 3, "Z").to_quaternion(),
                                Vector((1.0, 1.0, 1.0)))
WIDE_BAND = (1.32, 1.42)  # vertices of the chest at these heights get six influences
UNRELATED = "Unrelated"  # a vertex group no bone has (the exporter ignores it)


def _link(name, data):
    obj = bpy.data.objects.new(name, data)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _armature():
    data = bpy.data.armatures.new("Rig")
    rig = _link("Rig", data)
    rig.matrix_world = RIG_MATRIX
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    made = {}
    for name, head, tail, parent, roll, deforms in BONES:
        b = data.edit_bones.new(name)
        b.head, b.tail, b.roll = head, tail, roll
        b.use_deform = deforms
        if parent is not None:
            b.parent = made[parent]
            b.use_connect = tuple(made[parent].tail) == tuple(b.head)
        made[name] = b
    bpy.ops.object.mode_set(mode="OBJECT")
    return rig


def _body():
    bm = bmesh.new()
    uv = bm.loops.layers.uv.new("UVMap")
    for centre, radii, u, v in PARTS:
        matrix = Matrix.Translation(centre) @ Matrix.Diagonal((*radii, 1.0))
        bmesh.ops.create_uvsphere(bm, u_segments=u, v_segments=v, radius=1.0, matrix=matrix, calc_uvs=True)
    mesh = bpy.data.meshes.new("Body")
    bm.to_mesh(mesh)
    bm.free()
    for p in mesh.polygons:
        p.use_smooth = True
    return mesh, uv


def _segment_distances(co, bones):
    """(vertices, bones) distances from each vertex to each bone's segment (armature space)."""
    out = np.empty((len(co), len(bones)), dtype=np.float64)
    for j, (head, tail) in enumerate(bones):
        h, t = np.asarray(head), np.asarray(tail)
        d = t - h
        s = np.clip(((co - h) @ d) / (d @ d), 0.0, 1.0)
        out[:, j] = np.linalg.norm(co - (h + s[:, None] * d), axis=1)
    return out


def _weights(body, rig):
    """Vertex groups by distance to the deform bones: three influences each, six in a chest band."""
    mesh = body.data
    co = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3)
    deform = [b for b in rig.data.bones if b.use_deform]
    distances = _segment_distances(co, [(tuple(b.head_local), tuple(b.tail_local)) for b in deform])
    strength = 1.0 / (distances + 0.02) ** 3
    groups = [body.vertex_groups.new(name=b.name) for b in deform]
    order = np.argsort(-strength, axis=1)
    wide = (co[:, 2] > WIDE_BAND[0]) & (co[:, 2] < WIDE_BAND[1]) & (np.abs(co[:, 0]) < 0.2)
    for i in range(len(co)):
        keep = order[i, :6 if wide[i] else 3]
        total = strength[i, keep].sum() * 1.25  # summing to 0.8, not 1: the exporter normalizes
        for j in keep:
            groups[j].add([i], float(strength[i, j] / total), "REPLACE")
    unrelated = body.vertex_groups.new(name=UNRELATED)
    unrelated.add(list(range(0, len(co), 7)), 1.0, "REPLACE")


def _shape_keys(body):
    mesh = body.data
    body.shape_key_add(name="Basis")
    co = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
    mesh.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3)
    face = (co[:, 2] > 1.7) & (co[:, 1] < -0.05)  # the front of the head

    def key(name, offset, relative=None):
        k = body.shape_key_add(name=name, from_mix=False)
        moved = co.copy()
        moved[face] += offset(co[face])
        if relative is not None:
            k.relative_key = relative
            base = np.empty(len(co) * 3, dtype=np.float32)
            relative.data.foreach_get("co", base)
            moved = base.reshape(-1, 3) + (moved - co)
        k.data.foreach_set("co", moved.ravel())
        return k

    smile = key("Smile", lambda p: np.stack([p[:, 0] * 0.15, -0.01 * np.ones(len(p)), 0.02 * np.abs(p[:, 0]) * 5], 1))
    blink = key("Blink", lambda p: np.stack([np.zeros(len(p)), np.zeros(len(p)), -0.01 * (p[:, 2] > 1.82)], 1))
    wide = key("SmileWide", lambda p: np.stack([p[:, 0] * 0.3, np.zeros(len(p)), np.zeros(len(p))], 1), relative=smile)
    smile.value, blink.value, wide.value = 0.3, 0.0, 0.5


def _bone_child(name, data, rig, bone, world):
    obj = _link(name, data)
    obj.parent = rig
    obj.parent_type = "BONE"
    obj.parent_bone = bone
    bpy.context.view_layer.update()
    obj.matrix_world = world
    return obj


def _key(fcurves, path, index, frames, interpolation, group):
    fc = fcurves.new(path, index=index, action_group=group) if group else fcurves.new(path, index=index)
    fc.keyframe_points.add(len(frames))
    for point, (frame, value) in zip(fc.keyframe_points, frames):
        point.co = (frame, value)
        point.interpolation = interpolation
    fc.update()
    return fc


def _actions(rig, body):
    wave = bpy.data.actions.new("Wave")
    rig.animation_data_create().action = wave
    f = wave.fcurves
    for bone in ("UpperArm.L", "Forearm.L"):
        for pb in [rig.pose.bones[bone]]:
            pb.rotation_mode = "QUATERNION"
        base = f'pose.bones["{bone}"].rotation_quaternion'
        angles = (0.0, 0.6, -0.3, 0.0)
        for i in range(4):
            _key(f, base, i, [(1 + 10 * k, math.cos(a / 2) if i == 0 else (math.sin(a / 2) if i == 1 else 0.0))
                              for k, a in enumerate(angles)], "BEZIER", bone)
    for i in range(4):  # the chest turns linearly
        _key(f, 'pose.bones["Chest"].rotation_quaternion', i,
             [(1 + 15 * k, (math.cos(a / 2), 0.0, 0.0, math.sin(a / 2))[i]) for k, a in enumerate((0.0, 0.3, 0.0))],
             "LINEAR", "Chest")
    for i in range(3):  # the tail jumps
        _key(f, 'pose.bones["Tail1"].location', i, [(1, 0.0), (11, 0.02 * (i + 1)), (21, 0.0)], "CONSTANT", "Tail1")
    _key(f, 'pose.bones["Hips"].location', 2, [(1, 0.0), (16, 0.05), (31, 0.0)], "LINEAR", "Hips")

    blinking = bpy.data.actions.new("Blinking")
    keys = body.data.shape_keys
    keys.animation_data_create().action = blinking
    _key(blinking.fcurves, 'key_blocks["Blink"].value', 0, [(1, 0.0), (5, 1.0), (9, 0.0)], "LINEAR", None)


def _third_handles(fc, slopes):
    """FREE handles at a third of each segment carrying ``slopes`` (value per frame): a cubic in time,
    which glTF's CUBICSPLINE states exactly (what the glTF importer writes, and VibeSync's writer)."""
    kps = fc.keyframe_points
    for k, (kp, slope) in enumerate(zip(kps, slopes)):
        x, y = kp.co
        before = (x - kps[k - 1].co[0]) / 3 if k > 0 else (kps[1].co[0] - x) / 3
        after = (kps[k + 1].co[0] - x) / 3 if k < len(kps) - 1 else before
        kp.handle_left_type = kp.handle_right_type = "FREE"
        kp.handle_left = (x - before, y - slope * before)
        kp.handle_right = (x + after, y + slope * after)


def _prop_and_nla(rig):
    """An empty "Prop" playing "PropMove": location BEZIER with handles at a third (CUBICSPLINE), rotation
    LINEAR, scale CONSTANT whose X a driver sets (so sampled). On the rig's NLA: a track playing "Idle"
    (one strip: exported, a Head turn) and a track of two strips "Step1"/"Step2" (skipped, as the exporter
    skips tracks of several strips)."""
    prop = _link("Prop", None)
    prop.location = (1.0, 0.5, 0.2)
    prop.rotation_mode = "QUATERNION"
    move = bpy.data.actions.new("PropMove")
    prop.animation_data_create().action = move
    for i in range(3):
        fc = _key(move.fcurves, "location", i, [(1, 1.0 + i), (9, 1.5 + 0.3 * i), (25, 0.5 - 0.1 * i)], "BEZIER", "Object Transforms")
        _third_handles(fc, (0.0, 0.02 * (i + 1), -0.01))
    angles = (0.0, 1.0, 2.0)
    for i in range(4):
        _key(move.fcurves, "rotation_quaternion", i,
             [(1 + 12 * k, (math.cos(a / 2), 0.0, 0.0, math.sin(a / 2))[i]) for k, a in enumerate(angles)], "LINEAR",
             "Object Transforms")
    for i in range(3):
        _key(move.fcurves, "scale", i, [(1, 1.0), (13, 1.5)], "CONSTANT", "Object Transforms")
    driver = prop.driver_add("scale", 0).driver
    driver.type = "SCRIPTED"
    driver.expression = "1 + frame / 50"

    def track(name, actions):
        t = rig.animation_data.nla_tracks.new()
        t.name = name
        start = 1
        for a in actions:
            t.strips.new(a.name, start, a)
            start += 40
        return t
    idle = bpy.data.actions.new("Idle")
    for i in range(4):
        _key(idle.fcurves, 'pose.bones["Head"].rotation_quaternion', i,
             [(1 + 20 * k, (math.cos(a / 2), 0.0, math.sin(a / 2), 0.0)[i]) for k, a in enumerate((0.0, 0.4))], "LINEAR", "Head")
    track("IdleTrack", [idle])
    steps = []
    for n in (1, 2):
        a = bpy.data.actions.new(f"Step{n}")
        _key(a.fcurves, 'pose.bones["Neck"].location', 0, [(1, 0.0), (10, 0.01 * n)], "LINEAR", "Neck")
        steps.append(a)
    track("Steps", steps)
    return prop


def build():
    """Empties the file and builds the scene; returns {name: object}."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end, scene.render.fps = 1, 31, 24
    rig = _armature()
    mesh, _ = _body()
    body = _link("Body", mesh)
    body.parent = rig
    body.modifiers.new("Armature", "ARMATURE").object = rig
    _weights(body, rig)
    _shape_keys(body)
    hat_mesh = bpy.data.meshes.new("Hat")
    bm = bmesh.new()
    bmesh.ops.create_cone(bm, cap_ends=True, cap_tris=True, segments=24, radius1=0.12, radius2=0.0, depth=0.15)
    bm.to_mesh(hat_mesh)
    bm.free()
    bpy.context.view_layer.update()
    head_top = rig.matrix_world @ rig.data.bones["Head"].tail_local
    hat = _bone_child("Hat", hat_mesh, rig, "Head", Matrix.Translation(head_top + Vector((0, 0, 0.05))))
    hand = rig.matrix_world @ rig.data.bones["Hand.L"].tail_local
    socket = _bone_child("Socket.L", None, rig, "Hand.L",
                         Matrix.Translation(hand) @ Matrix.Rotation(math.radians(30), 4, "Y"))
    _actions(rig, body)
    prop = _prop_and_nla(rig)
    scene.frame_set(1)
    return {"Rig": rig, "Body": body, "Hat": hat, "Socket.L": socket, "Prop": prop}


def build_large(bones=60, segments=(26, 14), frames=250):
    """The benchmark's character (issue #19: a 60-bone rig skinning ~20,000 vertices with a 250-frame
    action): a trunk of 12 bones up Z and four limbs of 12 bones branching from it; an ellipsoid of
    ``segments`` per bone (60 × 340 = 20,400 vertices), each vertex weighted to its 3 nearest bones; a
    shape key "Bulge" animated by "Breathe" and one "Flex" not animated; the action "Dance" keying every bone's rotation every 10
    frames over ``frames`` frames (LINEAR and BEZIER bones alternating) and the root's location.
    Empties the file first; returns {name: object}."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end, scene.render.fps = 1, frames, 24
    data = bpy.data.armatures.new("BigRig")
    rig = _link("BigRig", data)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    trunk = 12
    limb = (bones - trunk) // 4
    made = []
    for i in range(trunk):
        b = data.edit_bones.new(f"Trunk{i:02d}")
        b.head, b.tail = (0, 0, 0.15 * i), (0, 0, 0.15 * (i + 1))
        if made:
            b.parent, b.use_connect = made[-1], True
        made.append(b)
    for arm, (dx, dy) in enumerate(((1, 0), (-1, 0), (0, 1), (0, -1))):
        parent = made[3 + 2 * arm]
        start = parent.tail.copy()
        for i in range(limb):
            b = data.edit_bones.new(f"Limb{arm}.{i:02d}")
            b.head = (start.x + dx * 0.12 * i, start.y + dy * 0.12 * i, start.z)
            b.tail = (start.x + dx * 0.12 * (i + 1), start.y + dy * 0.12 * (i + 1), start.z)
            b.parent = parent
            b.use_connect = i > 0
            parent = b
            made.append(b)
    bpy.ops.object.mode_set(mode="OBJECT")
    bm = bmesh.new()
    u, v = segments
    for b in rig.data.bones:
        centre = (b.head_local + b.tail_local) / 2
        axis = (b.tail_local - b.head_local).normalized()
        turn = axis.to_track_quat("Z", "Y").to_matrix().to_4x4()
        matrix = Matrix.Translation(centre) @ turn @ Matrix.Diagonal((0.05, 0.05, 0.09, 1.0))
        bmesh.ops.create_uvsphere(bm, u_segments=u, v_segments=v, radius=1.0, matrix=matrix, calc_uvs=True)
    mesh = bpy.data.meshes.new("BigBody")
    bm.to_mesh(mesh)
    bm.free()
    body = _link("BigBody", mesh)
    body.parent = rig
    body.modifiers.new("Armature", "ARMATURE").object = rig
    co = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3)
    bone_list = list(rig.data.bones)
    near = np.argsort(_segment_distances(co, [(tuple(b.head_local), tuple(b.tail_local)) for b in bone_list]), axis=1)[:, :3]
    groups = [body.vertex_groups.new(name=b.name) for b in bone_list]
    for j, g in enumerate(groups):
        for rank, weight in enumerate((0.6, 0.3, 0.1)):
            g.add(np.nonzero(near[:, rank] == j)[0].tolist(), weight, "REPLACE")
    body.shape_key_add(name="Basis")
    bulge = body.shape_key_add(name="Bulge", from_mix=False)
    bulge.data.foreach_set("co", (co * 1.05).astype(np.float32).ravel())
    flex = body.shape_key_add(name="Flex", from_mix=False)  # not animated: a slider a human drags
    flex.data.foreach_set("co", (co * np.array([1.03, 1.0, 1.0])).astype(np.float32).ravel())
    breathe = bpy.data.actions.new("Breathe")
    mesh.shape_keys.animation_data_create().action = breathe
    _key(breathe.fcurves, 'key_blocks["Bulge"].value', 0, [(1 + 50 * k, (0.0, 1.0)[k % 2]) for k in range(frames // 50 + 1)],
         "LINEAR", None)
    dance = bpy.data.actions.new("Dance")
    rig.animation_data_create().action = dance
    keys = range(1, frames + 1, 10)
    for n, pb in enumerate(rig.pose.bones):
        pb.rotation_mode = "QUATERNION"
        kind = "LINEAR" if n % 2 else "BEZIER"
        for i in range(4):
            values = []
            for k, f in enumerate(keys):
                a = 0.3 * math.sin(0.4 * k + n)
                values.append((f, (math.cos(a / 2), math.sin(a / 2), 0.0, 0.0)[i]))
            _key(dance.fcurves, f'pose.bones["{pb.name}"].rotation_quaternion', i, values, kind, pb.name)
    for i in range(3):
        _key(dance.fcurves, f'pose.bones["{bone_list[0].name}"].location', i,
             [(f, 0.05 * math.sin(0.3 * k) * (i == 2)) for k, f in enumerate(keys)], "LINEAR", bone_list[0].name)
    scene.frame_set(1)
    return {"BigRig": rig, "BigBody": body}


def export(path):
    """The scene as a GLB by Blender's own exporter: rest pose, skins, shape keys with normals,
    animations (the exporter's defaults), Y up, no modifiers applied (so shape keys export)."""
    bpy.ops.export_scene.gltf(filepath=path, export_format="GLB", export_apply=False, export_yup=True,
                              export_normals=True, export_texcoords=True, export_tangents=False, export_skins=True,
                              export_morph=True, export_morph_normal=True, export_animations=True,
                              export_materials="EXPORT", export_extras=False, use_selection=False)


if __name__ == "__main__":
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    large = "--large" in argv
    argv = [a for a in argv if a != "--large"]
    made = build_large() if large else build()
    body, rig = (made["BigBody"], made["BigRig"]) if large else (made["Body"], made["Rig"])
    print(f"{len(body.data.vertices)} vertices, {len(rig.data.bones)} bones")
    if argv:
        export(argv[0])
        print(f"wrote {argv[0]}")
