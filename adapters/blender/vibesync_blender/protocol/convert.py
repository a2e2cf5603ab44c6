"""Conversions between Blender-native, canonical (glTF) and Unity-native values (docs/protocol.md §7).

An object's local transform maps its own coordinates into its parent's, so converting it takes the
parent's frame map on the left and its own on the right:
L_canonical = N_parent · L_blender · N_self⁻¹ and L_unity = Q_parent · L_canonical · Q_self⁻¹.
Cameras and lights differ only in their frame maps. Everything is an exact permutation or negation
except Blender cameras/lights and their children, which need a 90° rotation (products with M).
Quaternions are (x, y, z, w) here whatever the engine's order.
"""

import struct
from dataclasses import replace

from .model import Scene

SQRT1_2 = 0.7071067811865476           # the double nearest √½ (the spec's s)
S = SQRT1_2
M = (-SQRT1_2, 0.0, 0.0, SQRT1_2)       # −90° about X: the Blender→canonical basis change
M_INV = (SQRT1_2, 0.0, 0.0, SQRT1_2)
Y180 = (0.0, 1.0, 0.0, 0.0)             # 180° about Y
Y180_INV = (0.0, -1.0, 0.0, 0.0)

SPACES = ("blender", "unity", "canonical")


def qmul(a, b):
    """Hamilton product a · b, term by term left to right exactly as docs/protocol.md writes it."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def _times(v, k):
    return tuple(c * k for c in v)


def _divided(v, k):
    return tuple(c / k for c in v)


# ---- Blender ⇄ canonical -----------------------------------------------------------------

def translation_from_blender(t, parent_has_view_axis, unit_scale):
    v = t if parent_has_view_axis else (t[0], t[2], -t[1])
    return _times(v, unit_scale)


def translation_to_blender(t, parent_has_view_axis, unit_scale):
    v = _divided(t, unit_scale)
    return v if parent_has_view_axis else (v[0], -v[2], v[1])


def rotation_from_blender(b, parent_has_view_axis, self_has_view_axis):
    """Blender rotation (as x, y, z, w) → canonical (x, y, z, w)."""
    c = (b[0], b[2], -b[1], b[3])
    if parent_has_view_axis:
        c = qmul(M_INV, c)
    if self_has_view_axis:
        c = qmul(c, M)
    return c


def rotation_to_blender(c, parent_has_view_axis, self_has_view_axis):
    if parent_has_view_axis:
        c = qmul(M, c)
    if self_has_view_axis:
        c = qmul(c, M_INV)
    return (c[0], -c[2], c[1], c[3])


def scale_blender(s, self_has_view_axis):
    """Blender ⇄ canonical local scale (its own inverse)."""
    return s if self_has_view_axis else (s[0], s[2], s[1])


def position_from_blender(p, unit_scale):
    return _times((p[0], p[2], -p[1]), unit_scale)


def position_to_blender(p, unit_scale):
    v = _divided(p, unit_scale)
    return (v[0], -v[2], v[1])


# ---- canonical ⇄ Unity (exact) ------------------------------------------------------------

def translation_unity(t, parent_has_view_axis):
    """canonical ⇄ Unity local translation (its own inverse)."""
    return (t[0], t[1], -t[2]) if parent_has_view_axis else (-t[0], t[1], t[2])


def rotation_to_unity(c, parent_has_view_axis, self_has_view_axis):
    u = (c[0], -c[1], -c[2], c[3])
    if parent_has_view_axis:
        u = qmul(Y180, u)
    if self_has_view_axis:
        u = qmul(u, Y180)
    return u


def rotation_from_unity(u, parent_has_view_axis, self_has_view_axis):
    if parent_has_view_axis:
        u = qmul(Y180_INV, u)
    if self_has_view_axis:
        u = qmul(u, Y180_INV)
    return (u[0], -u[1], -u[2], u[3])


def position_unity(p):
    return (-p[0], p[1], p[2])


# ---- whole scenes -------------------------------------------------------------------------

def to_canonical(scene, space, unit_scale=1.0):
    """A scene whose values are in ``space`` → canonical."""
    if space == "canonical":
        return scene
    return _convert(scene, space, True, unit_scale)


def from_canonical(scene, space, unit_scale=1.0):
    """A canonical scene → ``space``."""
    if space == "canonical":
        return scene
    return _convert(scene, space, False, unit_scale)


def _convert(scene, space, to_canonical_, unit_scale):
    if space not in ("blender", "unity"):
        raise ValueError(f"unknown space {space!r}")
    blender = space == "blender"
    if blender and not (unit_scale > 0 and unit_scale != float("inf")):
        raise ValueError("unit scale must be a positive finite number")
    view_axis = {o.uuid: o.has_view_axis for o in scene.objects}
    objects = []
    for o in scene.objects:
        if o.parent is not None and o.parent not in view_axis:
            raise ValueError(f"object {o.uuid}: parent {o.parent} is not in the scene")
        pa = view_axis.get(o.parent, False) if o.parent is not None else False
        sa = o.has_view_axis
        if blender:
            if to_canonical_:
                t = translation_from_blender(o.translation, pa, unit_scale)
                r = rotation_from_blender(o.rotation, pa, sa)
            else:
                t = translation_to_blender(o.translation, pa, unit_scale)
                r = rotation_to_blender(o.rotation, pa, sa)
            objects.append(replace(o, translation=t, rotation=r, scale=scale_blender(o.scale, sa)))
        else:
            r = rotation_from_unity(o.rotation, pa, sa) if to_canonical_ else rotation_to_unity(o.rotation, pa, sa)
            objects.append(replace(o, translation=translation_unity(o.translation, pa), rotation=r))
    # mesh records name canonical blobs in every space: engines convert blob contents (below)
    return replace(scene, objects=tuple(objects))


# ---- engine storage (§7.2) ----------------------------------------------------------------

_F32 = struct.Struct("<f")


def f32(v):
    """The nearest float32 (ties to even), as a Python float. Out of range → ±inf, like a C# cast."""
    try:
        return _F32.unpack(_F32.pack(v))[0]
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


