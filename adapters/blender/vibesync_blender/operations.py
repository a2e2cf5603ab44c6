"""The typed operations an orchestrator may ask an engine to apply (docs/intents.md), read strictly.

An APPLY from the orchestrator is authenticated, but the adapter still reads it field by field:
nothing here is evaluated, unknown fields and operations are refused, and every number of every
field is finite and within ±1e12 (one range, whatever the field: docs/intents.md "Numbers"). The
C# reader (src/VibeSync.Protocol/Operations/OperationReader.cs) is the authority; this one only has
to accept what it writes and refuse anything else. Values are canonical (glTF space).
"""

from dataclasses import dataclass
from .protocol.errors import SceneError
from .protocol.fields import (as_array, as_object, check_fields, read_id, read_index, read_name, read_optional_id,
                              read_real, read_reals, read_text, read_vector)
from .protocol import content_json as content
from .protocol import rigging_json as rigging
from .protocol.model import ANIMATION_PATHS, CAMERA_TYPES, KINDS, LIGHT_TYPES
from .protocol.scene_json import is_inline, read_blob_id, read_mesh_record

LIMIT = 1e12  # |v| beyond this is refused, whatever the field, as the C# reader does (docs/intents.md "Numbers")
MAX_SLOT = 1024  # material slots 0…1024, as the C# reader
_ASSET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./")


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation: ``op`` is its wire name, ``uuid`` its target, ``fields`` the rest (validated)."""

    op: str
    uuid: str
    fields: dict

    def get(self, name, default=None):
        return self.fields.get(name, default)


def _bounded(values, path):
    """The one range of every real of every operation; every number read below goes through it."""
    if any(abs(x) > LIMIT for x in values):
        raise SceneError(path, f"a value is beyond ±{LIMIT:g}")
    return tuple(values)


def _slot(v, path):
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_SLOT:
        raise SceneError(path, f"expected a slot number from 0 to {MAX_SLOT}")
    return v


def _vector(v, path):
    return _bounded(read_vector(v, path), path)


def _quaternion(v, path):
    q = _bounded(read_reals(v, path, 4), path)
    norm = sum(c * c for c in q) ** 0.5
    if abs(norm - 1.0) > 1e-3:
        raise SceneError(path, f"expected a unit quaternion, its length is {norm:.6f}")
    return q


def _asset(v, path):
    text = read_text(v, path)
    if not text or ".." in text or text.startswith("/") or any(c not in _ASSET_CHARS for c in text):
        raise SceneError(path, f"expected an asset id (letters, digits, _ - . /; no '..', not absolute), got {text!r}")
    return text


def _materials(v, path):
    return tuple(read_optional_id(m, f"{path}[{i}]") for i, m in enumerate(as_array(v, path)))


def _positions(v, path):
    return tuple(_vector(p, f"{path}[{i}]") for i, p in enumerate(as_array(v, path)))


def _triangles(v, path, count):
    out = []
    for i, t in enumerate(as_array(v, path)):
        t = as_array(t, f"{path}[{i}]")
        if len(t) != 3:
            raise SceneError(f"{path}[{i}]", f"expected 3 vertex indices, got {len(t)}")
        out.append(tuple(read_index(x, f"{path}[{i}][{j}]", count) for j, x in enumerate(t)))
    return tuple(out)


def _uv0(v, path, count):
    uvs = tuple(_bounded(read_reals(u, f"{path}[{i}]", 2), f"{path}[{i}]") for i, u in enumerate(as_array(v, path)))
    if len(uvs) != count:
        raise SceneError(path, f"expected one uv per position ({count}), got {len(uvs)}")
    return uvs


def _kind(v, path):
    text = read_text(v, path)
    if text not in KINDS:
        raise SceneError(path, f"unknown kind {text!r} ({', '.join(KINDS)})")
    return text


def _skin(v, path, fields):
    """A skin uuid or null; on create_object only for kind mesh."""
    skin = read_optional_id(v, path)
    if skin is not None and fields.get("kind", "mesh") != "mesh":
        raise SceneError(path, f"an object of kind {fields['kind']} has no skin (expected null)")
    return skin


def _children(v, path):
    text = read_text(v, path)
    if text not in ("delete", "reparent"):
        raise SceneError(path, "expected \"delete\" or \"reparent\"")
    return text


# op → (required fields, optional fields). Each field has one reader below, given (value, path, fields read so far).
_SCHEMAS = {
    "set_transform": ((), ("translation", "rotation", "scale")),
    "set_visibility": (("visible",), ()),
    "set_material_params": ((), ("base_color", "metallic", "roughness", "emission") + content.MATERIAL_OPTIONAL),
    "assign_material": (("slot", "material"), ()),
    "set_parent": (("parent",), ()),
    "set_mesh": (("mesh",), ()),
    "create_object": (("name", "kind", "parent", "translation", "rotation", "scale"),
                      ("visible", "mesh", "materials", "camera", "light", "skin")),
    "instantiate_prefab": (("prefab", "name", "parent", "translation", "rotation", "scale"), ()),
    "duplicate_object": (("new_uuid",), ("name",)),
    "delete_object": (("children",), ()),
    "replace_mesh": (("positions", "triangles"), ("uv0",)),
    "create_mesh": (("positions", "triangles"), ("uv0",)),
    "create_material": (("name", "base_color", "metallic", "roughness", "emission"), content.MATERIAL_OPTIONAL),
    "create_image": (("name", "mime", "blob", "width", "height", "color_space"), ()),
    "replace_image": (("blob", "mime", "width", "height"), ("color_space",)),
    "set_camera": ((), ("type", "yfov", "aspect", "xmag", "ymag", "znear", "zfar")),
    "set_light": ((), ("type", "color", "intensity", "range", "inner_cone", "outer_cone")),
    "replace_asset": (("asset",), ()),
    "rename": (("name",), ()),
    # content schema 4 (create_skin, create_animation and set_animation_channel are read whole, below)
    "set_skin": (("skin",), ()),
    "update_skin": ((), ("joints", "inverse_bind_matrices", "skeleton")),
    "delete_skin": ((), ()),
    "set_morph_weights": (("weights",), ()),
    "delete_animation": ((), ()),
}
_WHOLE = {"create_skin", "create_animation", "set_animation_channel"}

_READERS = {
    "translation": lambda v, p, f: _vector(v, p),
    "rotation": lambda v, p, f: _quaternion(v, p),
    "scale": lambda v, p, f: _vector(v, p),
    "visible": lambda v, p, f: content.read_bool(v, p),
    # materials (content schema 3): each field with its range, as the scene reader (content_json)
    "base_color": lambda v, p, f: content.read_base_color(v, p),
    "metallic": lambda v, p, f: content.read_unit(v, p),
    "roughness": lambda v, p, f: content.read_unit(v, p),
    "emission": lambda v, p, f: content.read_emission(v, p),
    "emissive_strength": lambda v, p, f: content.read_non_negative(v, p),
    "alpha_mode": lambda v, p, f: content.read_enum(v, p, content.ALPHA_MODES),
    "alpha_cutoff": lambda v, p, f: content.read_unit(v, p),
    "double_sided": lambda v, p, f: content.read_bool(v, p),
    "normal_scale": lambda v, p, f: content.read_finite(v, p),
    "occlusion_strength": lambda v, p, f: content.read_unit(v, p),
    "textures": lambda v, p, f: content.read_textures(v, p, allow_null=True),
    "unsynced": lambda v, p, f: content.read_unsynced(v, p),
    # images
    "mime": lambda v, p, f: content.read_mime(v, p),
    "blob": lambda v, p, f: read_blob_id(v, p),
    "width": lambda v, p, f: content.read_size(v, p),
    "height": lambda v, p, f: content.read_size(v, p),
    "color_space": lambda v, p, f: content.read_enum(v, p, content.COLOR_SPACES),
    # cameras and lights: each number with its own range (rules between fields are the orchestrator's)
    "yfov": lambda v, p, f: content.read_view_field("yfov", v, p),
    "aspect": lambda v, p, f: content.read_view_field("aspect", v, p),
    "xmag": lambda v, p, f: content.read_view_field("xmag", v, p),
    "ymag": lambda v, p, f: content.read_view_field("ymag", v, p),
    "znear": lambda v, p, f: content.read_view_field("znear", v, p),
    "zfar": lambda v, p, f: content.read_view_field("zfar", v, p),
    "color": lambda v, p, f: content.read_light_color(v, p),
    "intensity": lambda v, p, f: content.read_view_field("intensity", v, p),
    "range": lambda v, p, f: None if v is None else content.read_view_field("range", v, p),
    "inner_cone": lambda v, p, f: content.read_view_field("inner_cone", v, p),
    "outer_cone": lambda v, p, f: content.read_view_field("outer_cone", v, p),
    # create_object's parameters, whole (as in a scene), only on their own kind
    "camera": lambda v, p, f: content.only_for(f.get("kind"), "camera", content.read_camera(v, p), p),
    "light": lambda v, p, f: content.only_for(f.get("kind"), "light", content.read_light(v, p), p),
    "slot": lambda v, p, f: _slot(v, p),
    "material": lambda v, p, f: read_optional_id(v, p),
    "parent": lambda v, p, f: read_optional_id(v, p),
    "name": lambda v, p, f: read_name(v, p),
    "kind": lambda v, p, f: _kind(v, p),
    "mesh": lambda v, p, f: read_optional_id(v, p),
    "materials": lambda v, p, f: _materials(v, p),
    "prefab": lambda v, p, f: _asset(v, p),
    "asset": lambda v, p, f: _asset(v, p),
    "new_uuid": lambda v, p, f: read_id(v, p),
    "children": lambda v, p, f: _children(v, p),
    "positions": lambda v, p, f: _positions(v, p),
    "triangles": lambda v, p, f: _triangles(v, p, len(f["positions"])),
    "uv0": lambda v, p, f: _uv0(v, p, len(f["positions"])),
    # skins and morph weights (content schema 4)
    "skin": _skin,
    "joints": lambda v, p, f: rigging.read_joints(v, p),
    "inverse_bind_matrices": lambda v, p, f: read_blob_id(v, p),
    "skeleton": lambda v, p, f: read_optional_id(v, p),
    "weights": lambda v, p, f: rigging.read_weights(v, p, None),  # the count is the orchestrator's to check
}

# Fields whose readers depend on others are read after them.
_ORDER = ("positions", "kind")


def read_operation(o, path):
    """One operation object → Operation. Raises SceneError(path, reason)."""
    o = as_object(o, path)
    op = read_text(o.get("op"), path + ".op") if "op" in o else None
    if op is None:
        raise SceneError(path + ".op", "missing field")
    if op not in _SCHEMAS and op not in _WHOLE:
        raise SceneError(path + ".op", f"unknown operation {op!r}")
    if op in _WHOLE:
        return _whole_record_operation(op, o, path)
    if op in ("create_mesh", "replace_mesh") and not is_inline(o):
        return _mesh_record_operation(op, o, path)
    required, optional = _SCHEMAS[op]
    check_fields(o, path, ("op", "uuid") + required, optional)
    uuid = read_id(o["uuid"], path + ".uuid")
    fields = {}
    for name in sorted((k for k in o if k not in ("op", "uuid")), key=lambda k: (k not in _ORDER, k)):
        if name == "type":  # fields whose values depend on the operation
            fields[name] = content.read_enum(o[name], f"{path}.{name}", CAMERA_TYPES if op == "set_camera" else LIGHT_TYPES)
        elif name == "textures" and op == "create_material":  # a new material has no slot to remove
            fields[name] = content.read_textures(o[name], f"{path}.{name}", allow_null=False)
        else:
            fields[name] = _READERS[name](o[name], f"{path}.{name}", fields)
    if op == "set_mesh" and fields["mesh"] is None:  # an object of kind mesh always shows one
        raise SceneError(path + ".mesh", "expected a mesh's VibeSync ID, not null")
    if op in ("set_transform", "set_material_params", "set_camera", "set_light", "update_skin") and not fields:
        raise SceneError(path, f"{op} needs at least one of {', '.join(optional)}")
    return Operation(op, uuid, fields)


def _mesh_record_operation(op, o, path):
    """create_mesh/replace_mesh in the record form (content schema 2: blob references), read by the
    protocol's one mesh record reader; ``derived`` is optional in an operation (empty when left out)."""
    check_fields(o, path, ("op", "uuid", "vertex_count", "attributes", "primitives"), ("derived", "targets", "weights"))
    record = read_mesh_record(o, path, read_id(o["uuid"], path + ".uuid"))
    fields = {"vertex_count": record.vertex_count, "attributes": record.attributes, "primitives": record.primitives}
    for name in ("derived", "targets", "weights"):
        if name in o:
            fields[name] = getattr(record, name)
    return Operation(op, record.uuid, fields)


