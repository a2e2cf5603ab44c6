"""Strict reading of scene JSON in any space (docs/protocol.md §2, §8), returning a canonical scene.

Every refusal is a SceneError whose path names the record and field in the same words as the C#
reader (src/VibeSync.Protocol/SceneJson/SceneJsonReader.cs); testdata/hash_error_vectors.json pins
them for both.
"""

from . import convert
from .errors import SceneError
from .fields import (as_array as _as_array, as_object as _as_object, check_fields as _check_fields,
                     is_valid_id, kind_name as _kind_name, parse as _parse, read_blob_id, read_id as _id, read_index as _index,
                     read_name as _name, read_optional_id as _optional_id, read_real as _real, read_reals as _reals,
                     read_text as _text, read_vector as _vector)
from .blobs import float_blob, index_blob
from .content_json import (IMAGE_FIELDS, MATERIAL_OPTIONAL, MATERIAL_REQUIRED, camera_json, image_json, light_json, only_for,
                           material_json, read_camera, read_image, read_light, read_material)
from .model import (JOINTS_0, KINDS, MAX_MATERIAL_SLOT, POSITION, TEXTURE_SLOTS, WEIGHTS_0, Mesh, Primitive, Scene,
                    SceneObject, components, texcoord, texcoord_index)
from .rigging_json import (ANIMATION_FIELDS, SKIN_FIELDS, SKIN_OPTIONAL, animation_json, read_animation, read_skin,
                           read_targets, skin_json, targets_json)
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
    out["objects"] = [object_json(o, t, r, sc, space) for o in s.objects]
    out["materials"] = [material_json(m) for m in s.materials]
    out["meshes"] = [mesh_json(m) for m in s.meshes]
    out["images"] = [image_json(i) for i in s.images]
    out["skins"] = [skin_json(k) for k in s.skins]
    out["animations"] = [animation_json(a) for a in s.animations]
    return out


def object_json(o, t, r, sc, space):
    out = {
        "uuid": o.uuid, "name": o.name, "kind": o.kind, "parent": o.parent, t: list(o.translation),
        r: [o.rotation[3], *o.rotation[:3]] if space == "blender" else list(o.rotation),  # Blender: (w, x, y, z)
        sc: list(o.scale), "visible": o.visible, "materials": list(o.materials), "mesh": o.mesh,
    }
    if o.camera is not None:
        out["camera"] = camera_json(o.camera)
    if o.light is not None:
        out["light"] = light_json(o.light)
    if o.skin is not None:
        out["skin"] = o.skin
    return out


def mesh_json(m):
    """One mesh record as scene JSON (the record form: the same in every space)."""
    return {"uuid": m.uuid, "vertex_count": m.vertex_count,
            "attributes": {k: m.attributes[k] for k in sorted(m.attributes)},
            "primitives": [{"material": p.material, "indices": p.indices} for p in m.primitives],
            "derived": list(m.derived), **targets_json(m)}


RECORD_FIELDS = ("uuid", "vertex_count", "attributes", "primitives", "derived")
RECORD_OPTIONAL = ("targets", "weights")  # content schema 4's morph targets
MAX_VERTEX_COUNT = 2**31 - 1


def is_inline(m):
    """The inline (schema-1) form: a mesh object with positions, triangles or uv0."""
    return "positions" in m or "triangles" in m or "uv0" in m


def read_integer(v, path, low, high, what):
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        shown = v if isinstance(v, (int, float)) and not isinstance(v, bool) else _kind_name(v)
        raise SceneError(path, f"expected {what}: an integer from {low} to {high}, got {shown}")
    return v




