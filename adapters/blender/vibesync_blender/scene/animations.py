"""Blender actions ⇄ animation records (content schema 4, CONTENT-V4 §5).

Reading follows Blender's bundled glTF exporter (io_scene_gltf2 3.4, read for this, no code copied):
gather_animations.py takes an object's active action and, from its NLA, every track with exactly one
unmuted strip (that strip's action), and the same for a mesh's shape-key datablock; each action is one
animation. gather_animation_sampler_keyframes.py writes a keyframe's time as ``frame / fps`` and, for
BEZIER keys, the tangents as the handle's slope times fps (the first in-tangent and the last
out-tangent zero); CONSTANT → STEP, LINEAR → LINEAR, BEZIER → CUBICSPLINE. A channel VibeSync cannot
state exactly is sampled at every frame of the action's range (LINEAR), as the exporter's baking does.

One action = one animation: its ID is the custom property ``vibesync_id`` on the Action; its channels
target the objects (or bones) whose active action or single-strip NLA tracks use it, and a shape-key
action gives ``weights`` channels on the mesh objects whose mesh uses that Key.

Values pass through the same conversions as records (protocol/convert.py, armatures.joint_local): an
object's channel values are its location / quaternion / scale converted like its record; a bone's
are its joint node's local transform in the pose the keys give, ``joint_local @ basis`` (K the bone
basis change). Both are affine in the keyed components, so keyframe values map one by one and a
tangent maps by the linear part alone: the keyed form stays exact. Anything else is sampled: Euler
or axis-angle rotation, components keyed at different frames or partly, F-curve modifiers, drivers,
interpolations glTF lacks (easing curves, BACK, ELASTIC…), BEZIER handles not at a third of their
segment, keyframes before frame 0, objects whose record is read through world matrices or a parent
inverse.

"Animated means synced as animation": a record of an animated object holds the value its curves give
at the scene's start frame (``basis``), and a shape key's weight too (``key_values``), whatever frame
Blender shows, so changing frames is never an edit.
"""

import math
import re

import bpy
import numpy as np
from mathutils import Euler, Matrix, Quaternion, Vector

from ..protocol import convert
from ..protocol.blobs import F32
from ..protocol.fields import is_valid_id
from ..protocol.model import Animation, AnimationChannel
from . import armatures

ACTION_PROP = "vibesync_id"
PATHS = {"location": "translation", "rotation_quaternion": "rotation", "rotation_euler": "rotation",
         "rotation_axis_angle": "rotation", "scale": "scale"}
WIDTHS = {"location": 3, "rotation_quaternion": 4, "rotation_euler": 3, "rotation_axis_angle": 4, "scale": 3}
PROPERTY = {"translation": "location", "rotation": "rotation_quaternion", "scale": "scale"}  # what the writer keys
TO_GLTF = {"LINEAR": "LINEAR", "CONSTANT": "STEP", "BEZIER": "CUBICSPLINE"}
TO_BLENDER = {v: k for k, v in TO_GLTF.items()}
THIRD_TOLERANCE = 1e-4  # a BEZIER handle within this share of its segment of a third: exactly a cubic in time
UNIT_TOLERANCE = 1e-3
SLERP_TOLERANCE = 1e-4  # a LINEAR quaternion segment keyed as glTF LINEAR only while slerp stays this close to Blender's lerp
_BONE = re.compile(r'^pose\.bones\["((?:[^"\\]|\\.)*)"\]\.(\w+)$')
_KEY = re.compile(r'^key_blocks\["((?:[^"\\]|\\.)*)"\]\.value$')


def action_id(action):
    value = action.get(ACTION_PROP) if action is not None else None
    return value if is_valid_id(value) else None


def frame_rate(scene):
    return scene.render.fps / scene.render.fps_base


def start_frame(scene):
    return float(scene.frame_start)


def _quoted(name):
    return name.replace("\\", "\\\\").replace('"', '\\"')


def _unquoted(text):
    return re.sub(r"\\(.)", r"\1", text)


def bone_path(bone_name, prop):
    return f'pose.bones["{_quoted(bone_name)}"].{prop}'


def key_path(key_name):
    return f'key_blocks["{_quoted(key_name)}"].value'


