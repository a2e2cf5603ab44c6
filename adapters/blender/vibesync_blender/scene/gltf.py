"""Blender's camera, light, texture and image values ⇄ glTF's (content schema 3), as pure functions.

Standard library only (no bpy): tested by the system Python. Each conversion is the one Blender's
bundled glTF exporter (io_scene_gltf2 3.4) applies, and its inverse the one the bundled importer
applies, read for this, no code copied: gather_cameras.py, gather_lights.py / gather_light_spots.py
(lighting mode SPEC, 683 lm/W), gltf2_blender_get.get_texture_transform_from_mapping_node with
com/gltf2_blender_conversion.texture_transform_*, gather_sampler.py and imp/gltf2_blender_texture.py.
The bpy side (materials.py, optics.py) reads the values out of datablocks and writes them back.
"""

import math
import struct

PBR_WATTS_TO_LUMENS = 683.0  # the exporter's SPEC mode


class Unrepresentable(ValueError):
    """A Blender setting glTF (and so VibeSync) has no value for; the text is the reason."""


# ---- cameras ---------------------------------------------------------------------------------------

def render_size(resolution_x, resolution_y, pixel_aspect_x, pixel_aspect_y):
    """(width, height) of the rendered frame in square units, as the exporter weighs them."""
    return resolution_x * pixel_aspect_x, resolution_y * pixel_aspect_y


def camera_record(camera_type, angle, sensor_fit, ortho_scale, clip_start, clip_end, width, height):
    """A camera's glTF parameters from Blender's (``angle`` is Camera.angle, the field of view along
    the sensor fit's axis; ``width``/``height`` from render_size). Panoramic cameras are not glTF."""
    if camera_type == "ORTHO":
        square = max(width, height)
        return {"type": "orthographic", "xmag": ortho_scale * (width / square) / 2,
                "ymag": ortho_scale * (height / square) / 2, "znear": clip_start, "zfar": clip_end}
    if camera_type != "PERSP":
        raise Unrepresentable(f"a {camera_type.lower()} camera has no glTF projection")
    aspect = width / height
    if _fit_is_vertical(sensor_fit, width, height):
        yfov = angle
    else:
        yfov = 2.0 * math.atan(math.tan(angle * 0.5) / aspect)
    return {"type": "perspective", "yfov": yfov, "aspect": aspect, "znear": clip_start, "zfar": clip_end}


def _fit_is_vertical(sensor_fit, width, height):
    """Whether Camera.angle is the vertical field of view (the exporter's two cases)."""
    if width >= height:
        return sensor_fit == "VERTICAL"
    return sensor_fit != "HORIZONTAL"


ASPECT_TOLERANCE = 1e-4


def camera_native(record, sensor_fit, width, height):
    """Blender's camera values for a glTF camera record, keeping the camera's sensor fit (the importer
    switches it to VERTICAL; only what a field needs changes here). The aspect is the scene's render
    aspect in Blender, shared by every camera: a record asking another one is refused (ValueError)."""
    out = {"clip_start": record["znear"], "clip_end": record["zfar"]}
    aspect = width / height
    if record["type"] == "orthographic":
        xmag, ymag = record["xmag"], record["ymag"]
        if abs(xmag / ymag - aspect) > ASPECT_TOLERANCE * aspect:
            raise ValueError(f"xmag/ymag is {xmag / ymag:.6g} but Blender's render aspect is {aspect:.6g} "
                             "(the scene's resolution, shared by every camera)")
        out["type"] = "ORTHO"
        out["ortho_scale"] = 2.0 * max(xmag, ymag)
        return out
    if abs(record["aspect"] - aspect) > ASPECT_TOLERANCE * aspect:
        raise ValueError(f"aspect {record['aspect']:.6g} differs from Blender's render aspect {aspect:.6g} "
                         "(the scene's resolution, shared by every camera)")
    yfov = record["yfov"]
    out["type"] = "PERSP"
    out["angle"] = yfov if _fit_is_vertical(sensor_fit, width, height) else 2.0 * math.atan(math.tan(yfov * 0.5) * aspect)
    return out


# ---- lights ----------------------------------------------------------------------------------------

LIGHT_TYPES = {"POINT": "point", "SPOT": "spot", "SUN": "directional"}