def read_mesh_record(m, path, uuid):
    """The record form's fields (structure only: no bytes), with the C# reader's paths (MeshJson).
    The caller has checked the field set (required fields are present)."""
    vertex_count = read_integer(m["vertex_count"], path + ".vertex_count", 0, MAX_VERTEX_COUNT, "a vertex count")
    attributes_object = _as_object(m["attributes"], path + ".attributes")
    attributes = {}
    for key, value in attributes_object.items():
        ap = f"{path}.attributes.{key}"
        if not components(key):
            raise SceneError(ap, "unknown attribute (expected POSITION, NORMAL, TANGENT, TEXCOORD_0…TEXCOORD_7, COLOR_0, "
                                 "JOINTS_0 or WEIGHTS_0)")
        attributes[key] = read_blob_id(value, ap)
    if POSITION not in attributes:
        raise SceneError(path + ".attributes.POSITION", "missing field")
    if (JOINTS_0 in attributes) != (WEIGHTS_0 in attributes):
        has, lacks = (JOINTS_0, WEIGHTS_0) if JOINTS_0 in attributes else (WEIGHTS_0, JOINTS_0)
        raise SceneError(f"{path}.attributes.{lacks}", f"missing field ({has} and {lacks} come together)")
    for key in attributes:
        k = texcoord_index(key)
        if k > 0 and texcoord(k - 1) not in attributes:
            raise SceneError(f"{path}.attributes.{key}",
                             f"texture coordinate sets are contiguous from 0: {key} without {texcoord(k - 1)}")
    primitives = []
    for j, p in enumerate(_as_array(m["primitives"], path + ".primitives")):
        pp = f"{path}.primitives[{j}]"
        p = _as_object(p, pp)
        _check_fields(p, pp, ("material", "indices"), ())
        slot = read_integer(p["material"], pp + ".material", 0, MAX_MATERIAL_SLOT, "a material slot")
        if primitives and slot <= primitives[-1].material:
            raise SceneError(pp + ".material",
                             f"primitives are strictly ascending by material slot: {slot} after {primitives[-1].material}")
        primitives.append(Primitive(slot, read_blob_id(p["indices"], pp + ".indices")))
    derived = ()
    if "derived" in m:
        items = _as_array(m["derived"], path + ".derived")
        derived = tuple(_name(d, f"{path}.derived[{i}]") for i, d in enumerate(items))
        for i, d in enumerate(derived):
            if not d:
                raise SceneError(f"{path}.derived[{i}]", "expected what derived the mesh, got an empty string")
    targets, weights = read_targets(m, path)
    return Mesh(uuid=uuid, vertex_count=vertex_count, attributes=attributes, primitives=tuple(primitives), derived=derived,
                targets=targets, weights=weights)


def read_inline_mesh(m, path, uuid, space, unit_scale, sink):
    """The inline form (positions, triangles, uv0?) in ``space`` → canonical → a record whose blobs go to
    ``sink`` (anything with ``put(id, shape, data)``; None: only named). Values rounded to float32.
    The caller has checked the field set."""
    positions_array = _as_array(m["positions"], path + ".positions")
    positions = [_vector(p, f"{path}.positions[{i}]") for i, p in enumerate(positions_array)]
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
        uv = [tuple(_reals(p, f"{path}.uv0[{i}]", 2)) for i, p in enumerate(uv_array)]
        if len(uv) != len(positions):
            raise SceneError(path + ".uv0", f"expected one pair per position ({len(positions)}), got {len(uv)}")
    if space == "blender":
        positions = [convert.position_from_blender(p, unit_scale) for p in positions]
    elif space == "unity":
        positions = [convert.position_unity(p) for p in positions]
        triangles = [(a, c, b) for a, b, c in triangles]  # a mirror flips the winding
    for i, p in enumerate(positions):
        _range(f"{path}.positions[{i}]", p)
    for i, p in enumerate(uv or ()):
        _range(f"{path}.uv0[{i}]", p)
    return inline_record(uuid, positions, triangles, uv, sink)


def inline_record(uuid, positions, triangles, uv0, sink):
    """The record of canonical inline arrays (checked), its blobs put into ``sink`` when given."""
    def named(blob):
        blob_id_, shape, payload = blob
        if sink is not None:
            sink.put(blob_id_, shape, payload)
        return blob_id_
    attributes = {POSITION: named(float_blob((c for p in positions for c in p), 3))}
    if uv0 is not None:
        attributes[texcoord(0)] = named(float_blob((c for p in uv0 for c in p), 2))
    primitives = (Primitive(0, named(index_blob(i for t in triangles for i in t))),) if triangles else ()
    return Mesh(uuid=uuid, vertex_count=len(positions), attributes=attributes, primitives=primitives, derived=())


def read_canonical(text, space, sink=None):
    """Parses, validates and converts scene JSON text written in ``space`` to a canonical Scene.

    Meshes in the inline form become records whose blobs are put into ``sink`` (``put(id, shape,
    data)``) when one is given; otherwise they are only named (enough to hash the scene)."""
    if space not in _FIELDS:
        raise ValueError(f"unknown space {space!r}")
    return _Reader(space, sink).read(_parse(text))


