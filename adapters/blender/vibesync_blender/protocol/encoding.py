"""Byte-exact record encodings (docs/protocol.md §4) and record hashes.

object:   u8 0x10 | str uuid | str name | u8 kind | opt parent | i64×3 t | i64×4 r | i64×3 s
          | u8 visible | u32 n | opt×n material | opt mesh
material: u8 0x11 | str uuid | str name | i64×4 base | i64 metallic | i64 roughness | i64×3 emission
mesh:     u8 0x12 | str uuid | u32 n | i64×3n pos | u32 m | u32×3m idx | u8 has_uv | i64×2n uv
str = u32 byte length | UTF-8;  opt = u8 0 | u8 1 str;  all little-endian
"""

import hashlib
import struct

from .model import KINDS
from .quantize import quantize, quantize_rotation

OBJECT_TAG = 0x10
MATERIAL_TAG = 0x11
MESH_TAG = 0x12

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
    out = bytearray([MESH_TAG])
    _str(out, m.uuid)
    out += _U32.pack(len(m.positions))
    _reals(out, [c for p in m.positions for c in p])
    out += _U32.pack(len(m.triangles))
    out += struct.pack(f"<{3 * len(m.triangles)}I", *[i for t in m.triangles for i in t])
    if m.uv0 is None:
        out.append(0)
    else:
        out.append(1)
        _reals(out, [c for uv in m.uv0 for c in uv])
    return bytes(out)


def record_hash(encoding):
    """SHA-256 of a record encoding."""
    return hashlib.sha256(encoding).digest()