def light_record(light_type, color, energy, use_custom_distance, cutoff_distance, spot_size=0.0, spot_blend=0.0,
                 strict=True):
    """A light's KHR_lights_punctual parameters from Blender's (watts; W/m² for a sun). ``strict``
    False gives a hard-edged spot's equal cones (a write then replaces them) instead of refusing."""
    if light_type not in LIGHT_TYPES:
        raise Unrepresentable(f"{light_type.lower()} lights have no KHR_lights_punctual type")
    kind = LIGHT_TYPES[light_type]
    intensity = energy * PBR_WATTS_TO_LUMENS if kind == "directional" else energy / (4 * math.pi) * PBR_WATTS_TO_LUMENS
    inner = outer = 0.0
    if kind == "spot":
        outer = spot_size * 0.5
        inner = outer - outer * spot_blend
        if strict and not inner < outer:  # glTF's cones need a blend: a hard-edged Blender spot has none
            raise Unrepresentable("a spot with Blend 0 has its inner cone equal to its outer cone (glTF needs inner < outer)")
    return {"type": kind, "color": tuple(color[:3]), "intensity": intensity,
            "range": cutoff_distance if use_custom_distance else None, "inner_cone": inner, "outer_cone": outer}


def light_native(record):
    """Blender's light values for a KHR_lights_punctual record (the importer's inverse, SPEC mode)."""
    kind = record["type"]
    blender_type = {v: k for k, v in LIGHT_TYPES.items()}[kind]
    intensity = record["intensity"]
    energy = intensity / PBR_WATTS_TO_LUMENS if kind == "directional" else intensity / PBR_WATTS_TO_LUMENS * 4 * math.pi
    out = {"type": blender_type, "color": tuple(record["color"]), "energy": energy,
           "use_custom_distance": record["range"] is not None}
    if record["range"] is not None:
        out["cutoff_distance"] = record["range"]
    if kind == "spot":
        outer = record["outer_cone"]
        out["spot_size"] = 2.0 * outer
        out["spot_blend"] = 1.0 - record["inner_cone"] / outer if outer > 0 else 1.0
    return out


# ---- textures --------------------------------------------------------------------------------------

IDENTITY_TRANSFORM = {"offset": (0.0, 0.0), "rotation": 0.0, "scale": (1.0, 1.0)}


def transform_from_mapping(vector_type, location, rotation, scale):
    """KHR_texture_transform (offset, rotation, scale) of a Mapping node's inputs (Location, Rotation
    as XYZ Euler, Scale); raises Unrepresentable where the exporter skips the transform."""
    if vector_type not in ("TEXTURE", "POINT", "VECTOR"):
        raise Unrepresentable(f"a Mapping node of type {vector_type} (only Point, Texture and Vector convert)")
    if rotation[0] or rotation[1]:
        raise Unrepresentable("a Mapping node rotates about X or Y (only a Z rotation is a texture transform)")
    offset, angle, size = (location[0], location[1]), rotation[2], (scale[0], scale[1])
    if vector_type == "TEXTURE":  # the inverse TRS, when it is one
        if abs(angle) > 1e-5 and abs(size[0] - size[1]) > 1e-5:
            raise Unrepresentable("a Texture-type Mapping node that rotates a non-uniform scale")
        if abs(size[0]) < 1e-5 or abs(size[1]) < 1e-5:
            raise Unrepresentable("a Texture-type Mapping node with a zero scale")
        c, s = math.cos(-angle), math.sin(-angle)
        ox, oy = -offset[0], -offset[1]
        offset = ((c * ox - s * oy) / size[0], (s * ox + c * oy) / size[1])
        angle, size = -angle, (1 / size[0], 1 / size[1])
    elif vector_type == "VECTOR":
        offset = (0.0, 0.0)
    return {"offset": (offset[0] - size[1] * math.sin(angle), 1 - offset[1] - size[1] * math.cos(angle)),
            "rotation": angle, "scale": size}


def mapping_from_transform(offset, rotation, scale):
    """A Point-type Mapping node's (Location xy, Rotation z, Scale xy) for a KHR_texture_transform."""
    return ((offset[0] + scale[1] * math.sin(rotation), 1 - offset[1] - scale[1] * math.cos(rotation)),
            rotation, (scale[0], scale[1]))


def is_identity_transform(offset, rotation, scale):
    return tuple(offset) == (0.0, 0.0) and rotation == 0.0 and tuple(scale) == (1.0, 1.0)