# ---- which actions are in use -------------------------------------------------------------------

def actions_of(animation_data):
    """The actions an animation data block plays as the exporter exports them: the active one, then
    each NLA track's strip when the track has exactly one unmuted strip with an action."""
    if animation_data is None:
        return []
    out = [animation_data.action] if animation_data.action is not None else []
    for track in animation_data.nla_tracks:
        strips = [s for s in track.strips if s.action is not None and not s.mute]
        if len(strips) == 1 and strips[0].action not in out:
            out.append(strips[0].action)
    return out


def shape_key_block(obj):
    """The Key datablock of a mesh object's mesh, or None."""
    if obj.type != "MESH" or obj.data is None:
        return None
    return obj.data.shape_keys


def uses(objects):
    """{action name: [(object, "OBJECT" | "KEY")]} over ``objects`` (synced objects)."""
    out = {}
    for obj in objects:
        for action in actions_of(obj.animation_data):
            out.setdefault(action.name, []).append((obj, "OBJECT"))
        key = shape_key_block(obj)
        if key is not None:
            for action in actions_of(key.animation_data):
                out.setdefault(action.name, []).append((obj, "KEY"))
    return out


# ---- values at the start frame -----------------------------------------------------------------

def _playing(animation_data):
    """The curves that set an ID's values: its active action's, else its NLA actions' (later tracks win)."""
    if animation_data is None:
        return {}
    curves = {}
    actions = [animation_data.action] if animation_data.action is not None else list(reversed(actions_of(animation_data)))
    for action in reversed(actions):
        for fc in action.fcurves:
            if not fc.mute:
                curves[(fc.data_path, fc.array_index)] = fc
    return curves


def driving(obj, path):
    """The name of the action whose curves set ``obj``'s own ``path`` (translation, rotation, scale), or None."""
    props = {"translation": ("location",), "rotation": ("rotation_quaternion", "rotation_euler", "rotation_axis_angle"),
             "scale": ("scale",)}[path]
    for action in actions_of(obj.animation_data):
        if any(fc.data_path in props and not fc.mute for fc in action.fcurves):
            return action.name
    return None


def is_animated(obj):
    ad = obj.animation_data
    return ad is not None and (ad.action is not None or len(ad.nla_tracks) > 0)


def basis(obj):
    """(location, rotation w-x-y-z, scale) of ``obj``'s own transform as its curves give them at the
    scene's start frame (the values Blender shows for properties no curve drives)."""
    loc, scale = list(obj.location), list(obj.scale)
    mode = obj.rotation_mode
    rot_prop = {"QUATERNION": "rotation_quaternion", "AXIS_ANGLE": "rotation_axis_angle"}.get(mode, "rotation_euler")
    rot = list(getattr(obj, rot_prop))
    curves = _playing(obj.animation_data)
    if curves:
        frame = start_frame(bpy.context.scene)
        for prop, values in (("location", loc), (rot_prop, rot), ("scale", scale)):
            for i in range(len(values)):
                fc = curves.get((prop, i))
                if fc is not None:
                    values[i] = fc.evaluate(frame)
    return tuple(loc), tuple(_quaternion(mode, rot)), tuple(scale)


def _quaternion(mode, values):
    """A rotation property's values in ``mode`` → a Blender quaternion (w, x, y, z)."""
    if mode == "QUATERNION":
        return Quaternion(values)
    if mode == "AXIS_ANGLE":
        angle, x, y, z = values
        return Quaternion((x, y, z), angle)
    return Euler(values, mode).to_quaternion()


def key_values(mesh, keys):
    """The shape keys' values at the scene's start frame (their current values where no curve drives them)."""
    curves = _playing(mesh.shape_keys.animation_data) if mesh.shape_keys is not None else {}
    frame = start_frame(bpy.context.scene)
    out = []
    for k in keys:
        fc = curves.get((key_path(k.name), 0))
        out.append(fc.evaluate(frame) if fc is not None else k.value)
    return out


# ---- value maps: Blender keyed components → canonical channel values ------------------------------

