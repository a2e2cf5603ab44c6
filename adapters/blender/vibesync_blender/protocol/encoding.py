"""Byte-exact record encodings (docs/protocol.md §4) and record hashes.

object:   u8 0x10 | str uuid | str name | u8 kind | opt parent | i64×3 t | i64×4 r | i64×3 s
          | u8 visible | u32 n | opt×n material | opt mesh
material: u8 0x11 | str uuid | str name | i64×4 base | i64 metallic | i64 roughness | i64×3 emission
mesh:     u8 0x13 | str uuid | u32 vertex_count | u8 k | k × (str semantic | 32 bytes blob id), ascending
          | u32 p | p × (u32 material slot | 32 bytes indices blob id) | u32 d | d × str
str = u32 byte length | UTF-8;  opt = u8 0 | u8 1 str;  all little-endian
"""

import hashlib
import struct

from .model import KINDS
from .quantize import quantize, quantize_rotation

OBJECT_TAG = 0x10
MATERIAL_TAG = 0x11
MESH_TAG = 0x13  # content schema 2; 0x12 (schema 1's inline mesh) is retired

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
    return bytes(out)


def encode_material(m):
    out = bytearray([MATERIAL_TAG])
    _str(out, m.uuid)
    _str(out, m.name)
    _reals(out, m.base_color)
    _reals(out, (m.metallic, m.roughness))
    _reals(out, m.emission)
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
    return bytes(out)


def record_hash(encoding):
    """SHA-256 of a record encoding."""
    return hashlib.sha256(encoding).digest()