WRAPS = ("REPEAT", "CLAMP_TO_EDGE", "MIRRORED_REPEAT")
MAG_FILTERS = ("NEAREST", "LINEAR")
MIN_FILTERS = ("NEAREST", "LINEAR", "NEAREST_MIPMAP_NEAREST", "LINEAR_MIPMAP_NEAREST", "NEAREST_MIPMAP_LINEAR",
               "LINEAR_MIPMAP_LINEAR")


def filters_of(interpolation):
    """(mag, min) for an Image Texture node's interpolation, as the exporter reads them."""
    if interpolation == "Closest":
        return "NEAREST", "NEAREST_MIPMAP_NEAREST"
    return "LINEAR", "LINEAR_MIPMAP_LINEAR"


def interpolation_of(mag_filter, min_filter):
    """The importer's interpolation for a sampler: Closest only when both filters are nearest."""
    m = {"NEAREST_MIPMAP_NEAREST": "NEAREST", "NEAREST_MIPMAP_LINEAR": "NEAREST",
         "LINEAR_MIPMAP_NEAREST": "LINEAR", "LINEAR_MIPMAP_LINEAR": "LINEAR"}.get(min_filter, min_filter)
    return "Closest" if (m, mag_filter) == ("NEAREST", "NEAREST") else "Linear"


def wrap_of(extension):
    """The wrap of both axes for an Image Texture node's extension (without UV math nodes)."""
    return "CLAMP_TO_EDGE" if extension in ("EXTEND", "CLIP") else "REPEAT"


def extension_of(wrap_s, wrap_t):
    """(extension, needs per-axis UV math nodes) as the importer builds them."""
    if (wrap_s, wrap_t) == ("REPEAT", "REPEAT"):
        return "REPEAT", False
    if (wrap_s, wrap_t) == ("CLAMP_TO_EDGE", "CLAMP_TO_EDGE"):
        return "EXTEND", False
    return "EXTEND", True


# ---- materials -------------------------------------------------------------------------------------

ALPHA_MODES = ("OPAQUE", "MASK", "BLEND")


def alpha_mode_of(blend_method):
    return {"CLIP": "MASK", "BLEND": "BLEND", "HASHED": "BLEND"}.get(blend_method, "OPAQUE")


def blend_method_for(alpha_mode, current):
    """The blend method to write for ``alpha_mode``: the current one when it already means it (a
    hashed material stays hashed), else the importer's (OPAQUE, CLIP, BLEND)."""
    if alpha_mode_of(current) == alpha_mode:
        return current
    return {"OPAQUE": "OPAQUE", "MASK": "CLIP", "BLEND": "BLEND"}[alpha_mode]


def color_space_of(name):
    """VibeSync's colour space for a Blender colour space name: sRGB is srgb, the rest is data."""
    return "srgb" if name == "sRGB" else "linear"


def blender_color_space(color_space):
    return "sRGB" if color_space == "srgb" else "Non-Color"


# ---- encoded images --------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_info(data):
    """(mime, width, height) of PNG or JPEG bytes, from the IHDR or the first SOFn, by the same rules
    as the orchestrator's VibeSync.Protocol.Blobs.ImageHeader; raises ValueError naming what is wrong."""
    data = memoryview(data).cast("B")
    if bytes(data[:8]) == PNG_SIGNATURE:
        if len(data) < 24 or struct.unpack(">I", data[8:12])[0] != 13 or bytes(data[12:16]) != b"IHDR":
            raise ValueError("a PNG signature without an IHDR chunk")
        width, height = struct.unpack(">II", data[16:24])
        if not (width and height):
            raise ValueError(f"a PNG of {width}×{height} pixels")
        return "image/png", width, height
    if bytes(data[:2]) == b"\xff\xd8":
        i = 2
        while i + 1 < len(data):
            if data[i] != 0xFF:
                raise ValueError(f"a JPEG marker was expected at byte {i}")
            marker = data[i + 1]
            if marker == 0xFF:  # fill byte
                i += 1
                continue
            i += 2
            if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
                continue
            if marker in (0xD9, 0xDA) or i + 2 > len(data):  # the end, or scan data, before any frame
                break
            length = struct.unpack(">H", data[i:i + 2])[0]
            if length < 2:
                break
            if marker in _SOF:
                if length < 7 or i + 7 > len(data):
                    break
                height, width = struct.unpack(">HH", data[i + 3:i + 7])
                if width and height:
                    return "image/jpeg", width, height
                break
            i += length
        raise ValueError("a JPEG without a frame header (SOFn) before its scan data")
    raise ValueError("neither PNG nor JPEG")
