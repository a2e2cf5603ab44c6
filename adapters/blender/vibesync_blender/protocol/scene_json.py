"""Strict reading of scene JSON in any space (docs/protocol.md §2, §8), returning a canonical scene.

Every refusal is a SceneError whose path names the record and field in the same words as the C#
reader (src/VibeSync.Protocol/SceneJson/SceneJsonReader.cs); testdata/hash_error_vectors.json pins
them for both.
"""

from . import convert
from .errors import SceneError
from .fields import (as_array as _as_array, as_object as _as_object, check_fields as _check_fields,
                     is_valid_id, kind_name as _kind_name, parse as _parse, read_id as _id, read_index as _index,
                     read_name as _name, read_optional_id as _optional_id, read_real as _real, read_reals as _reals,
                     read_text as _text, read_vector as _vector)
from .model import KINDS, Material, Mesh, Scene, SceneObject
from .quantize import is_hashable

_FIELDS = {
    "blender": ("location", "rotation_quaternion", "scale"),
    "unity": ("localPosition", "localRotation", "localScale"),
    "canonical": ("translation", "rotation", "scale"),
}


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
    out["meshes"] = [mesh_json(m) for m in s.meshes]
    return out


def mesh_json(m):
    """One mesh record as scene JSON (positions are written as they are: convert first)."""
    d = {"uuid": m.uuid, "positions": [list(p) for p in m.positions], "triangles": [list(x) for x in m.triangles]}
    if m.uv0 is not None:
        d["uv0"] = [list(u) for u in m.uv0]
    return d


def read_canonical(text, space):
    """Parses, validates and converts scene JSON text written in ``space`` to a canonical Scene."""
    if space not in _FIELDS:
        raise ValueError(f"unknown space {space!r}")
    return _Reader(space).read(_parse(text))


class _Reader:
    def __init__(self, space):
        self.space = space
        self.t_field, self.r_field, self.s_field = _FIELDS[space]

    def read(self, root):
        top = _as_object(root, "json")
        # Blender's scenes carry their unit scale; a Unity scene file may carry its project stamp
        # (the simulator saves it there), which is not part of any record.
        extra = {"blender": ("unit_scale",), "unity": ("vibesync_project",)}.get(self.space, ())
        allowed = ("objects", "materials", "meshes") + extra
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