class TransformMap:
    """How keyed components of one transform become a record's canonical values: the Blender-space local
    transform is ``left @ basis @ right`` (``left`` rigid: identity for an object, its parent inverse
    when it has a rigid one; a bone's REST joint node for a bone, ``right`` = K), then converted as the
    record is (convert.*_from_blender with the view-axis flags). With ``left`` rigid, translation is
    affine (offset + turn · location), rotation linear (left · q · right) and scale a permutation, so
    keyframes map one by one and tangents through the linear part."""

    def __init__(self, left=None, right=None, pa=False, sa=False, unit_scale=1.0):
        left = left if left is not None else Matrix.Identity(4)
        self.offset = left.to_translation()
        self.turn = left.to_3x3()
        self.turn_inv = self.turn.inverted_safe()
        q = left.to_quaternion()
        self.q = (q.x, q.y, q.z, q.w)
        k = right.to_quaternion() if right is not None else Quaternion()
        self.k = (k.x, k.y, k.z, k.w)
        self.q_inv, self.k_inv = _conjugate(self.q), _conjugate(self.k)
        self.swap = right is not None  # K⁻¹ · diag(s) · K swaps a bone's Y and Z scale
        self.pa, self.sa, self.us = pa, sa, unit_scale

    @classmethod
    def for_joint(cls, bone, unit_scale):
        return cls(armatures.joint_local(bone) @ armatures.K_INV, armatures.K, False, False, unit_scale)

    def _perm(self, v):
        return (v[0], v[2], v[1]) if self.swap else tuple(v)

    def value(self, path, v, offset=True):
        if path == "translation":
            b = self.turn @ Vector(v)
            return convert.translation_from_blender(tuple(b + self.offset if offset else b), self.pa, self.us)
        if path == "rotation":
            w, x, y, z = v
            r = convert.qmul(convert.qmul(self.q, (x, y, z, w)), self.k)
            return convert.rotation_from_blender(r, self.pa, self.sa)
        return convert.scale_blender(self._perm(v), self.sa)

    def tangent(self, path, v):
        return self.value(path, v, offset=False)

    def inverse(self, path, c, offset=True):
        if path == "translation":
            b = Vector(convert.translation_to_blender(c, self.pa, self.us))
            return tuple(self.turn_inv @ (b - self.offset if offset else b))
        if path == "rotation":
            r = convert.rotation_to_blender(c, self.pa, self.sa)
            x, y, z, w = convert.qmul(convert.qmul(self.q_inv, r), self.k_inv)
            return (w, x, y, z)
        return self._perm(convert.scale_blender(c, self.sa))

    def inverse_tangent(self, path, c):
        return self.inverse(path, c, offset=False)


def _conjugate(q):
    x, y, z, w = q
    return (-x, -y, -z, w)


# ---- reading ---------------------------------------------------------------------------------------

class Channel:
    """A channel being read: (target uuid, path) and its sampler arrays, or why it was sampled."""

    def __init__(self, target, path, interpolation, times, values, sampled_because=None):
        self.target, self.path, self.interpolation = target, path, interpolation
        self.times, self.values, self.sampled_because = times, values, sampled_because


def _groups(action, rig):
    """{(bone name or None, property): {index: fcurve}} of an object action's transform curves."""
    out = {}
    for fc in action.fcurves:
        if fc.mute:
            continue
        bone, prop = None, fc.data_path
        m = _BONE.match(prop)
        if m is not None:
            if rig is None:
                continue
            bone, prop = _unquoted(m.group(1)), m.group(2)
        if prop in WIDTHS:
            out.setdefault((bone, prop), {})[fc.array_index] = fc
    return out