class _Reader:
    def __init__(self, space, sink=None):
        self.space = space
        self.sink = sink
        self.unit_scale = 1.0
        self.t_field, self.r_field, self.s_field = _FIELDS[space]

    def read(self, root):
        top = _as_object(root, "json")
        # Blender's scenes carry their unit scale; a Unity scene file may carry its project stamp
        # (the simulator saves it there), which is not part of any record.
        extra = {"blender": ("unit_scale",), "unity": ("vibesync_project",)}.get(self.space, ())
        allowed = ("objects", "materials", "meshes", "images", "skins", "animations") + extra
        _check_fields(top, "", (), allowed)
        unit_scale = 1.0
        if "unit_scale" in top:
            unit_scale = _real(top["unit_scale"], "unit_scale")
            if not unit_scale > 0:
                raise SceneError("unit_scale", "must be greater than 0")
        self.unit_scale = unit_scale
        materials = self._list(top, "materials", self._material)
        meshes = self._list(top, "meshes", self._mesh)
        images = self._list(top, "images", self._image)
        skins = self._list(top, "skins", self._skin)
        animations = self._list(top, "animations", self._animation)
        objects = self._list(top, "objects", self._object)
        native = Scene(tuple(objects), tuple(materials), tuple(meshes), tuple(images), tuple(skins), tuple(animations))
        check_closed(native)
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
                                "visible", "materials", "mesh"), ("camera", "light", "skin"))
        kind = _text(o["kind"], path + ".kind")
        if kind not in KINDS:
            raise SceneError(path + ".kind", f"unknown kind \"{kind}\" (expected {', '.join(KINDS[:-1])} or {KINDS[-1]})")
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
            camera=only_for(kind, "camera", read_camera(o["camera"], path + ".camera"), path + ".camera") if "camera" in o else None,
            light=only_for(kind, "light", read_light(o["light"], path + ".light"), path + ".light") if "light" in o else None,
            skin=_skin_only_for_mesh(kind, _optional_id(o["skin"], path + ".skin"), path + ".skin") if "skin" in o else None,
        )

    def _skin(self, k, path):
        _check_fields(k, path, SKIN_FIELDS, SKIN_OPTIONAL)
        return read_skin(k, path, _id(k["uuid"], path + ".uuid"))

    def _animation(self, a, path):
        _check_fields(a, path, ANIMATION_FIELDS, ())
        return read_animation(a, path, _id(a["uuid"], path + ".uuid"))

    def _material(self, m, path):
        _check_fields(m, path, MATERIAL_REQUIRED, MATERIAL_OPTIONAL)
        return read_material(m, path, _id(m["uuid"], path + ".uuid"))

    def _image(self, i, path):
        _check_fields(i, path, IMAGE_FIELDS, ())
        return read_image(i, path, _id(i["uuid"], path + ".uuid"), read_blob_id)

    def _mesh(self, m, path):
        if is_inline(m):
            _check_fields(m, path, ("uuid", "positions", "triangles"), ("uv0",))
            return read_inline_mesh(m, path, _id(m["uuid"], path + ".uuid"), self.space, self.unit_scale, self.sink)
        _check_fields(m, path, RECORD_FIELDS, RECORD_OPTIONAL)
        return read_mesh_record(m, path, _id(m["uuid"], path + ".uuid"))

    def _check_range(self, c):
        for i, o in enumerate(c.objects):
            _range(f"objects[{i}].{self.t_field}", o.translation)
            _range(f"objects[{i}].{self.r_field}", o.rotation)
            _range(f"objects[{i}].{self.s_field}", o.scale)
        # material, camera and light values are checked as they are read (content_json); mesh and image
        # records hold no values


def _skin_only_for_mesh(kind, skin, path):
    if skin is not None and kind != "mesh":
        raise SceneError(path, f"an object of kind {kind} has no skin (expected null)")
    return skin


def check_closed(s):
    """The whole-scene rules (unique IDs, references, no cycles, skeletons), C#: SceneJsonReader.CheckClosed."""
    _check_unique(s)
    _check_references(s)
    _check_acyclic(s)
    _check_rigging(s)


def _range(path, values):
    for v in values:
        if not is_hashable(v):
            raise SceneError(path, f"value {v!r} is out of range (|v| ≤ 1e12 in canonical units)")


