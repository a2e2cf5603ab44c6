"""Field-wise comparison of canonical records with tolerance ε (docs/protocol.md §6).

A hash mismatch only counts once this confirms it: two values within ε of each other may quantize
to neighbouring integers. The field names match the C# FieldComparer
(src/VibeSync.Protocol/Comparison/FieldComparer.cs) so both sides report a difference alike:
``translation[1]``, ``rotation``, ``name``, ``positions[7]`` (first differing vertex only) …
"""

from .model import ANIMATION_PATHS, TEXTURE_SLOTS, Animation, Image, Material, Mesh, SceneObject, Skin
from .quantize import EPSILON


def close(a, b, epsilon=EPSILON):
    """|a − b| ≤ ε (false for NaN, as in C#, so a NaN never passes as equal)."""
    return abs(a - b) <= epsilon


def rotations_close(q1, q2, epsilon=EPSILON):
    """True when q1 or −q1 lies within ε of q2 component-wise (q and −q are one rotation)."""
    same = all(close(a, b, epsilon) for a, b in zip(q1, q2))
    opposite = all(close(-a, b, epsilon) for a, b in zip(q1, q2))
    return same or opposite


def object_differences(a, b, epsilon=EPSILON):
    """Names of the fields of two objects that differ; empty when equal within ε."""
    diff = []
    for field in ("uuid", "name", "kind", "parent"):
        if getattr(a, field) != getattr(b, field):
            diff.append(field)
    _vector(diff, "translation", a.translation, b.translation, epsilon)
    if not rotations_close(a.rotation, b.rotation, epsilon):
        diff.append("rotation")
    _vector(diff, "scale", a.scale, b.scale, epsilon)
    if a.visible != b.visible:
        diff.append("visible")
    if tuple(a.materials) != tuple(b.materials):
        diff.append("materials")
    if a.mesh != b.mesh:
        diff.append("mesh")
    _camera(diff, a.camera, b.camera, epsilon)
    _light(diff, a.light, b.light, epsilon)
    if a.skin != b.skin:
        diff.append("skin")
    return diff


def _one_side_only(diff, field, a, b):
    """True when either side is None (the field named when only one is): nothing further to compare."""
    if a is None or b is None:
        if not (a is None and b is None):
            diff.append(field)
        return True
    return False


def _camera(diff, a, b, epsilon):
    if _one_side_only(diff, "camera", a, b):
        return
    if a.type != b.type:
        diff.append("camera.type")
        return
    fields = ("yfov", "aspect") if a.type == "perspective" else ("xmag", "ymag")
    for field in fields + ("znear", "zfar"):
        if not close(getattr(a, field), getattr(b, field), epsilon):
            diff.append("camera." + field)


def _light(diff, a, b, epsilon):
    if _one_side_only(diff, "light", a, b):
        return
    if a.type != b.type:
        diff.append("light.type")
    _vector(diff, "light.color", a.color, b.color, epsilon)
    if not close(a.intensity, b.intensity, epsilon):
        diff.append("light.intensity")
    if not _one_side_only(diff, "light.range", a.range, b.range) and not close(a.range, b.range, epsilon):
        diff.append("light.range")
    for field in ("inner_cone", "outer_cone"):
        if not close(getattr(a, field), getattr(b, field), epsilon):
            diff.append("light." + field)


def material_differences(a, b, epsilon=EPSILON):
    """Names of the fields of two materials that differ; empty when equal within ε."""
    diff = []
    for field in ("uuid", "name"):
        if getattr(a, field) != getattr(b, field):
            diff.append(field)
    _vector(diff, "base_color", a.base_color, b.base_color, epsilon)
    for field in ("metallic", "roughness"):
        if not close(getattr(a, field), getattr(b, field), epsilon):
            diff.append(field)
    _vector(diff, "emission", a.emission, b.emission, epsilon)
    if not close(a.emissive_strength, b.emissive_strength, epsilon):
        diff.append("emissive_strength")
    if a.alpha_mode != b.alpha_mode:
        diff.append("alpha_mode")
    if not close(a.alpha_cutoff, b.alpha_cutoff, epsilon):
        diff.append("alpha_cutoff")
    if a.double_sided != b.double_sided:
        diff.append("double_sided")
    for field in ("normal_scale", "occlusion_strength"):
        if not close(getattr(a, field), getattr(b, field), epsilon):
            diff.append(field)
    for slot in TEXTURE_SLOTS:
        _texture(diff, "textures." + slot, a.textures.get(slot), b.textures.get(slot), epsilon)
    if a.unsynced != b.unsynced:
        diff.append("unsynced")
    return diff


