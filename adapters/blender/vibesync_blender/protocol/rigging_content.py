"""Content checks of skins, skinned meshes, morph targets and animations against their blobs (content schema 4).

The twin of src/VibeSync.Protocol/State/RiggingContent.cs (and the schema-4 part of MeshContent):
shapes (BLOB_SHAPE), values a record cannot state (INVALID_VALUE: weights negative or not summing to
1, times not increasing, rotations not unit) and joint indices within the skin (INDEX_RANGE), with the
same paths; testdata/rigging_content_vectors.json pins both. ``blobs`` is anything with ``get(id)`` →
(shape, bytes) or None (MemoryBlobs, the link's BlobCache). An engine runs these before applying.
"""

import math
import struct

from .blobs import F32, U16
from .model import JOINTS_0, NORMAL, POSITION, WEIGHT_SUM_TOLERANCE, WEIGHTS_0, channel_components, channel_value_count

UNIT_TOLERANCE = 1e-3
_ELEMENTS = {1: "f32", 2: "u32", 3: "u16", 4: "u8"}


class ContentError(ValueError):
    """A record whose blobs are missing or do not fit it: ``code`` (BLOB_MISSING, BLOB_SHAPE, INDEX_RANGE,
    INVALID_VALUE), ``path`` (e.g. ``skins[0].inverse_bind_matrices``) and ``reason``."""

    def __init__(self, code, path, reason):
        super().__init__(f"{path}: {reason}")
        self.code, self.path, self.reason = code, path, reason


def _describe(shape):
    return f"{_ELEMENTS.get(shape[0], shape[0])} × {shape[1]}, count {shape[2]}"


def _get(blobs, blob, path):
    held = blobs.get(blob)
    if held is None:
        raise ContentError("BLOB_MISSING", path, f"blob {blob} is in no store (upload it first)")
    return tuple(held[0]), held[1]


def _values(payload, fmt, size):
    n = len(payload) // size
    return struct.unpack(f"<{n}{fmt}", bytes(payload))


def _shape(blobs, blob, path, wanted, what):
    shape, _ = _get(blobs, blob, path)
    if shape != wanted:
        raise ContentError("BLOB_SHAPE", path, f"expected {_describe(wanted)} ({what}), blob {blob} holds {_describe(shape)}")


def check_mesh(mesh, blobs, path):
    """JOINTS_0/WEIGHTS_0 values and the morph targets' shapes (attribute shapes are checked elsewhere)."""
    if WEIGHTS_0 in mesh.attributes:
        wp = f"{path}.attributes.{WEIGHTS_0}"
        shape, payload = _get(blobs, mesh.attributes[WEIGHTS_0], wp)
        w = _values(payload, "f", 4) if shape[0] == F32 else ()
        for v in range(0, len(w) - 3, 4):
            for k in range(4):
                if w[v + k] < 0:
                    raise ContentError("INVALID_VALUE", wp, f"vertex {v // 4}: weight {w[v + k]!r} is negative")
            total = w[v] + w[v + 1] + w[v + 2] + w[v + 3]
            if total != 0 and abs(total - 1) > WEIGHT_SUM_TOLERANCE:
                raise ContentError("INVALID_VALUE", wp,
                                   f"vertex {v // 4}: weights sum to {total!r} (expected 1 within {WEIGHT_SUM_TOLERANCE!r}, or all 0)")
    for i, t in enumerate(mesh.targets):
        tp = f"{path}.targets[{i}]"
        _shape(blobs, t.position, f"{tp}.{POSITION}", (F32, 3, mesh.vertex_count), "position deltas")
        if t.normal is not None:
            _shape(blobs, t.normal, f"{tp}.{NORMAL}", (F32, 3, mesh.vertex_count), "normal deltas")


def check_skin(skin, blobs, path):
    """The inverse bind matrices: F32 × 16, one per joint."""
    _shape(blobs, skin.inverse_bind_matrices, path + ".inverse_bind_matrices", (F32, 16, len(skin.joints)),
           "inverse bind matrices (one per joint)")