def _exact(curves, width):
    """(frames, Blender interpolation) when the curves state the channel exactly as glTF can, else
    (None, why not)."""
    if len(curves) != width or any(i not in curves for i in range(width)):
        return None, "its components are keyed in part"
    cs = [curves[i] for i in range(width)]
    if any(len(c.modifiers) for c in cs):
        return None, "an F-curve has modifiers"
    frames = [kp.co[0] for kp in cs[0].keyframe_points]
    if not frames:
        return None, "an F-curve has no keyframes"
    for c in cs[1:]:
        if [kp.co[0] for kp in c.keyframe_points] != frames:
            return None, "its components are keyed at different frames"
    if frames[0] < 0:
        return None, "it has keyframes before frame 0 (glTF times are not negative)"
    kinds = {kp.interpolation for c in cs for kp in list(c.keyframe_points)[:max(1, len(frames) - 1)]}
    if len(kinds) != 1 or next(iter(kinds)) not in TO_GLTF:
        return None, f"its interpolation ({', '.join(sorted(kinds))}) is not one glTF interpolation"
    kind = next(iter(kinds))
    if kind == "BEZIER":
        for c in cs:
            kps = c.keyframe_points
            for k in range(len(frames) - 1):
                d = frames[k + 1] - frames[k]
                right = kps[k].handle_right[0] - frames[k]
                left = frames[k + 1] - kps[k + 1].handle_left[0]
                if abs(right - d / 3) > THIRD_TOLERANCE * d or abs(left - d / 3) > THIRD_TOLERANCE * d:
                    return None, "its BEZIER handles are not at a third of their segments (not a cubic in time)"
    return frames, kind


def _slerp_gap(a, b):
    """How far Blender's LINEAR quaternion (components lerped, then normalized) departs from glTF's slerp
    between unit quaternions ``a`` and ``b``: the largest component difference at 15 points inside."""
    gap = 0.0
    for s in (i / 16 for i in range(1, 16)):
        lerped = Quaternion(tuple(x + (y - x) * s for x, y in zip(a, b))).normalized()
        slerped = a.slerp(b, s)
        if lerped.dot(slerped) < 0:
            slerped.negate()
        gap = max(gap, max(abs(x - y) for x, y in zip(lerped, slerped)))
    return gap


def _key_quaternion(cs, k):
    return Quaternion(tuple(c.keyframe_points[k].co[1] for c in cs)).normalized()


def _not_slerp(cs, frames):
    """Why LINEAR quaternion curves cannot be a glTF LINEAR rotation, or None: Blender lerps the
    components and normalizes, glTF slerps; the two agree at the keys and drift apart inside a segment
    as it turns further (1e-3 for a 1 rad turn), so a segment where they differ by more than
    SLERP_TOLERANCE in any component is sampled, as the exporter's baking does."""
    for k in range(len(frames) - 1):
        if _slerp_gap(_key_quaternion(cs, k), _key_quaternion(cs, k + 1)) > SLERP_TOLERANCE:
            return f"its LINEAR quaternion turns too far between frames {frames[k]:g} and {frames[k + 1]:g} " \
                   "(Blender lerps the components, glTF slerps)"
    return None


ON_SLERP_TOLERANCE = 1e-5  # a key this close to the slerp of its neighbours (float32 F-curves) was put there to follow it


def _on_slerp(q, t, a, ta, b, tb):
    s = (t - ta) / (tb - ta)
    on = a.slerp(b, s)
    if on.dot(q) < 0:
        on.negate()
    return max(abs(x - y) for x, y in zip(on, q)) <= ON_SLERP_TOLERANCE


def _steps(a, b):
    """The fewest equal steps on the slerp from ``a`` to ``b`` whose component lerps each stay within
    SLERP_TOLERANCE of it (1 for a narrow turn; a turn across hemispheres is not split)."""
    n = 1
    if a.dot(b) >= 0:
        while n < 64 and _slerp_gap(a, a.slerp(b, 1 / n)) > SLERP_TOLERANCE:
            n += 1
    return n


def slerp_keys(cs, frames):
    """The keys of LINEAR quaternion curves that state the rotation (indices). A run of keys that is
    exactly what ``slerp_steps`` writes for a wide segment — the fewest equal steps on the slerp between
    its ends, each key on it — reads back as that one segment, so a wide LINEAR rotation from another
    engine reads back as the record it came from (a channel Blender sampled per frame is no such run:
    its steps are more than the fewest)."""
    qs = [_key_quaternion(cs, k) for k in range(len(frames))]
    keep = [0]
    k = 0
    while k < len(frames) - 1:
        best, end = k + 1, k + 2
        while end < len(frames):
            span = frames[end] - frames[k]
            if not all(abs(frames[j] - frames[k] - span * (j - k) / (end - k)) <= 1e-3
                       and _on_slerp(qs[j], frames[j], qs[k], frames[k], qs[end], frames[end]) for j in range(k + 1, end)):
                break  # every shorter run of an inserted run is one too: a longer one cannot be
            if _steps(qs[k], qs[end]) == end - k:
                best = end
            end += 1
        keep.append(best)
        k = best
    return keep