def _texture(diff, field, a, b, epsilon):
    if _one_side_only(diff, field, a, b):
        return
    for name in ("image", "texcoord", "wrap_s", "wrap_t", "mag_filter", "min_filter"):
        if getattr(a, name) != getattr(b, name):
            diff.append(f"{field}.{name}")
    _vector(diff, field + ".offset", a.offset, b.offset, epsilon)
    if not close(a.rotation, b.rotation, epsilon):
        diff.append(field + ".rotation")
    _vector(diff, field + ".scale", a.scale, b.scale, epsilon)


def image_differences(a, b, epsilon=EPSILON):
    """Names of the fields of two image records that differ (all exact; ``epsilon`` unused)."""
    return [f for f in ("uuid", "name", "mime", "blob", "width", "height", "color_space") if getattr(a, f) != getattr(b, f)]


def mesh_differences(a, b, epsilon=EPSILON):
    """Names of the fields of two mesh records that differ. Blob ids name ε-quantized arrays, so equal
    ids are equal content (``epsilon`` is unused, kept for the common signature)."""
    diff = []
    if a.uuid != b.uuid:
        diff.append("uuid")
    if a.vertex_count != b.vertex_count:
        diff.append("vertex_count")
    for semantic in sorted(set(a.attributes) | set(b.attributes)):
        if a.attributes.get(semantic) != b.attributes.get(semantic):
            diff.append("attributes." + semantic)
    if len(a.primitives) != len(b.primitives):
        diff.append("primitives")
    else:
        for i, (p, q) in enumerate(zip(a.primitives, b.primitives)):
            if p.material != q.material:
                diff.append(f"primitives[{i}].material")
            if p.indices != q.indices:
                diff.append(f"primitives[{i}].indices")
    if tuple(a.derived) != tuple(b.derived):
        diff.append("derived")
    if len(a.targets) != len(b.targets):
        diff.append("targets")
    else:
        for i, (t, u) in enumerate(zip(a.targets, b.targets)):
            for field, name in (("name", "name"), ("position", "POSITION"), ("normal", "NORMAL")):
                if getattr(t, field) != getattr(u, field):
                    diff.append(f"targets[{i}].{name}")
    if len(a.weights) != len(b.weights):
        diff.append("weights")
    else:
        _vector(diff, "weights", a.weights, b.weights, epsilon)
    return diff


def skin_differences(a, b, epsilon=EPSILON):
    """Names of the fields of two skin records that differ (all exact; ``epsilon`` unused)."""
    return [f for f in ("uuid", "name", "joints", "inverse_bind_matrices", "skeleton") if getattr(a, f) != getattr(b, f)]


def animation_differences(a, b, epsilon=EPSILON):
    """Names of the fields of two animation records that differ: a channel by its target and path
    (``channels.TARGET.rotation.values``), one missing on either side by itself."""
    diff = [f for f in ("uuid", "name") if getattr(a, f) != getattr(b, f)]
    mine = {c.order: c for c in a.channels}
    theirs = {c.order: c for c in b.channels}
    for order in sorted(set(mine) | set(theirs)):
        field = f"channels.{order[0]}.{ANIMATION_PATHS[order[1]]}"
        c, d = mine.get(order), theirs.get(order)
        if c is None or d is None:
            diff.append(field)
            continue
        diff.extend(f"{field}.{f}" for f in ("interpolation", "times", "values", "sampled") if getattr(c, f) != getattr(d, f))
    return diff


def differences(a, b, epsilon=EPSILON):
    """Field-wise differences of two records of the same type."""
    if type(a) is not type(b):
        raise TypeError(f"cannot compare a {type(a).__name__} with a {type(b).__name__}")
    if isinstance(a, SceneObject):
        return object_differences(a, b, epsilon)
    if isinstance(a, Material):
        return material_differences(a, b, epsilon)
    if isinstance(a, Mesh):
        return mesh_differences(a, b, epsilon)
    if isinstance(a, Image):
        return image_differences(a, b, epsilon)
    if isinstance(a, Skin):
        return skin_differences(a, b, epsilon)
    if isinstance(a, Animation):
        return animation_differences(a, b, epsilon)
    raise TypeError(f"not a scene record: {type(a).__name__}")


def equal_within_epsilon(a, b, epsilon=EPSILON):
    """True when two records are equal within ε (§6): the test that confirms a hash mismatch."""
    return not differences(a, b, epsilon)


def _vector(diff, field, a, b, epsilon):
    for i, (x, y) in enumerate(zip(a, b)):
        if not close(x, y, epsilon):
            diff.append(f"{field}[{i}]")
