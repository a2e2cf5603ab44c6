"""Skins, morph targets and animations as JSON (docs/protocol.md §2, §8; content schema 4).

The twin of src/VibeSync.Protocol/SceneJson/RiggingJson.cs: one reader and one writer shared by scene
JSON and the operations that carry these records, so both languages refuse alike at the same paths.
Records are read structurally; their blobs are checked where they are (rigging_content).
"""

from .content_json import read_bool, read_enum, read_unit
from .errors import SceneError
from .fields import as_array, as_object, check_fields, read_blob_id, read_id, read_name, read_optional_id, read_real
from .model import (ANIMATION_PATHS, INTERPOLATIONS, MAX_JOINTS, NORMAL, POSITION, Animation, AnimationChannel,
                    MorphTarget, Skin)

SKIN_FIELDS = ("uuid", "name", "joints", "inverse_bind_matrices")
SKIN_OPTIONAL = ("skeleton",)
ANIMATION_FIELDS = ("uuid", "name", "frame_rate", "channels")
CHANNEL_FIELDS = ("target", "path", "interpolation", "times", "values")
CHANNEL_OPTIONAL = ("sampled",)


def read_skin(o, path, uuid):
    """A skin record's fields (the caller checked the field set and read the uuid)."""
    return Skin(uuid=uuid, name=read_name(o["name"], path + ".name"), joints=read_joints(o["joints"], path + ".joints"),
                inverse_bind_matrices=read_blob_id(o["inverse_bind_matrices"], path + ".inverse_bind_matrices"),
                skeleton=read_optional_id(o["skeleton"], path + ".skeleton") if "skeleton" in o else None)


def read_joints(v, path):
    """1…65,535 distinct joint uuids."""
    items = as_array(v, path)
    if not 1 <= len(items) <= MAX_JOINTS:
        raise SceneError(path, f"expected 1 to {MAX_JOINTS} joints, got {len(items)}")
    joints, seen = [], set()
    for i, item in enumerate(items):
        joint = read_id(item, f"{path}[{i}]")
        if joint in seen:
            raise SceneError(f"{path}[{i}]", f"joint {joint} is named twice")
        seen.add(joint)
        joints.append(joint)
    return tuple(joints)


def read_animation(o, path, uuid):
    """An animation record's fields (the caller checked the field set and read the uuid)."""
    name = read_name(o["name"], path + ".name")
    frame_rate = read_frame_rate(o["frame_rate"], path + ".frame_rate")
    channels = []
    for j, item in enumerate(as_array(o["channels"], path + ".channels")):
        cp = f"{path}.channels[{j}]"
        c = as_object(item, cp)
        check_fields(c, cp, CHANNEL_FIELDS, CHANNEL_OPTIONAL)
        channel = read_channel(c, cp, read_id(c["target"], cp + ".target"), read_enum(c["path"], cp + ".path", ANIMATION_PATHS))
        if channels and channels[-1].order >= channel.order:
            raise SceneError(cp, "channels are ordered by target then path, one per target and path: "
                                 f"{channel.target} {channel.path} after {channels[-1].target} {channels[-1].path}")
        channels.append(channel)
    return Animation(uuid=uuid, name=name, frame_rate=frame_rate, channels=tuple(channels))


MAX_FRAME_RATE = 1000.0


def read_frame_rate(v, path):
    """An animation's frames per second: greater than 0 and at most 1000."""
    rate = read_real(v, path)
    if not 0 < rate <= MAX_FRAME_RATE:
        raise SceneError(path, f"expected frames per second greater than 0 and at most 1000, got {rate!r}")
    return rate


def read_channel(c, path, target, animation_path):
    """A channel's sampler fields (interpolation, times, values, sampled?) for the given target and path."""
    for key in ("interpolation", "times", "values"):
        if key not in c:
            raise SceneError(f"{path}.{key}", "missing field")
    return AnimationChannel(target=target, path=animation_path,
                            interpolation=read_enum(c["interpolation"], path + ".interpolation", INTERPOLATIONS),
                            times=read_blob_id(c["times"], path + ".times"),
                            values=read_blob_id(c["values"], path + ".values"),
                            sampled=read_bool(c["sampled"], path + ".sampled") if "sampled" in c else False)


def read_targets(m, path):
    """(targets, weights) of a mesh record (each optional: absent = none): names unique and non-empty,
    POSITION required, one weight per target in 0…1."""
    targets = []
    if "targets" in m:
        names = set()
        for i, item in enumerate(as_array(m["targets"], path + ".targets")):
            tp = f"{path}.targets[{i}]"
            t = as_object(item, tp)
            check_fields(t, tp, ("name", POSITION), (NORMAL,))
            name = read_name(t["name"], tp + ".name")
            if not name:
                raise SceneError(tp + ".name", "expected the target's name, got an empty string")
            if name in names:
                raise SceneError(tp + ".name", f"target name \"{name}\" is used twice")
            names.add(name)
            targets.append(MorphTarget(name, read_blob_id(t[POSITION], f"{tp}.{POSITION}"),
                                       read_blob_id(t[NORMAL], f"{tp}.{NORMAL}") if NORMAL in t else None))
    weights = read_weights(m["weights"], path + ".weights", len(targets)) if "weights" in m else ()
    if len(weights) != len(targets):
        raise SceneError(path + ".weights", f"expected one weight per target ({len(targets)}), got {len(weights)}")
    return tuple(targets), weights


def read_weights(v, path, count):
    """Morph weights: ``count`` numbers from 0 to 1 (a mesh's weights), or any number of them when ``count``
    is None (set_morph_weights: the count is the validator's to check against the mesh)."""
    items = as_array(v, path)
    if count is not None and len(items) != count:
        raise SceneError(path, f"expected one weight per target ({count}), got {len(items)}")
    return tuple(read_unit(x, f"{path}[{i}]") for i, x in enumerate(items))


def skin_json(s):
    return {"uuid": s.uuid, "name": s.name, "joints": list(s.joints), "inverse_bind_matrices": s.inverse_bind_matrices,
            "skeleton": s.skeleton}


def channel_json(c):
    return {"target": c.target, "path": c.path, "interpolation": c.interpolation, "times": c.times, "values": c.values,
            "sampled": c.sampled}


def animation_json(a):
    return {"uuid": a.uuid, "name": a.name, "frame_rate": a.frame_rate, "channels": [channel_json(c) for c in a.channels]}


def targets_json(m):
    """The mesh's "targets" and "weights" (always written, empty for none)."""
    return {"targets": [{"name": t.name, POSITION: t.position, **({} if t.normal is None else {NORMAL: t.normal})}
                        for t in m.targets],
            "weights": list(m.weights)}