def slerp_steps(times, values):
    """(times, values) of a LINEAR rotation (Blender-space (w, x, y, z) tuples) with keys inserted on the
    slerp of each segment where Blender's component lerp would depart from it by more than
    SLERP_TOLERANCE: the fewest equal steps that keep each within it (``_steps``). A segment whose ends lie
    in opposite hemispheres (dot < 0) is left as it is (glTF does not say which way such a slerp turns)."""
    out_t, out_v = [times[0]], [tuple(values[0])]
    for k in range(len(times) - 1):
        a, b = Quaternion(values[k]).normalized(), Quaternion(values[k + 1]).normalized()
        n = _steps(a, b)
        for i in range(1, n):
            out_t.append(times[k] + (times[k + 1] - times[k]) * i / n)
            out_v.append(tuple(a.slerp(b, i / n)))
        out_t.append(times[k + 1])
        out_v.append(tuple(values[k + 1]))
    return out_t, out_v


def _slope(kp, handle):
    dx = handle[0] - kp.co[0]
    return (handle[1] - kp.co[1]) / dx if dx != 0 else 0.0


def _keyed(target, path, mapper, cs, frames, kind, fps, keep=None):
    """The exact channel from keyframes (``cs`` the component curves in Blender order; ``keep`` the
    indices of the keys that state it, LINEAR only: all when None)."""
    n = len(frames)
    values = []
    zero = [0.0] * len(cs)
    if keep is not None:
        return Channel(target, path, TO_GLTF[kind], [frames[k] / fps for k in keep],
                       [mapper.value(path, tuple(c.keyframe_points[k].co[1] for c in cs)) for k in keep])
    for k in range(n):
        v = mapper.value(path, tuple(c.keyframe_points[k].co[1] for c in cs))
        if kind != "BEZIER":
            values.append(v)
            continue
        a = mapper.tangent(path, tuple(_slope(c.keyframe_points[k], c.keyframe_points[k].handle_left) * fps for c in cs)) \
            if k > 0 else mapper.tangent(path, tuple(zero))
        b = mapper.tangent(path, tuple(_slope(c.keyframe_points[k], c.keyframe_points[k].handle_right) * fps for c in cs)) \
            if k < n - 1 else mapper.tangent(path, tuple(zero))
        values += [a, v, b]
    return Channel(target, path, TO_GLTF[kind], [f / fps for f in frames], values)


def _sample_frames(action):
    start, end = action.frame_range
    first = max(0, int(math.floor(start)))
    return list(range(first, max(first, int(math.ceil(end))) + 1))


def _sampled(target, path, mapper, prop, mode, curves, defaults, action, fps, why, holder_of=None):
    """Every frame of the action's range, the curves evaluated (modifiers included), the components
    no curve drives at ``defaults`` (Blender order), rotation as unit quaternions on one hemisphere.
    ``holder_of`` (a driven property): the scene is evaluated at each frame instead, as the exporter's
    baking does, and the property read from the evaluated holder (``holder_of(depsgraph)``)."""
    frames = _sample_frames(action)
    values, previous = [], None
    shown = _evaluated(lambda d: getattr(holder_of(d), prop), frames) if holder_of is not None else None
    for n, f in enumerate(frames):
        v = shown[n] if shown is not None else [curves[i].evaluate(f) if i in curves else defaults[i] for i in range(len(defaults))]
        if path == "rotation":
            q = _quaternion(mode, v).normalized()
            if previous is not None and q.dot(previous) < 0:
                q.negate()
            previous = q
            v = tuple(q)
        values.append(mapper.value(path, tuple(v)))
    return Channel(target, path, "LINEAR", [f / fps for f in frames], values, why)


def _evaluated(read, frames):
    """``read(depsgraph)`` at each frame, the scene evaluated there (drivers need the whole depsgraph),
    then put back at the frame it showed."""
    scene = bpy.context.scene
    shown, subframe = scene.frame_current, scene.frame_subframe
    out = []
    try:
        for f in frames:
            scene.frame_set(f)
            out.append(list(read(bpy.context.evaluated_depsgraph_get())))
    finally:
        scene.frame_set(shown, subframe=subframe)
    return out