def check_skinned(mesh, skin, blobs, path):
    """Every JOINTS_0 index of a mesh skinned by ``skin`` names one of its joints."""
    if JOINTS_0 not in mesh.attributes:
        raise ContentError("BLOB_SHAPE", path, f"a skinned object's mesh needs JOINTS_0 and WEIGHTS_0 (mesh {mesh.uuid} has none)")
    blob = mesh.attributes[JOINTS_0]
    shape, payload = _get(blobs, blob, path)
    if shape[0] != U16 or shape[1] != 4:
        raise ContentError("BLOB_SHAPE", path, f"expected u16 × 4 JOINTS_0, blob {blob} holds {_describe(shape)}")
    for i, j in enumerate(_values(payload, "H", 2)):
        if j >= len(skin.joints):
            raise ContentError("INDEX_RANGE", path, f"vertex {i // 4} names joint {j}, but skin {skin.uuid} has {len(skin.joints)} joints")


def check_channel(channel, morph_targets, blobs, path):
    """Times F32 × 1 (≥ 1, ≥ 0, strictly increasing), values of the count the path and interpolation
    need, rotation values unit quaternions within 1e-3 (CUBICSPLINE tangents excepted)."""
    tp, vp = path + ".times", path + ".values"
    shape, payload = _get(blobs, channel.times, tp)
    if shape[0] != F32 or shape[1] != 1 or shape[2] < 1:
        raise ContentError("BLOB_SHAPE", tp, f"expected f32 × 1 keyframe times, at least one; blob {channel.times} holds {_describe(shape)}")
    times = _values(payload, "f", 4)
    if times[0] < 0:
        raise ContentError("INVALID_VALUE", tp, f"time {times[0]!r} at 0 is negative")
    for i in range(1, len(times)):
        if not times[i] > times[i - 1]:
            raise ContentError("INVALID_VALUE", tp, f"time {times[i]!r} at {i} is not after {times[i - 1]!r} (times strictly increase)")
    components = channel_components(channel.path)
    wanted = (F32, components, channel_value_count(channel.path, channel.interpolation, len(times), morph_targets))
    shape, payload = _get(blobs, channel.values, vp)
    if shape != wanted:
        raise ContentError("BLOB_SHAPE", vp, f"expected {_describe(wanted)} ({channel.path}, {channel.interpolation}, "
                                             f"{len(times)} keyframes), blob {channel.values} holds {_describe(shape)}")
    if channel.path != "rotation":
        return
    q = _values(payload, "f", 4)
    cubic = channel.interpolation == "CUBICSPLINE"
    for k in range(len(times)):
        at = (3 * k + 1 if cubic else k) * 4  # a CUBICSPLINE keyframe is in-tangent, value, out-tangent
        length = math.sqrt(sum(float(c) * c for c in q[at:at + 4]))
        if abs(length - 1) > UNIT_TOLERANCE:
            raise ContentError("INVALID_VALUE", vp, f"keyframe {k}: rotation of length {length!r} is not a unit quaternion (within {UNIT_TOLERANCE!r})")


def check_animation(animation, morph_targets, blobs, path):
    """Every channel; ``morph_targets(uuid)`` gives a target object's morph target count."""
    for j, c in enumerate(animation.channels):
        check_channel(c, morph_targets(c.target) if c.path == "weights" else 0, blobs, f"{path}.channels[{j}]")


def check_scene(scene, blobs, check_mesh_shapes=None):
    """Every schema-4 content rule of a valid scene, with scene JSON paths (C#: RiggingContent.CheckScene).
    ``check_mesh_shapes(mesh, blobs, path)``, when given, checks a mesh's attribute and index blobs first."""
    meshes = {}
    for i, m in enumerate(scene.meshes):
        meshes[m.uuid] = m
        if check_mesh_shapes is not None:
            check_mesh_shapes(m, blobs, f"meshes[{i}]")
        check_mesh(m, blobs, f"meshes[{i}]")
    skins = {}
    for i, k in enumerate(scene.skins):
        skins[k.uuid] = k
        check_skin(k, blobs, f"skins[{i}]")
    targets = {}
    for i, o in enumerate(scene.objects):
        mesh = meshes.get(o.mesh) if o.mesh is not None else None
        targets[o.uuid] = len(mesh.targets) if mesh is not None else 0
        if mesh is not None and o.skin in skins:
            check_skinned(mesh, skins[o.skin], blobs, f"objects[{i}].skin")
    for i, a in enumerate(scene.animations):
        check_animation(a, lambda t: targets.get(t, 0), blobs, f"animations[{i}]")
