"""Materials, texture bindings, images and camera/light parameters as JSON (docs/protocol.md §2, §8).

The twin of src/VibeSync.Protocol/SceneJson/{MaterialJson,ImageJson,ViewJson}.cs: one reader and one
writer shared by scene JSON and the operations that carry these records, so a value out of range is
refused at the same path by both languages (a located error in a scene, INVALID_VALUE in an operation).
"""

import math

from .errors import SceneError
from .fields import (as_object, check_fields, kind_name, read_id, read_name, read_real, read_reals, read_text)
from .model import (ALPHA_MODES, CAMERA_TYPES, COLOR_SPACES, LIGHT_TYPES, MAG_FILTERS, MAX_IMAGE_SIZE, MAX_TEXCOORD,
                    MIMES, MIN_FILTERS, TEXTURE_SLOTS, WRAPS, CameraParameters, Image, LightParameters, Material,
                    TextureBinding)
from .quantize import is_hashable

MATERIAL_REQUIRED = ("uuid", "name", "base_color", "metallic", "roughness", "emission")
MATERIAL_OPTIONAL = ("emissive_strength", "alpha_mode", "alpha_cutoff", "double_sided", "normal_scale",
                     "occlusion_strength", "textures", "unsynced")
TEXTURE_FIELDS = ("texcoord", "wrap_s", "wrap_t", "mag_filter", "min_filter", "offset", "rotation", "scale")
IMAGE_FIELDS = ("uuid", "name", "mime", "blob", "width", "height", "color_space")
PERSPECTIVE_FIELDS = ("type", "yfov", "aspect", "znear", "zfar")
ORTHOGRAPHIC_FIELDS = ("type", "xmag", "ymag", "znear", "zfar")
LIGHT_FIELDS = ("type", "color", "intensity", "range", "inner_cone", "outer_cone")


# ---- values and their ranges ---------------------------------------------------------------