def _driven(owner, prop, bone=None):
    """Whether a driver sets ``prop`` (of the owner, or of its pose bone): drivers win over actions."""
    ad = owner.animation_data
    if ad is None or not len(ad.drivers):
        return False
    path = bone_path(bone, prop) if bone is not None else prop
    return any(d.data_path == path for d in ad.drivers)


def transform_channels(action, obj, mapper_of, fps, memo=None, side=None, prints=None):
    """The channels an object action gives ``obj`` and its bones: one per (target, path), the rotation
    that its rotation mode uses. ``memo`` (a dict kept per animation) holds each channel with what it
    was made of (``side``: the users' signature; its curves; the action's range), so editing one key
    reads one channel again, not the action. ``prints``: the curves' prints already taken, by (data path,
    index)."""
    rig = obj if obj.type == "ARMATURE" else None
    out = []
    for (bone, prop), curves in _groups(action, rig).items():
        key = None
        if memo is not None and side is not None and not _driven(obj, prop, bone):
            printed = prints if prints is not None else {}
            key = (side, tuple(action.frame_range), fps,
                   tuple(printed.get((curves[i].data_path, i)) or curve_print(curves[i]) for i in sorted(curves)))
            hit = memo.get((obj.name, bone, prop))
            if hit is not None and hit[0] == key:
                if hit[1] is not None:
                    out.append(hit[1])
                continue
        channel = _transform_channel(action, obj, mapper_of, fps, rig, bone, prop, curves)
        if channel is not None:
            out.append(channel)
        if key is not None:
            memo[(obj.name, bone, prop)] = (key, channel)
    return out


def _transform_channel(action, obj, mapper_of, fps, rig, bone, prop, curves):
    """One (target, path) channel of an object action's curves, keyed when exact, else sampled; None when
    Blender ignores the curves (a connected bone's location, another rotation mode's) or the target is
    not synced."""
    path = PATHS[prop]
    holder = rig.pose.bones.get(bone) if bone is not None else obj
    if holder is None or (prop == "location" and bone is not None and holder.bone.use_connect):
        return None  # a connected bone's location is ignored by Blender: it moves nothing
    mode = holder.rotation_mode
    if path == "rotation" and prop != {"QUATERNION": "rotation_quaternion", "AXIS_ANGLE": "rotation_axis_angle"}.get(mode, "rotation_euler"):
        return None  # curves of a rotation mode the bone or object does not use: Blender ignores them
    found = mapper_of(obj, bone)
    if found is None:
        return None
    target, mapper = found
    why = None
    if why is None and _driven(obj, prop, bone):
        why = "a driver sets it"
    if why is None and prop in ("rotation_euler", "rotation_axis_angle"):
        why = f"its rotation is {mode.replace('_', ' ').lower()} (not a quaternion)"
    frames = kind = None
    if why is None:
        frames, kind = _exact(curves, WIDTHS[prop])
        if frames is None:
            why = kind
    if why is None and path == "rotation":
        for k in range(len(frames)):
            if abs(math.sqrt(sum(curves[i].keyframe_points[k].co[1] ** 2 for i in range(4))) - 1) > UNIT_TOLERANCE:
                why = f"its quaternion at frame {frames[k]:g} is not unit"
                break
    keep = None
    if why is None and path == "rotation" and kind == "LINEAR":
        why = _not_slerp([curves[i] for i in range(4)], frames)
        if why is None:
            keep = slerp_keys([curves[i] for i in range(4)], frames)
    if why is None:
        return _keyed(target, path, mapper, [curves[i] for i in range(WIDTHS[prop])], frames, kind, fps, keep)
    holder_of = None
    if _driven(obj, prop, bone):
        def holder_of(depsgraph, name=obj.name, bone=bone):
            evaluated = bpy.data.objects[name].evaluated_get(depsgraph)
            return evaluated.pose.bones[bone] if bone is not None else evaluated
    return _sampled(target, path, mapper, prop, mode, curves, tuple(getattr(holder, prop)), action, fps, why, holder_of)


