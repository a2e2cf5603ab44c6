"""Strict reading of scene JSON in any space (docs/protocol.md §2, §8), returning a canonical scene.

Every refusal is a SceneError whose path names the record and field in the same words as the C#
reader (src/VibeSync.Protocol/SceneJson/SceneJsonReader.cs); testdata/hash_error_vectors.json pins
them for both.
"""

import json
import math
import re

from . import convert
from .errors import SceneError
from .model import KINDS, Material, Mesh, Scene, SceneObject
from .quantize import is_hashable

_ID = re.compile(r"(h-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_FIELDS = {
    "blender": ("location", "rotation_quaternion", "scale"),
    "unity": ("localPosition", "localRotation", "localScale"),
    "canonical": ("translation", "rotation", "scale"),
}


def is_valid_id(text):
    """A lowercase 8-4-4-4-12 UUID, optionally prefixed h- (hidden from AI)."""
    return isinstance(text, str) and _ID.fullmatch(text) is not None


def write(scene, space, unit_scale=1.0):
    """A canonical Scene as scene JSON (a dict ready for json.dumps) in ``space``."""
    s = convert.from_canonical(scene, space, unit_scale)
    t, r, sc = _FIELDS[space]
    out = {"unit_scale": unit_scale} if space == "blender" else {}
    out["objects"] = [{
        "uuid": o.uuid, "name": o.name, "kind": o.kind, "parent": o.parent, t: list(o.translation),
        r: [o.rotation[3], *o.rotation[:3]] if space == "blender" else list(o.rotation),  # Blender: (w, x, y, z)
        sc: list(o.scale), "visible": o.visible, "materials": list(o.materials), "mesh": o.mesh,
    } for o in s.objects]
    out["materials"] = [{"uuid": m.uuid, "name": m.name, "base_color": list(m.base_color), "metallic": m.metallic,
                         "roughness": m.roughness, "emission": list(m.emission)} for m in s.materials]
    out["meshes"] = []
    for m in s.meshes:
        d = {"uuid": m.uuid, "positions": [list(p) for p in m.positions], "triangles": [list(x) for x in m.triangles]}
        if m.uv0 is not None:
            d["uv0"] = [list(u) for u in m.uv0]
        out["meshes"].append(d)
    return out


def read_canonical(text, space):
    """Parses, validates and converts scene JSON text written in ``space`` to a canonical Scene."""
    if space not in _FIELDS:
        raise ValueError(f"unknown space {space!r}")
    return _Reader(space).read(_parse(text))