def _check_unique(s):
    seen = set()
    for field, records in (("objects", s.objects), ("materials", s.materials), ("meshes", s.meshes), ("images", s.images),
                           ("skins", s.skins), ("animations", s.animations)):
        for i, r in enumerate(records):
            if r.uuid in seen:
                raise SceneError(f"{field}[{i}].uuid", f"duplicate uuid {r.uuid}")
            seen.add(r.uuid)


def _check_references(s):
    objects = {o.uuid: o for o in s.objects}
    materials = {m.uuid for m in s.materials}
    meshes = {m.uuid: m for m in s.meshes}
    images = {i.uuid for i in s.images}
    skins = {k.uuid for k in s.skins}
    for i, m in enumerate(s.materials):
        for slot in TEXTURE_SLOTS:
            t = m.textures.get(slot)
            if t is not None and t.image not in images:
                raise SceneError(f"materials[{i}].textures.{slot}.image", f"image {t.image} is not an image in the scene")
    for i, o in enumerate(s.objects):
        path = f"objects[{i}]"
        if o.parent is not None and o.parent not in objects:
            raise SceneError(path + ".parent", f"parent {o.parent} is not an object in the scene")
        parent = objects.get(o.parent) if o.parent is not None else None
        if o.kind == "joint" and (parent is None or parent.kind not in ("joint", "armature")):
            raise SceneError(path + ".parent", "a joint needs a parent (a joint or an armature)" if parent is None
                             else f"a joint's parent is a joint or an armature, not an object of kind {parent.kind}")
        if o.kind == "mesh":
            if o.mesh is None:
                raise SceneError(path + ".mesh", "an object of kind mesh needs a mesh")
            if o.mesh not in meshes:
                raise SceneError(path + ".mesh", f"mesh {o.mesh} is not a mesh in the scene")
            if o.skin is not None:
                if o.skin not in skins:
                    raise SceneError(path + ".skin", f"skin {o.skin} is not a skin in the scene")
                if JOINTS_0 not in meshes[o.mesh].attributes:
                    raise SceneError(path + ".skin", f"a skinned object's mesh needs JOINTS_0 and WEIGHTS_0 (mesh {o.mesh} has none)")
            for j, m in enumerate(o.materials):
                if m is not None and m not in materials:
                    raise SceneError(f"{path}.materials[{j}]", f"material {m} is not a material in the scene")
        else:
            if o.mesh is not None:
                raise SceneError(path + ".mesh", f"an object of kind {o.kind} has no mesh (expected null)")
            if o.materials:
                raise SceneError(path + ".materials", f"an object of kind {o.kind} has no material slots (expected [])")
    for i, k in enumerate(s.skins):
        for j, joint_id in enumerate(k.joints):
            jp = f"skins[{i}].joints[{j}]"
            joint = objects.get(joint_id)
            if joint is None:
                raise SceneError(jp, f"joint {joint_id} is not an object in the scene")
            if joint.kind != "joint":
                raise SceneError(jp, f"object {joint_id} is not a joint (kind {joint.kind})")
        if k.skeleton is not None:
            sp = f"skins[{i}].skeleton"
            root = objects.get(k.skeleton)
            if root is None:
                raise SceneError(sp, f"skeleton {k.skeleton} is not an object in the scene")
            if root.kind not in ("joint", "armature"):
                raise SceneError(sp, f"a skeleton is a joint or an armature, not an object of kind {root.kind}")
    for i, a in enumerate(s.animations):
        for j, c in enumerate(a.channels):
            cp = f"animations[{i}].channels[{j}]"
            target = objects.get(c.target)
            if target is None:
                raise SceneError(cp + ".target", f"target {c.target} is not an object in the scene")
            if c.path == "weights" and not (target.mesh in meshes and meshes[target.mesh].targets):
                raise SceneError(cp + ".path", f"weights animate morph targets: object {target.uuid} has no mesh with targets")


def _check_rigging(s):
    """Each skin's skeleton is an ancestor (or the same object) of every joint it names; parents are acyclic."""
    if not s.skins:
        return
    parent = {o.uuid: o.parent for o in s.objects}
    for i, k in enumerate(s.skins):
        if k.skeleton is None:
            continue
        for joint in k.joints:
            at = joint
            while at is not None and at != k.skeleton:
                at = parent[at]
            if at is None:
                raise SceneError(f"skins[{i}].skeleton", f"skeleton {k.skeleton} is not an ancestor of joint {joint}")


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