def weights_channel(action, obj, target, keys, fps):
    """The ``weights`` channel a shape-key action gives a mesh object (``keys`` its morph targets' keys
    in order), or None when the action drives none of them. Keys the action does not drive hold their
    current value at every keyframe (exact: constant under any interpolation)."""
    curves = {}
    for fc in action.fcurves:
        m = _KEY.match(fc.data_path)
        if m is not None and not fc.mute:
            curves[_unquoted(m.group(1))] = fc
    driven = [k.name for k in keys if k.name in curves]
    if not driven:
        return None
    why = None
    ad = obj.data.shape_keys.animation_data
    if ad is not None and any(_KEY.match(d.data_path) for d in ad.drivers):
        why = "a driver sets a shape key"
    frames = kind = None
    if why is None:
        cs = [curves[n] for n in driven]
        pseudo = {i: c for i, c in enumerate(cs)}
        frames, kind = _exact(pseudo, len(cs))
        if frames is None:
            why = kind
    if why is not None:
        frames = _sample_frames(action)
        if ad is not None and len(ad.drivers):  # Blender's values (a driver's too) read at each frame
            names, block = [k.name for k in keys], obj.data.shape_keys.name
            values = _evaluated(lambda d: [bpy.data.shape_keys[block].key_blocks[n].value for n in names], frames)
        else:
            values = [tuple(curves[k.name].evaluate(f) if k.name in curves else k.value for k in keys) for f in frames]
        flat = [(w,) for v in values for w in v]
        return Channel(target, "weights", "LINEAR", [f / fps for f in frames], flat, why)
    index_of = {n: i for i, n in enumerate(driven)}
    flat = []
    for k in range(len(frames)):
        def row(pick):
            return [(pick(curves[key.name].keyframe_points[k]) if key.name in index_of else 0.0,) for key in keys]
        value = [(curves[key.name].keyframe_points[k].co[1] if key.name in index_of else key.value,) for key in keys]
        if kind == "BEZIER":
            a = row(lambda kp: _slope(kp, kp.handle_left) * fps) if k > 0 else [(0.0,)] * len(keys)
            b = row(lambda kp: _slope(kp, kp.handle_right) * fps) if k < len(frames) - 1 else [(0.0,)] * len(keys)
            flat += a + value + b
        else:
            flat += value
    return Channel(target, "weights", TO_GLTF[kind], [f / fps for f in frames], flat)


def record(uid, action, channels, fps, sink, put_blob):
    """The animation record of ``channels`` (Channel), ordered by target then path; blobs into ``sink``."""
    out = []
    for c in sorted(channels, key=lambda c: (c.target, ("translation", "rotation", "scale", "weights").index(c.path))):
        times = put_blob(sink, F32, np.asarray(c.times, dtype=np.float32))
        values = put_blob(sink, F32, np.asarray(c.values, dtype=np.float32).reshape(len(c.values), -1))
        out.append(AnimationChannel(c.target, c.path, c.interpolation, times, values, c.sampled_because is not None))
    return Animation(uid, action.name, fps, tuple(out))


def signature(action, users, unit_scale, fps):
    """What an action's record is made of: its curves and keys, and each user's side of the maps (its
    rotation mode, parent inverse, reported parent, a rig's rest bones and their rotation modes), the
    unit scale, frame rate and start frame. Equal signatures, equal records (the reading cache)."""
    sides = []
    for obj, kind in users:
        side = (obj.name, kind, obj.rotation_mode, obj.parent.name if obj.parent else None, obj.parent_type,
                tuple(tuple(r) for r in obj.matrix_parent_inverse))
        if obj.type == "ARMATURE":
            bones = armatures.bones_of(obj)
            rest = np.zeros(len(bones) * 16, dtype=np.float32)
            if len(bones) and hasattr(bones[0], "matrix_local"):
                bones.foreach_get("matrix_local", rest)
            side += (rest.tobytes(), tuple((pb.name, pb.rotation_mode) for pb in obj.pose.bones))
        if kind == "KEY" and obj.data is not None and obj.data.shape_keys is not None:
            side += (tuple((k.name, k.value, k.mute) for k in obj.data.shape_keys.key_blocks),)
        sides.append(side)
    return (fingerprint(action), tuple(sides), unit_scale, fps, bpy.context.scene.frame_start)