def round_to_float32(scene):
    def v(t):
        return tuple(f32(c) for c in t)
    def camera(c):
        return None if c is None else replace(c, yfov=f32(c.yfov), aspect=f32(c.aspect), xmag=f32(c.xmag),
                                              ymag=f32(c.ymag), znear=f32(c.znear), zfar=f32(c.zfar))

    def light(li):
        return None if li is None else replace(li, color=v(li.color), intensity=f32(li.intensity),
                                               range=None if li.range is None else f32(li.range),
                                               inner_cone=f32(li.inner_cone), outer_cone=f32(li.outer_cone))

    def textures(t):
        return {k: replace(b, offset=v(b.offset), rotation=f32(b.rotation), scale=v(b.scale)) for k, b in t.items()}

    objects = tuple(replace(o, translation=v(o.translation), rotation=v(o.rotation), scale=v(o.scale),
                            camera=camera(o.camera), light=light(o.light)) for o in scene.objects)
    materials = tuple(replace(m, base_color=v(m.base_color), metallic=f32(m.metallic), roughness=f32(m.roughness),
                              emission=v(m.emission), emissive_strength=f32(m.emissive_strength),
                              alpha_cutoff=f32(m.alpha_cutoff), normal_scale=f32(m.normal_scale),
                              occlusion_strength=f32(m.occlusion_strength), textures=textures(m.textures))
                      for m in scene.materials)
    # mesh blobs already are float32; image records hold integers and a blob id
    return replace(scene, objects=objects, materials=materials)


def stored_as(scene, engine, unit_scale=1.0):
    """canonical → engine native → float32 → canonical: what the engine will report."""
    return to_canonical(round_to_float32(from_canonical(scene, engine, unit_scale)), engine, unit_scale)


# ---- mesh blob contents (docs/protocol.md §7.3) ------------------------------------------------
# Blob names are of canonical arrays; an engine converts contents locally. Every map is a
# permutation or negation (exact) except Blender's unit scale: multiplied in double, rounded once to
# float32, exactly as C# MeshConversions does. ``values`` is a flat float32 sequence: a numpy array
# (vectorized, returned as a new float32 array) or anything else (returned as array.array("f")).

def _directions_from_blender(v, stride):
    out = list(v)
    for i in range(0, len(out) - 2, stride):
        out[i + 1], out[i + 2] = out[i + 2], -out[i + 1]
    return out


def _directions_to_blender(v, stride):
    out = list(v)
    for i in range(0, len(out) - 2, stride):
        out[i + 1], out[i + 2] = -out[i + 2], out[i + 1]
    return out


