"""Camera and light datablocks ⇄ the ``camera``/``light`` parameters of object records (content schema
3, docs/protocol.md §2), through the exporter's conversions in gltf.py. Needs bpy."""

import bpy

from ..protocol.convert import f32
from . import gltf

# Blender stores a light's power in watts as float32: a candela value a sync wrote (tens of thousands)
# would come back off by more than ε through W = cd·4π/683. So the intensity written is kept beside
# the energy it became, and reported while the energy is still that one; a human's change of the
# energy makes it read from the energy again. Either way it is reported as float32, as the orchestrator
# models Blender's storage: derived from the watts in double it is ~1e-3 cd off its own float32, so a
# human's edit never read back as Reality's model of it, and the same watts read two ways.
WRITTEN = "vibesync_intensity"

CAMERA_FIELDS = ("type", "yfov", "aspect", "xmag", "ymag", "znear", "zfar")
LIGHT_FIELDS = ("type", "color", "intensity", "range", "inner_cone", "outer_cone")


def frame(scene):
    r = scene.render
    return gltf.render_size(r.resolution_x, r.resolution_y, r.pixel_aspect_x, r.pixel_aspect_y)


def camera_record(camera, scene):
    """The glTF camera of a camera datablock under ``scene``'s render size; Unrepresentable for panoramic."""
    w, h = frame(scene)
    return gltf.camera_record(camera.type, camera.angle, camera.sensor_fit, camera.ortho_scale,
                              camera.clip_start, camera.clip_end, w, h)


def light_record(light, strict=True):
    """The KHR_lights_punctual light of a light datablock; Unrepresentable for area and hemi lights,
    and for a light whose colour or power comes from a node tree (the exporter would read the node)."""
    if light.type in ("POINT", "SPOT", "SUN") and light.use_nodes and light.node_tree is not None and any(
            n.type == "EMISSION" and n.outputs[0].is_linked for n in light.node_tree.nodes):
        raise gltf.Unrepresentable("its colour and strength come from an Emission node in its node tree")
    record = gltf.light_record(light.type, tuple(light.color), light.energy, light.use_custom_distance,
                               light.cutoff_distance, getattr(light, "spot_size", 0.0), getattr(light, "spot_blend", 0.0),
                               strict)
    written = light.get(WRITTEN)
    held = written is not None and len(written) == 2 and written[0] == light.energy
    record["intensity"] = f32(written[1] if held else record["intensity"])
    return record


def merged(current, changes, kind):
    """The full record after an operation's ``changes`` (a subset of fields) on ``current``."""
    out = dict(current or {})
    out.update(changes)
    if kind == "camera":
        keep = ("type", "yfov", "aspect", "znear", "zfar") if out.get("type") == "perspective" else \
            ("type", "xmag", "ymag", "znear", "zfar")
        missing = [f for f in keep if out.get(f) is None]
        if missing:
            raise ValueError(f"a {out.get('type')} camera needs {', '.join(missing)}")
        return {f: out[f] for f in keep}
    if out.get("type") != "spot":
        out["inner_cone"] = out["outer_cone"] = 0.0
    return {f: out.get(f) for f in LIGHT_FIELDS}


CAMERA_ATTRS = ("type", "lens", "lens_unit", "sensor_fit", "sensor_width", "sensor_height", "ortho_scale",
                "clip_start", "clip_end")
LIGHT_ATTRS = ("type", "color", "energy", "use_custom_distance", "cutoff_distance", "spot_size", "spot_blend")


UNSYNCED = "vibesync_params_unsynced"  # the values a camera or light was created with, parameters never synced


def _fingerprint(data, attrs):
    return repr([(tuple(getattr(data, a)) if a == "color" else getattr(data, a)) for a in attrs if hasattr(data, a)])


def mark_unsynced(data, attrs):
    """A camera or light made without parameters (create_object gave none, as Unity does for one it
    never synced): it reports null, like its origin, until its values change or are set."""
    data[UNSYNCED] = _fingerprint(data, attrs)


def unsynced(data, attrs):
    """True while a camera or light made without parameters still holds the values it was made with."""
    held = data.get(UNSYNCED)
    return held is not None and held == _fingerprint(data, attrs)


def remember(data, attrs):
    state = {a: (tuple(getattr(data, a)) if a == "color" else getattr(data, a)) for a in attrs if hasattr(data, a)}
    written = data.get(WRITTEN)
    state[WRITTEN] = tuple(written) if written is not None else None
    state[UNSYNCED] = data.get(UNSYNCED)
    return state


def put_back(data, state):
    for a, v in state.items():
        if a == UNSYNCED:
            if v is None:
                data.pop(UNSYNCED, None)
            else:
                data[UNSYNCED] = v
        elif a == WRITTEN:
            if v is None:
                data.pop(WRITTEN, None)
            else:
                data[WRITTEN] = list(v)
        elif hasattr(data, a) and (tuple(getattr(data, a)) if a == "color" else getattr(data, a)) != v:
            setattr(data, a, v)


def write_camera(camera, scene, record):
    """Writes a glTF camera record: keeps the sensor fit and sensor, sets the angle (Blender derives
    the lens from it), or the orthographic scale, and the clip planes. ValueError when the aspect is
    not the scene's render aspect (shared by every camera in Blender)."""
    w, h = frame(scene)
    _write(camera, gltf.camera_native(record, camera.sensor_fit, w, h), bpy.data.cameras)


def write_light(light, record):
    """Writes a KHR_lights_punctual record with the importer's inverse (SPEC mode); a type change
    changes the datablock's type in place."""
    light = _write(light, gltf.light_native(record), bpy.data.lights)
    light[WRITTEN] = [light.energy, float(record["intensity"])]


def _write(data, native, pool):
    """Sets ``native``'s values, the type first (a light of another type is another class in bpy)."""
    if data.type != native["type"]:
        name = data.name
        data.type = native["type"]
        data = pool[name]  # the same datablock, now of the new type's class (spot_size…)
    for attr, value in native.items():
        if attr != "type":
            setattr(data, attr, value)
    return data