def _whole_record_operation(op, o, path):
    """create_skin and create_animation, read by the protocol's one record reader (fields: the record's,
    ``channels`` as AnimationChannel tuples), and set_animation_channel (``target``, ``path``, then either
    ``remove`` or the sampler's fields)."""
    if op == "create_skin":
        check_fields(o, path, ("op", "uuid", "name", "joints", "inverse_bind_matrices"), rigging.SKIN_OPTIONAL)
        skin = rigging.read_skin(o, path, read_id(o["uuid"], path + ".uuid"))
        return Operation(op, skin.uuid, {k: getattr(skin, k) for k in o if k not in ("op", "uuid")})
    if op == "create_animation":
        check_fields(o, path, ("op", "uuid", "name", "frame_rate", "channels"), ())
        animation = rigging.read_animation(o, path, read_id(o["uuid"], path + ".uuid"))
        return Operation(op, animation.uuid, {"name": animation.name, "frame_rate": animation.frame_rate, "channels": animation.channels})
    remove = "remove" in o
    if remove:
        check_fields(o, path, ("op", "uuid", "target", "path", "remove"), ())
    else:
        check_fields(o, path, ("op", "uuid", "target", "path") + rigging.CHANNEL_FIELDS[2:], rigging.CHANNEL_OPTIONAL)
    uuid = read_id(o["uuid"], path + ".uuid")
    target = read_id(o["target"], path + ".target")
    animation_path = content.read_enum(o["path"], path + ".path", ANIMATION_PATHS)
    if remove and o["remove"] is not True:
        raise SceneError(path + ".remove", "expected true (to remove the channel), or leave it out and give interpolation, times and values")
    fields = {"target": target, "path": animation_path}
    if remove:
        fields["remove"] = True
    else:
        channel = rigging.read_channel(o, path, target, animation_path)
        fields.update({k: getattr(channel, k) for k in o if k in rigging.CHANNEL_FIELDS[2:] + rigging.CHANNEL_OPTIONAL})
    return Operation(op, uuid, fields)


def read_operations(value, path="operations"):
    """A non-empty list of operations."""
    items = as_array(value, path)
    if not items:
        raise SceneError(path, "at least one operation")
    return tuple(read_operation(o, f"{path}[{i}]") for i, o in enumerate(items))