def _parse(text):
    def pairs(items):
        seen = {}
        for k, v in items:
            if k in seen:
                raise SceneError("json", f"duplicate key \"{k}\"")
            seen[k] = v
        return seen

    def constant(name):
        raise SceneError("json", "NaN and Infinity are not JSON numbers")

    def integer(literal):
        # Python refuses to turn more than 4300 digits into an int; such a number is out of any
        # range anyway, so it becomes the float it is (inf), which the field checks refuse, as in C#.
        return int(literal) if len(literal) <= 4000 else float(literal)

    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=integer)
    except json.JSONDecodeError as e:
        raise SceneError("json", f"line {e.lineno} column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise SceneError("json", f"nesting deeper than {MAX_DEPTH}") from None
    if _depth(doc) > MAX_DEPTH:
        raise SceneError("json", f"nesting deeper than {MAX_DEPTH}")
    return doc


MAX_DEPTH = 64  # the C# parser's limit (JsonParser.MaxDepth): deeper documents are refused by both


def _depth(doc):
    """Nesting depth in containers (a top-level object is 1), without recursion."""
    deepest = 0
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _kind_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class _Reader:
    def __init__(self, space):
        self.space = space
        self.t_field, self.r_field, self.s_field = _FIELDS[space]

    def read(self, root):
        top = _as_object(root, "json")
        allowed = ("objects", "materials", "meshes") + (("unit_scale",) if self.space == "blender" else ())
        _check_fields(top, "", (), allowed)
        unit_scale = 1.0
        if "unit_scale" in top:
            unit_scale = _real(top["unit_scale"], "unit_scale")
            if not unit_scale > 0:
                raise SceneError("unit_scale", "must be greater than 0")
        materials = self._list(top, "materials", self._material)
        meshes = self._list(top, "meshes", self._mesh)
        objects = self._list(top, "objects", self._object)
        native = Scene(tuple(objects), tuple(materials), tuple(meshes))
        _check_unique(native)
        _check_references(native)
        _check_acyclic(native)
        canonical = convert.to_canonical(native, self.space, unit_scale)
        self._check_range(canonical)
        return canonical

    def _list(self, top, field, read):
        if field not in top:
            return []
        items = _as_array(top[field], field)
        return [read(_as_object(item, f"{field}[{i}]"), f"{field}[{i}]") for i, item in enumerate(items)]

    def _object(self, o, path):
        _check_fields(o, path, ("uuid", "name", "kind", "parent", self.t_field, self.r_field, self.s_field,
                                "visible", "materials", "mesh"), ())
        kind = _text(o["kind"], path + ".kind")
        if kind not in KINDS:
            raise SceneError(path + ".kind", f"unknown kind \"{kind}\" (expected empty, mesh, camera or light)")
        r = _reals(o[self.r_field], f"{path}.{self.r_field}", 4)
        rotation = (r[1], r[2], r[3], r[0]) if self.space == "blender" else tuple(r)  # Blender writes (w, x, y, z)
        slots_array = _as_array(o["materials"], path + ".materials")
        slots = tuple(_optional_id(s, f"{path}.materials[{i}]") for i, s in enumerate(slots_array))
        visible = o["visible"]
        if not isinstance(visible, bool):
            raise SceneError(path + ".visible", "expected true or false")
        return SceneObject(
            uuid=_id(o["uuid"], path + ".uuid"),
            name=_name(o["name"], path + ".name"),
            kind=kind,
            parent=_optional_id(o["parent"], path + ".parent"),
            translation=_vector(o[self.t_field], f"{path}.{self.t_field}"),
            rotation=rotation,
            scale=_vector(o[self.s_field], f"{path}.{self.s_field}"),
            visible=visible,
            materials=slots,
            mesh=_optional_id(o["mesh"], path + ".mesh"),
        )

    def _material(self, m, path):
        _check_fields(m, path, ("uuid", "name", "base_color", "metallic", "roughness", "emission"), ())
        c = _reals(m["base_color"], path + ".base_color", 4)
        return Material(
            uuid=_id(m["uuid"], path + ".uuid"),
            name=_name(m["name"], path + ".name"),
            base_color=tuple(c),
            metallic=_real(m["metallic"], path + ".metallic"),
            roughness=_real(m["roughness"], path + ".roughness"),
            emission=_vector(m["emission"], path + ".emission"),
        )

    def _mesh(self, m, path):
        _check_fields(m, path, ("uuid", "positions", "triangles"), ("uv0",))
        positions_array = _as_array(m["positions"], path + ".positions")
        positions = tuple(_vector(p, f"{path}.positions[{i}]") for i, p in enumerate(positions_array))
        triangles = []
        for i, t in enumerate(_as_array(m["triangles"], path + ".triangles")):
            tp = f"{path}.triangles[{i}]"
            t = _as_array(t, tp)
            if len(t) != 3:
                raise SceneError(tp, f"expected 3 indices, got {len(t)}")
            triangles.append(tuple(_index(t[k], f"{tp}[{k}]", len(positions)) for k in range(3)))
        uv = None
        if "uv0" in m:
            uv_array = _as_array(m["uv0"], path + ".uv0")
            uv = tuple(tuple(_reals(p, f"{path}.uv0[{i}]", 2)) for i, p in enumerate(uv_array))
            if len(uv) != len(positions):
                raise SceneError(path + ".uv0", f"expected one pair per position ({len(positions)}), got {len(uv)}")
        return Mesh(uuid=_id(m["uuid"], path + ".uuid"), positions=positions, triangles=tuple(triangles), uv0=uv)

    def _check_range(self, c):
        for i, o in enumerate(c.objects):
            _range(f"objects[{i}].{self.t_field}", o.translation)
            _range(f"objects[{i}].{self.r_field}", o.rotation)
            _range(f"objects[{i}].{self.s_field}", o.scale)
        for i, m in enumerate(c.materials):
            _range(f"materials[{i}].base_color", m.base_color)
            _range(f"materials[{i}].metallic", (m.metallic,))
            _range(f"materials[{i}].roughness", (m.roughness,))
            _range(f"materials[{i}].emission", m.emission)
        for i, m in enumerate(c.meshes):
            for v, p in enumerate(m.positions):
                _range(f"meshes[{i}].positions[{v}]", p)
            for v, p in enumerate(m.uv0 or ()):
                _range(f"meshes[{i}].uv0[{v}]", p)


def _range(path, values):
    for v in values:
        if not is_hashable(v):
            raise SceneError(path, f"value {v!r} is out of range (|v| ≤ 1e12 in canonical units)")


def _check_unique(s):
    seen = set()
    for field, records in (("objects", s.objects), ("materials", s.materials), ("meshes", s.meshes)):
        for i, r in enumerate(records):
            if r.uuid in seen:
                raise SceneError(f"{field}[{i}].uuid", f"duplicate uuid {r.uuid}")
            seen.add(r.uuid)


def _check_references(s):
    objects = {o.uuid for o in s.objects}
    materials = {m.uuid for m in s.materials}
    meshes = {m.uuid for m in s.meshes}
    for i, o in enumerate(s.objects):
        path = f"objects[{i}]"
        if o.parent is not None and o.parent not in objects:
            raise SceneError(path + ".parent", f"parent {o.parent} is not an object in the scene")
        if o.kind == "mesh":
            if o.mesh is None:
                raise SceneError(path + ".mesh", "an object of kind mesh needs a mesh")
            if o.mesh not in meshes:
                raise SceneError(path + ".mesh", f"mesh {o.mesh} is not a mesh in the scene")
            for j, m in enumerate(o.materials):
                if m is not None and m not in materials:
                    raise SceneError(f"{path}.materials[{j}]", f"material {m} is not a material in the scene")
        else:
            if o.mesh is not None:
                raise SceneError(path + ".mesh", f"an object of kind {o.kind} has no mesh (expected null)")
            if o.materials:
                raise SceneError(path + ".materials", f"an object of kind {o.kind} has no material slots (expected [])")


def _check_acyclic(s):
    parent = {o.uuid: o.parent for o in s.objects}
    settled = set()
    for o in s.objects:
        path = []
        on_path = set()
        at = o.uuid
        while at is not None and at not in settled:
            if at in on_path:
                cycle = set(path[path.index(at):])
                for k, candidate in enumerate(s.objects):
                    if candidate.uuid in cycle:
                        raise SceneError(f"objects[{k}].parent", "parent links form a cycle")
            path.append(at)
            on_path.add(at)
            at = parent[at]
        settled.update(path)


def _check_fields(o, path, required, optional):
    prefix = path + "." if path else ""
    for key in o:
        if key not in required and key not in optional:
            raise SceneError(prefix + key, "unknown field")
    for key in required:
        if key not in o:
            raise SceneError(prefix + key, "missing field")


def _as_object(v, path):
    if not isinstance(v, dict):
        raise SceneError(path, f"expected an object, got {_kind_name(v)}")
    return v


def _as_array(v, path):
    if not isinstance(v, list):
        raise SceneError(path, f"expected an array, got {_kind_name(v)}")
    return v


def _text(v, path):
    if not isinstance(v, str):
        raise SceneError(path, f"expected a string, got {_kind_name(v)}")
    return v


def _real(v, path):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SceneError(path, f"expected a finite number, got {_kind_name(v)}")
    f = float(v) if isinstance(v, float) else _int_to_float(v)
    if math.isinf(f) or math.isnan(f):
        raise SceneError(path, f"expected a finite number, got {v!r}")
    return f


def _int_to_float(i):
    try:
        return float(i)
    except OverflowError:
        return math.inf if i > 0 else -math.inf


def _reals(v, path, count):
    a = _as_array(v, path)
    if len(a) != count:
        raise SceneError(path, f"expected {count} numbers, got {len(a)}")
    return [_real(x, f"{path}[{i}]") for i, x in enumerate(a)]


def _vector(v, path):
    return tuple(_reals(v, path, 3))


def _index(v, path, count):
    if isinstance(v, bool) or not isinstance(v, int):
        raise SceneError(path, f"expected an integer vertex index, got {v if isinstance(v, float) else _kind_name(v)}")
    if v < 0 or v >= count:
        raise SceneError(path, f"vertex index {v} is out of range (mesh has {count} positions)")
    return v


def _id(v, path):
    text = _text(v, path)
    if not is_valid_id(text):
        raise SceneError(path, f"\"{text}\" is not a VibeSync ID (lowercase 8-4-4-4-12 hex UUID, optionally prefixed h-)")
    return text


def _optional_id(v, path):
    return None if v is None else _id(v, path)


def _name(v, path):
    text = _text(v, path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SceneError(path, "contains a lone UTF-16 surrogate (not valid Unicode)") from None
    return text
