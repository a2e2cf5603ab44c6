"""Byte-exact record encodings (docs/protocol.md §4) and record hashes.

object:   u8 0x10 | str uuid | str name | u8 kind | opt parent | i64×3 t | i64×4 r | i64×3 s
          | u8 visible | u32 n | opt×n material | opt mesh
          [| u8 0x01 | u8 camera type | i64 yfov or xmag | i64 aspect or ymag | i64 znear | i64 zfar]   only with a camera
          [| u8 0x02 | u8 light type | i64×3 color | i64 intensity | opt64 range | i64 inner | i64 outer]   only with a light
          [| u8 0x03 | str skin]   only when skinned
material: u8 0x14 | str uuid | str name | i64×4 base | i64 metallic | i64 roughness | i64×3 emission
          | i64 emissive_strength | u8 alpha_mode | i64 alpha_cutoff | u8 double_sided | i64 normal_scale
          | i64 occlusion_strength | u8 t | t × (u8 slot | str image | u8 texcoord | u8 wrap_s | u8 wrap_t
          | u8 mag | u8 min | i64×2 offset | i64 rotation | i64×2 scale), slots ascending | opt unsynced
image:    u8 0x15 | str uuid | str name | str mime | 32 bytes blob id | u32 width | u32 height | u8 color_space
mesh:     u8 0x13 | str uuid | u32 vertex_count | u8 k | k × (str semantic | 32 bytes blob id), ascending
          | u32 p | p × (u32 material slot | 32 bytes indices blob id) | u32 d | d × str
          [| u8 0x01 | u32 m | m × (str name | 32 bytes POSITION | optblob NORMAL) | m × i64 weight]   only with targets
skin:     u8 0x16 | str uuid | str name | u32 n | n × str joint | 32 bytes inverse bind matrices | opt skeleton
animation: u8 0x17 | str uuid | str name | i64 frame_rate | u32 c | c × (str target | u8 path | u8 interpolation
          | 32 bytes times | 32 bytes values | u8 sampled)
optblob = u8 0 | u8 1 ‖ 32 bytes;  str = u32 byte length | UTF-8;  opt = u8 0 | u8 1 str;  opt64 = u8 0 | u8 1 i64;  all little-endian
"""

import hashlib
import struct

from .model import (ALPHA_MODES, ANIMATION_PATHS, CAMERA_TYPES, COLOR_SPACES, INTERPOLATIONS, KINDS, LIGHT_TYPES,
                    MAG_FILTERS, MIN_FILTERS, TEXTURE_SLOTS, WRAPS)
from .quantize import quantize, quantize_rotation

OBJECT_TAG = 0x10
MATERIAL_TAG = 0x14  # content schema 3; 0x11 (the four-number material) is retired
IMAGE_TAG = 0x15
CAMERA_MARK = 0x01
LIGHT_MARK = 0x02
MESH_TAG = 0x13  # content schema 2; 0x12 (schema 1's inline mesh) is retired
SKIN_MARK = 0x03  # content schema 4: the skin appended to an object record
TARGETS_MARK = 0x01  # content schema 4: morph targets appended to a mesh record
SKIN_TAG = 0x16
ANIMATION_TAG = 0x17

_U32 = struct.Struct("<I")


def _str(out, s):
    b = s.encode("utf-8")  # raises on lone surrogates, which the reader refuses first
    out += _U32.pack(len(b))
    out += b


def _opt(out, s):
    if s is None:
        out.append(0)
    else:
        out.append(1)
        _str(out, s)


def _reals(out, values):
    q = [quantize(v) for v in values]
    out += struct.pack(f"<{len(q)}q", *q)


def encode_object(o):
    out = bytearray([OBJECT_TAG])
    _str(out, o.uuid)
    _str(out, o.name)
    out.append(KINDS.index(o.kind))
    _opt(out, o.parent)
    _reals(out, o.translation)
    out += struct.pack("<4q", *quantize_rotation(*o.rotation))
    _reals(out, o.scale)
    out.append(1 if o.visible else 0)
    out += _U32.pack(len(o.materials))
    for m in o.materials:
        _opt(out, m)
    _opt(out, o.mesh)
    # appended only when present, so an object without them hashes exactly as in schema 2
    c = o.camera
    if c is not None:
        out.append(CAMERA_MARK)
        out.append(CAMERA_TYPES.index(c.type))
        perspective = c.type == "perspective"
        _reals(out, (c.yfov if perspective else c.xmag, c.aspect if perspective else c.ymag, c.znear, c.zfar))
    light = o.light
    if light is not None:
        out.append(LIGHT_MARK)
        out.append(LIGHT_TYPES.index(light.type))
        _reals(out, (*light.color, light.intensity))
        if light.range is None:
            out.append(0)
        else:
            out.append(1)
            _reals(out, (light.range,))
        _reals(out, (light.inner_cone, light.outer_cone))
    if o.skin is not None:
        out.append(SKIN_MARK)
        _str(out, o.skin)
    return bytes(out)


