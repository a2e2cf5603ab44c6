"""Semantic comparison of meshes: a GLB written by Blender's glTF exporter (read with json and struct)
against VibeSync's mesh records, triangle by triangle with their corner attributes.

Vertex order and splitting may differ; winding may not: a triangle is keyed by its corners' positions
rotated to start at the smallest (a rotation keeps the winding, a swap would not match). Each
difference is a sentence naming the mesh, the material, the triangle and the field."""

import json
import struct

import numpy as np

_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}
_TYPES = {5126: ("<f4", None), 5125: ("<u4", None), 5123: ("<u2", 65535.0), 5121: ("u1", 255.0)}
TOLERANCE = {"POSITION": 1e-6, "NORMAL": 1e-6, "COLOR_0": 1.0 / 65535 + 1e-7}
TEXCOORD_TOLERANCE = 2e-7  # the exporter writes 1 − v in float32


class Glb:
    """A .glb's JSON and binary chunk, its accessors as numpy arrays."""

    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        magic, _, _ = struct.unpack_from("<III", data, 0)
        assert magic == 0x46546C67, "not a GLB"
        length, _ = struct.unpack_from("<II", data, 12)
        self.doc = json.loads(data[20:20 + length])
        at = 20 + length
        bin_length, _ = struct.unpack_from("<II", data, at)
        self.bin = data[at + 8:at + 8 + bin_length]

    def accessor(self, i):
        a = self.doc["accessors"][i]
        view = self.doc["bufferViews"][a["bufferView"]]
        dtype, scale = _TYPES[a["componentType"]]
        comps = _COMPONENTS[a["type"]]
        size = np.dtype(dtype).itemsize
        stride = view.get("byteStride", size * comps)
        start = view.get("byteOffset", 0) + a.get("byteOffset", 0)
        values = np.ndarray((a["count"], comps), dtype=dtype, buffer=self.bin, offset=start,
                            strides=(stride, size)).astype(np.float64)
        if a.get("normalized") and scale:
            values /= scale
        return values

    def node(self, name):
        return next((n for n in self.doc["nodes"] if n.get("name") == name), None)

    def triangles(self, name):
        """{material name: [triangle]} of the node ``name``; a triangle is three corners, each a
        {semantic: values} with TEXCOORD back in Blender's bottom-left origin."""
        node = self.node(name)
        out = {}
        if node is None or "mesh" not in node:
            return out
        for prim in self.doc["meshes"][node["mesh"]]["primitives"]:
            material = self.doc["materials"][prim["material"]]["name"] if "material" in prim else None
            arrays = {k: self.accessor(v) for k, v in prim["attributes"].items()}
            for k in arrays:
                if k.startswith("TEXCOORD_"):
                    arrays[k][:, 1] = 1.0 - arrays[k][:, 1]
            indices = self.accessor(prim["indices"]).astype(np.int64).reshape(-1, 3)
            out.setdefault(material, []).extend(_corners(arrays, indices))
        return out


def record_triangles(record, blobs, slot_materials):
    """{material name: [triangle]} of a mesh record whose blobs are in ``blobs`` (``get``)."""
    arrays = {}
    for semantic, bid in record.attributes.items():
        shape, data = blobs.get(bid)
        arrays[semantic] = np.frombuffer(data, dtype="<f4").reshape(shape.count, shape.components).astype(np.float64)
    out = {}
    for p in record.primitives:
        shape, data = blobs.get(p.indices)
        indices = np.frombuffer(data, dtype="<u4").astype(np.int64).reshape(-1, 3)
        material = slot_materials[p.material] if p.material < len(slot_materials) else None
        out.setdefault(material, []).extend(_corners(arrays, indices))
    return out


def _corners(arrays, indices):
    return [tuple({k: tuple(v[i]) for k, v in arrays.items()} for i in tri) for tri in indices]


def _key(triangle):
    """Positions rotated to start at the smallest corner (rounded only to group; compared exactly after)."""
    p = [tuple(round(c, 5) for c in corner["POSITION"]) for corner in triangle]
    k = p.index(min(p))
    return tuple(p[k:] + p[:k]), k


def _rotated(triangle, k):
    return triangle[k:] + triangle[:k]


def _field_difference(expected, actual, texcoord_tolerance=TEXCOORD_TOLERANCE, normal_tolerance=None):
    """(semantic, corner, expected, actual) of the first corner attribute that differs, or None."""
    if set(expected[0]) != set(actual[0]):
        return ("attributes", None, sorted(expected[0]), sorted(actual[0]))
    for c, (e, a) in enumerate(zip(expected, actual)):
        for semantic in sorted(e):
            tolerance = TOLERANCE.get(semantic, texcoord_tolerance)
            if semantic == "NORMAL" and normal_tolerance is not None:
                tolerance = normal_tolerance
            if max(abs(x - y) for x, y in zip(e[semantic], a[semantic])) > tolerance:
                return (semantic, c, e[semantic], a[semantic])
    return None


def compare(mesh_name, expected, actual, normal_tolerance=None):
    """Sentences for every difference between two {material: [triangle]} (empty: the same)."""
    out = []
    for material in sorted(set(expected) | set(actual), key=str):
        groups = {}
        for i, t in enumerate(expected.get(material, [])):
            key, k = _key(t)
            groups.setdefault(key, ([], []))[0].append((i, _rotated(t, k)))
        for i, t in enumerate(actual.get(material, [])):
            key, k = _key(t)
            groups.setdefault(key, ([], []))[1].append((i, _rotated(t, k)))
        where = f"mesh '{mesh_name}', material {material!r}"
        for key, (want, have) in groups.items():
            have = list(have)
            for i, t in want:
                best = next((j for j, (_, h) in enumerate(have) if _field_difference(t, h, normal_tolerance=normal_tolerance) is None), None)
                if best is not None:
                    have.pop(best)
                    continue
                if have:
                    j, h = have.pop(0)
                    field, corner, e, a = _field_difference(t, h, normal_tolerance=normal_tolerance)
                    out.append(f"{where}: triangle {i} of the exporter (VibeSync's {j}) at {key}: {field} of corner {corner} "
                               f"is {a} in VibeSync, {e} in the exporter's file")
                else:
                    out.append(f"{where}: triangle {i} of the exporter at {key} is missing from VibeSync (or wound the other way)")
            for j, _ in have:
                out.append(f"{where}: VibeSync's triangle {j} at {key} is not in the exporter's file")
    return out