def choices(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def read_enum(v, path, names):
    text = read_text(v, path)
    if text not in names:
        raise SceneError(path, f"unknown value \"{text}\" (expected {choices(names)})")
    return text


def read_bool(v, path):
    if not isinstance(v, bool):
        raise SceneError(path, "expected true or false")
    return v


def hashable(v, path):
    if not is_hashable(v):
        raise SceneError(path, f"expected a finite number within ±1e12, got {v!r}")
    return v


def in_unit(v, path):
    if not 0 <= v <= 1:
        raise SceneError(path, f"expected a number from 0 to 1, got {v!r}")
    return v


def at_least_zero(v, path):
    if not v >= 0:
        raise SceneError(path, f"expected a number ≥ 0, got {v!r}")
    return hashable(v, path)


def positive(v, path):
    if not v > 0:
        raise SceneError(path, f"expected a number greater than 0, got {v!r}")
    return hashable(v, path)


def read_unit(v, path):
    return in_unit(read_real(v, path), path)


def read_non_negative(v, path):
    return at_least_zero(read_real(v, path), path)


def read_finite(v, path):
    return hashable(read_real(v, path), path)


def read_pair(v, path):
    a = read_reals(v, path, 2)
    return (hashable(a[0], path + "[0]"), hashable(a[1], path + "[1]"))


def read_base_color(v, path):
    c = read_reals(v, path, 4)
    return tuple(in_unit(x, f"{path}[{i}]") for i, x in enumerate(c))


def read_emission(v, path):
    c = read_reals(v, path, 3)
    return tuple(at_least_zero(x, f"{path}[{i}]") for i, x in enumerate(c))


def read_integer(v, path, low, high, what):
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        shown = v if isinstance(v, (int, float)) and not isinstance(v, bool) else kind_name(v)
        raise SceneError(path, f"expected {what}: an integer from {low} to {high}, got {shown}")
    return v


# ---- materials ---------------------------------------------------------------------------------

def read_material(m, path, uuid):
    """A whole material record (the caller checked the field set and read the uuid)."""
    material = Material(uuid=uuid, name=read_name(m["name"], path + ".name"),
                        base_color=read_base_color(m["base_color"], path + ".base_color"),
                        metallic=read_unit(m["metallic"], path + ".metallic"),
                        roughness=read_unit(m["roughness"], path + ".roughness"),
                        emission=read_emission(m["emission"], path + ".emission"))
    return read_material_optional(m, path, material)


def material_optional_values(m, path):
    """The schema-3 fields present in ``m``, checked, as keyword arguments of Material."""
    out = {}
    if "emissive_strength" in m:
        out["emissive_strength"] = read_non_negative(m["emissive_strength"], path + ".emissive_strength")
    if "alpha_mode" in m:
        out["alpha_mode"] = read_enum(m["alpha_mode"], path + ".alpha_mode", ALPHA_MODES)
    if "alpha_cutoff" in m:
        out["alpha_cutoff"] = read_unit(m["alpha_cutoff"], path + ".alpha_cutoff")
    if "double_sided" in m:
        out["double_sided"] = read_bool(m["double_sided"], path + ".double_sided")
    if "normal_scale" in m:
        out["normal_scale"] = read_finite(m["normal_scale"], path + ".normal_scale")
    if "occlusion_strength" in m:
        out["occlusion_strength"] = read_unit(m["occlusion_strength"], path + ".occlusion_strength")
    if "textures" in m:
        out["textures"] = read_textures(m["textures"], path + ".textures", allow_null=False)
    if "unsynced" in m:
        out["unsynced"] = read_unsynced(m["unsynced"], path + ".unsynced")
    return out


def read_unsynced(v, path):
    """None, or a non-empty reason why Blender's node graph cannot be represented."""
    if v is None:
        return None
    reason = read_name(v, path)
    if not reason:
        raise SceneError(path, "expected null or the reason the material is not synced, got an empty string")
    return reason


def read_material_optional(m, path, material):
    from dataclasses import replace
    values = material_optional_values(m, path)
    return replace(material, **values) if values else material


def read_textures(v, path, allow_null):
    """slot → TextureBinding (or None when ``allow_null``: set_material_params removing a slot)."""
    o = as_object(v, path)
    out = {}
    for key, value in o.items():
        sp = f"{path}.{key}"
        if key not in TEXTURE_SLOTS:
            raise SceneError(sp, f"unknown texture slot (expected {choices(TEXTURE_SLOTS)})")
        if value is None:
            if not allow_null:
                raise SceneError(sp, "expected a texture binding, got null")
            out[key] = None
        else:
            out[key] = read_texture(value, sp)
    return out


def read_texture(v, path):
    o = as_object(v, path)
    check_fields(o, path, ("image",), TEXTURE_FIELDS)
    values = {"image": read_id(o["image"], path + ".image")}
    if "texcoord" in o:
        values["texcoord"] = read_integer(o["texcoord"], path + ".texcoord", 0, MAX_TEXCOORD, "a texture coordinate set")
    for key, names in (("wrap_s", WRAPS), ("wrap_t", WRAPS), ("mag_filter", MAG_FILTERS), ("min_filter", MIN_FILTERS)):
        if key in o:
            values[key] = read_enum(o[key], f"{path}.{key}", names)
    if "offset" in o:
        values["offset"] = read_pair(o["offset"], path + ".offset")
    if "rotation" in o:
        values["rotation"] = read_finite(o["rotation"], path + ".rotation")
    if "scale" in o:
        values["scale"] = read_pair(o["scale"], path + ".scale")
    return TextureBinding(**values)


def texture_json(t):
    return {"image": t.image, "texcoord": t.texcoord, "wrap_s": t.wrap_s, "wrap_t": t.wrap_t,
            "mag_filter": t.mag_filter, "min_filter": t.min_filter, "offset": list(t.offset),
            "rotation": t.rotation, "scale": list(t.scale)}


def textures_json(textures):
    """Slots in encoding order; a None binding (a removal) is written as null."""
    return {s: (None if textures[s] is None else texture_json(textures[s])) for s in TEXTURE_SLOTS if s in textures}


def material_json(m):
    """The whole record (every field)."""
    return {"uuid": m.uuid, "name": m.name, "base_color": list(m.base_color), "metallic": m.metallic,
            "roughness": m.roughness, "emission": list(m.emission), "emissive_strength": m.emissive_strength,
            "alpha_mode": m.alpha_mode, "alpha_cutoff": m.alpha_cutoff, "double_sided": m.double_sided,
            "normal_scale": m.normal_scale, "occlusion_strength": m.occlusion_strength,
            "textures": textures_json(m.textures), "unsynced": m.unsynced}


# ---- images ------------------------------------------------------------------------------------

def read_mime(v, path):
    mime = read_text(v, path)
    if mime not in MIMES:
        raise SceneError(path, f"unknown value \"{mime}\" (expected {MIMES[0]} or {MIMES[1]})")
    return mime


def read_size(v, path):
    return read_integer(v, path, 1, MAX_IMAGE_SIZE, "a size in pixels")


def read_image(o, path, uuid, read_blob_id):
    """An image record's fields (the caller checked the field set and read the uuid)."""
    return Image(uuid=uuid, name=read_name(o["name"], path + ".name"), mime=read_mime(o["mime"], path + ".mime"),
                 blob=read_blob_id(o["blob"], path + ".blob"), width=read_size(o["width"], path + ".width"),
                 height=read_size(o["height"], path + ".height"),
                 color_space=read_enum(o["color_space"], path + ".color_space", COLOR_SPACES))


def image_json(i):
    return {"uuid": i.uuid, "name": i.name, "mime": i.mime, "blob": i.blob, "width": i.width, "height": i.height,
            "color_space": i.color_space}


# ---- cameras and lights ------------------------------------------------------------------------

def _typed(v, path, types):
    """(object, its type) of a camera or light; the type is read before the field set it decides."""
    o = as_object(v, path)
    if "type" not in o:
        raise SceneError(path + ".type", "missing field")
    return o, read_enum(o["type"], path + ".type", types)


def read_camera(v, path):
    """CameraParameters, or None for null."""
    if v is None:
        return None
    o, kind = _typed(v, path, CAMERA_TYPES)
    check_fields(o, path, PERSPECTIVE_FIELDS if kind == "perspective" else ORTHOGRAPHIC_FIELDS, ())
    if kind == "perspective":
        c = CameraParameters(kind, yfov=read_real(o["yfov"], path + ".yfov"), aspect=read_real(o["aspect"], path + ".aspect"),
                             znear=read_real(o["znear"], path + ".znear"), zfar=read_real(o["zfar"], path + ".zfar"))
    else:
        c = CameraParameters(kind, xmag=read_real(o["xmag"], path + ".xmag"), ymag=read_real(o["ymag"], path + ".ymag"),
                             znear=read_real(o["znear"], path + ".znear"), zfar=read_real(o["zfar"], path + ".zfar"))
    check_camera(c, path)
    return c


def check_camera(c, path):
    """The camera ranges: the first broken rule, as a SceneError at its field (C#: ViewJson.CheckCamera)."""
    if c.type == "perspective":
        if not 0 < c.yfov < math.pi:
            raise SceneError(path + ".yfov", f"expected radians greater than 0 and less than π, got {c.yfov!r}")
        positive(c.aspect, path + ".aspect")
    else:
        positive(c.xmag, path + ".xmag")
        positive(c.ymag, path + ".ymag")
    positive(c.znear, path + ".znear")
    if not c.zfar > c.znear:
        raise SceneError(path + ".zfar", f"expected a number greater than znear ({c.znear!r}), got {c.zfar!r}")
    hashable(c.zfar, path + ".zfar")


def read_light(v, path):
    """LightParameters, or None for null."""
    if v is None:
        return None
    o, kind = _typed(v, path, LIGHT_TYPES)
    if kind == "spot":
        check_fields(o, path, ("type", "color", "intensity", "inner_cone", "outer_cone"), ("range",))
    else:
        check_fields(o, path, ("type", "color", "intensity"), ("range", "inner_cone", "outer_cone"))
    light = LightParameters(
        kind, tuple(read_reals(o["color"], path + ".color", 3)), read_real(o["intensity"], path + ".intensity"),
        read_real(o["range"], path + ".range") if o.get("range") is not None else None,
        read_real(o["inner_cone"], path + ".inner_cone") if "inner_cone" in o else 0.0,
        read_real(o["outer_cone"], path + ".outer_cone") if "outer_cone" in o else 0.0)
    check_light(light, path)
    return light


def check_light(light, path):
    """The light ranges: the first broken rule, as a SceneError at its field (C#: ViewJson.CheckLight)."""
    for i, c in enumerate(light.color):
        in_unit(c, f"{path}.color[{i}]")
    at_least_zero(light.intensity, path + ".intensity")
    if light.range is not None:
        positive(light.range, path + ".range")
    if light.type == "spot":
        if not 0 < light.outer_cone <= math.pi / 2:
            raise SceneError(path + ".outer_cone", f"expected radians greater than 0 and at most π/2, got {light.outer_cone!r}")
        if not 0 <= light.inner_cone < light.outer_cone:
            raise SceneError(path + ".inner_cone",
                             f"expected radians from 0 to less than outer_cone ({light.outer_cone!r}), got {light.inner_cone!r}")
    else:
        if light.inner_cone != 0:
            raise SceneError(path + ".inner_cone", f"only a spot light has cones (expected 0), got {light.inner_cone!r}")
        if light.outer_cone != 0:
            raise SceneError(path + ".outer_cone", f"only a spot light has cones (expected 0), got {light.outer_cone!r}")


def read_view_field(name, v, path):
    """One set_camera/set_light number with the range it has on its own (C#: ViewJson.Field)."""
    x = read_real(v, path)
    if name == "yfov":
        if not 0 < x < math.pi:
            raise SceneError(path, f"expected radians greater than 0 and less than π, got {x!r}")
        return x
    if name == "intensity":
        return at_least_zero(x, path)
    if name == "outer_cone":
        if not 0 < x <= math.pi / 2:
            raise SceneError(path, f"expected radians greater than 0 and at most π/2, got {x!r}")
        return x
    if name == "inner_cone":
        if not 0 <= x < math.pi / 2:
            raise SceneError(path, f"expected radians from 0 to less than π/2, got {x!r}")
        return x
    return positive(x, path)  # aspect, xmag, ymag, znear, zfar, range


def read_light_color(v, path):
    return tuple(in_unit(x, f"{path}[{i}]") for i, x in enumerate(read_reals(v, path, 3)))


def only_for(kind, owner, value, path):
    """Camera parameters only on a camera, light parameters only on a light (null allowed on any kind)."""
    if value is not None and kind != owner:
        raise SceneError(path, f"an object of kind {kind} has no {owner} parameters (expected null)")
    return value


def camera_json(c):
    out = {"type": c.type}
    if c.type == "perspective":
        out.update(yfov=c.yfov, aspect=c.aspect)
    else:
        out.update(xmag=c.xmag, ymag=c.ymag)
    out.update(znear=c.znear, zfar=c.zfar)
    return out


def light_json(light):
    return {"type": light.type, "color": list(light.color), "intensity": light.intensity, "range": light.range,
            "inner_cone": light.inner_cone, "outer_cone": light.outer_cone}