def encode_material(m):
    out = bytearray([MATERIAL_TAG])
    _str(out, m.uuid)
    _str(out, m.name)
    _reals(out, m.base_color)
    _reals(out, (m.metallic, m.roughness))
    _reals(out, m.emission)
    _reals(out, (m.emissive_strength,))
    out.append(ALPHA_MODES.index(m.alpha_mode))
    _reals(out, (m.alpha_cutoff,))
    out.append(1 if m.double_sided else 0)
    _reals(out, (m.normal_scale, m.occlusion_strength))
    slots = [s for s in TEXTURE_SLOTS if s in m.textures]
    out.append(len(slots))
    for slot in slots:
        t = m.textures[slot]
        out.append(TEXTURE_SLOTS.index(slot))
        _str(out, t.image)
        out += bytes((t.texcoord, WRAPS.index(t.wrap_s), WRAPS.index(t.wrap_t), MAG_FILTERS.index(t.mag_filter),
                      MIN_FILTERS.index(t.min_filter)))
        _reals(out, (*t.offset, t.rotation, *t.scale))
    _opt(out, m.unsynced)
    return bytes(out)


def encode_image(i):
    """The image record: the blob id stands for the file, whatever its size."""
    out = bytearray([IMAGE_TAG])
    _str(out, i.uuid)
    _str(out, i.name)
    _str(out, i.mime)
    out += bytes.fromhex(i.blob)
    out += struct.pack("<II", i.width, i.height)
    out.append(COLOR_SPACES.index(i.color_space))
    return bytes(out)


def encode_mesh(m):
    """The mesh record: 32 bytes per array whatever its size, so a record hash never reads geometry."""
    out = bytearray([MESH_TAG])
    _str(out, m.uuid)
    out += _U32.pack(m.vertex_count)
    semantics = sorted(m.attributes)  # ASCII: code point order is ordinal order
    out.append(len(semantics))
    for semantic in semantics:
        _str(out, semantic)
        out += bytes.fromhex(m.attributes[semantic])
    out += _U32.pack(len(m.primitives))
    for p in m.primitives:
        out += _U32.pack(p.material)
        out += bytes.fromhex(p.indices)
    out += _U32.pack(len(m.derived))
    for d in m.derived:
        _str(out, d)
    # appended only with targets, so a mesh without them hashes exactly as in schema 3
    if m.targets:
        out.append(TARGETS_MARK)
        out += _U32.pack(len(m.targets))
        for t in m.targets:
            _str(out, t.name)
            out += bytes.fromhex(t.position)
            if t.normal is None:
                out.append(0)
            else:
                out.append(1)
                out += bytes.fromhex(t.normal)
        _reals(out, m.weights)
    return bytes(out)


def encode_skin(s):
    """The skin record: the blob id stands for the inverse bind matrices."""
    out = bytearray([SKIN_TAG])
    _str(out, s.uuid)
    _str(out, s.name)
    out += _U32.pack(len(s.joints))
    for joint in s.joints:
        _str(out, joint)
    out += bytes.fromhex(s.inverse_bind_matrices)
    _opt(out, s.skeleton)
    return bytes(out)


def encode_animation(a):
    """The animation record: 64 bytes of blob ids per channel, whatever its keyframes."""
    out = bytearray([ANIMATION_TAG])
    _str(out, a.uuid)
    _str(out, a.name)
    _reals(out, (a.frame_rate,))
    out += _U32.pack(len(a.channels))
    for c in a.channels:
        _str(out, c.target)
        out.append(ANIMATION_PATHS.index(c.path))
        out.append(INTERPOLATIONS.index(c.interpolation))
        out += bytes.fromhex(c.times)
        out += bytes.fromhex(c.values)
        out.append(1 if c.sampled else 0)
    return bytes(out)


def record_hash(encoding):
    """SHA-256 of a record encoding."""
    return hashlib.sha256(encoding).digest()