def _scaled(values, unit_scale, divide):
    if unit_scale == 1.0:
        return values
    return [f32(x / unit_scale) if divide else f32(x * unit_scale) for x in values]


def _attribute_to_canonical(semantic, v, stride, space, unit_scale):
    if semantic == "POSITION":
        if space == "blender":
            return _scaled(_directions_from_blender(v, 3), unit_scale, divide=False)
        return [-x if i % 3 == 0 else x for i, x in enumerate(v)]
    if semantic in ("NORMAL", "TANGENT"):
        if space == "blender":
            return _directions_from_blender(v, stride)
        return _unity_direction(v, stride)
    return list(v)


def _attribute_from_canonical(semantic, v, stride, space, unit_scale):
    if semantic == "POSITION":
        if space == "blender":
            return _directions_to_blender(_scaled(v, unit_scale, divide=True), 3)
        return [-x if i % 3 == 0 else x for i, x in enumerate(v)]
    if semantic in ("NORMAL", "TANGENT"):
        if space == "blender":
            return _directions_to_blender(v, stride)
        return _unity_direction(v, stride)
    return list(v)


def _unity_direction(v, stride):
    """NORMAL (−x, y, z); TANGENT (−x, y, z, −w): its own inverse."""
    return [-x if i % stride == 0 or (stride == 4 and i % 4 == 3) else x for i, x in enumerate(v)]


def _numpy_attribute(semantic, values, stride, src, dst, unit_scale):
    import numpy as np
    a = np.array(values, dtype=np.float32).reshape(-1, stride)
    for space, to_canonical_ in ((src, True), (dst, False)):
        if space == "canonical":
            continue
        if space == "unity":
            if semantic in ("POSITION", "NORMAL", "TANGENT"):
                a[:, 0] = -a[:, 0]
            if semantic == "TANGENT":
                a[:, 3] = -a[:, 3]
            continue
        if semantic not in ("POSITION", "NORMAL", "TANGENT"):
            continue
        y, z = a[:, 1].copy(), a[:, 2].copy()
        if to_canonical_:
            a[:, 1], a[:, 2] = z, -y
            if semantic == "POSITION" and unit_scale != 1.0:
                a[:, :3] = (a[:, :3].astype(np.float64) * unit_scale).astype(np.float32)
        else:
            if semantic == "POSITION" and unit_scale != 1.0:
                y = (y.astype(np.float64) / unit_scale).astype(np.float32)
                z = (z.astype(np.float64) / unit_scale).astype(np.float32)
                a[:, 0] = (a[:, 0].astype(np.float64) / unit_scale).astype(np.float32)
            a[:, 1], a[:, 2] = -z, y
    return a.reshape(-1)


def mesh_attribute(semantic, values, src, dst, unit_scale=1.0):
    """The float blob contents of ``semantic`` converted from ``src`` to ``dst`` space (through canonical).
    TEXCOORD_k and COLOR_0 never change."""
    from .model import components
    stride = components(semantic)
    if not stride:
        raise ValueError(f"\"{semantic}\" is not a mesh attribute semantic")
    for space in (src, dst):
        if space not in SPACES:
            raise ValueError(f"unknown space {space!r}")
    if type(values).__module__ == "numpy":
        return _numpy_attribute(semantic, values, stride, src, dst, unit_scale)
    from array import array
    v = [f32(x) for x in values]
    if src != "canonical":
        v = _attribute_to_canonical(semantic, v, stride, src, unit_scale)
    if dst != "canonical":
        v = _attribute_from_canonical(semantic, v, stride, dst, unit_scale)
    return array("f", v)


def mesh_indices(indices, src, dst):
    """u32 index blob contents from ``src`` to ``dst``: only Unity's mirror flips each triangle (a, b, c) → (a, c, b)."""
    flip = (src == "unity") != (dst == "unity")
    if type(indices).__module__ == "numpy":
        import numpy as np
        t = np.array(indices, dtype=np.uint32).reshape(-1, 3)
        return t[:, [0, 2, 1]].reshape(-1) if flip else t.reshape(-1)
    from array import array
    out = array("I", indices)
    if flip:
        for i in range(0, len(out) - 2, 3):
            out[i + 1], out[i + 2] = out[i + 2], out[i + 1]
    return out