def fingerprint(action):
    """What the record of an action is made of, on the action's side: its curves and their keys."""
    return (action.name, tuple(curve_print(fc) for fc in action.fcurves))


def curve_print(fc):
    """One F-curve's keys, handles, interpolations, mute and modifier count."""
    n = len(fc.keyframe_points)
    co = b""
    if n:
        kp = fc.keyframe_points
        a, b, c = np.empty(n * 2, dtype=np.float32), np.empty(n * 2, dtype=np.float32), np.empty(n * 2, dtype=np.float32)
        kp.foreach_get("co", a)
        kp.foreach_get("handle_left", b)
        kp.foreach_get("handle_right", c)
        co = np.concatenate([a, b, c]).tobytes()
    kinds = np.empty(n, dtype=np.int32)
    if n:
        fc.keyframe_points.foreach_get("interpolation", kinds)
    return (fc.data_path, fc.array_index, fc.mute, len(fc.modifiers), co, kinds.tobytes())


# ---- writing -----------------------------------------------------------------------------------------

def write_curves(action, data_paths, group, times, values, interpolation, fps, width):
    """F-curves for one channel: ``data_paths`` [(data path, index)] one per component (Blender order),
    ``values`` per keyframe a Blender-space tuple (CUBICSPLINE: (in-tangent, value, out-tangent)
    triples, tangents per second), keys at ``time × fps``; BEZIER handles at a third of each segment
    carrying the tangents (what reading turns back into the same tangents)."""
    kind = TO_BLENDER[interpolation]
    if kind == "LINEAR" and width == 4 and data_paths and data_paths[0][0].endswith("rotation_quaternion"):
        times, values = slerp_steps(times, values)  # Blender lerps quaternion components, glTF slerps
    frames = [t * fps for t in times]
    n = len(frames)
    made = []
    for i, (path, index) in enumerate(data_paths):
        fc = action.fcurves.new(path, index=index, action_group=group) if group else action.fcurves.new(path, index=index)
        fc.keyframe_points.add(n)
        for k, kp in enumerate(fc.keyframe_points):
            if kind == "BEZIER":
                a, v, b = values[3 * k][i], values[3 * k + 1][i], values[3 * k + 2][i]
            else:
                v = values[k][i]
            kp.co = (frames[k], v)
            kp.interpolation = kind
            if kind == "BEZIER":
                kp.handle_left_type = kp.handle_right_type = "FREE"
                before = (frames[k] - frames[k - 1]) / 3 if k > 0 else (frames[1] - frames[0]) / 3 if n > 1 else 1 / 3
                after = (frames[k + 1] - frames[k]) / 3 if k < n - 1 else before
                kp.handle_left = (frames[k] - before, v - a / fps * before)
                kp.handle_right = (frames[k] + after, v + b / fps * after)
        made.append(fc)
    return made


_KEY_FIELDS = ("co", "handle_left", "handle_right", "interpolation", "handle_left_type", "handle_right_type", "easing")


def snapshot_curve(fc):
    """An F-curve's state, to make it again exactly with ``restore_curve`` (its modifiers are not kept)."""
    return {"data_path": fc.data_path, "index": fc.array_index, "group": fc.group.name if fc.group else None,
            "extrapolation": fc.extrapolation, "mute": fc.mute,
            "keys": [tuple(tuple(v) if not isinstance(v, str) else v for v in (getattr(k, f) for f in _KEY_FIELDS))
                     for k in fc.keyframe_points]}


def restore_curve(action, state):
    fc = action.fcurves.new(state["data_path"], index=state["index"], action_group=state["group"] or "")
    fc.extrapolation, fc.mute = state["extrapolation"], state["mute"]
    fc.keyframe_points.add(len(state["keys"]))
    for kp, values in zip(fc.keyframe_points, state["keys"]):
        kp.handle_left_type = kp.handle_right_type = "FREE"  # set last: auto types would move the handles
        for f, v in zip(_KEY_FIELDS, values):
            if f not in ("handle_left_type", "handle_right_type"):
                setattr(kp, f, v)
        kp.handle_left_type, kp.handle_right_type = values[4], values[5]
    return fc
