"""What the adapter does not sync, and why (PROTOCOL 1.1 NOT_SYNCED; docs/blender.md "What syncs").

Standard library only: the list's shape and its limits are tested under the system Python. The
decisions themselves are made while reading the scene (scene/reading.py); this module names them.

Every Blender object type is handled on purpose: mesh, empty, camera and light are synced, and so
are curve, surface, metaball and text objects (as their evaluated mesh); every other type is listed
here with the reason, and so is any type a later Blender adds.

Some records sync only in part, and are listed too (scene/reading.py, ``Index.partial``): a material
whose node graph VibeSync cannot represent (it syncs its best-effort values with ``unsynced`` set and
is never written), an area or hemi light and a panoramic camera (the object syncs, its parameters do
not), and an image that is not a PNG/JPEG file (left out, as a READ_FAILED one). They carry
UNSUPPORTED_TYPE: the orchestrator's NOT_SYNCED has no finer code (docs/blender.md). A mesh synced with
a named loss (vertices with more than 4 bone influences, a shape key value beyond 0…1) carries LOSSY, and so does an animation with channels sampled per frame
(type ACTION: an Euler rotation, a driver, an F-curve modifier… scene/animations.py).
"""

from dataclasses import dataclass
from typing import Optional

UNSUPPORTED_TYPE = "UNSUPPORTED_TYPE"
RESOURCE_LIMIT = "RESOURCE_LIMIT"
READ_FAILED = "READ_FAILED"
LOSSY = "LOSSY"  # synced with a named loss (content schema 4): influences beyond 4, a slider range clamped

MAX_ITEMS = 10_000          # the protocol's cap on one list
MAX_REASON = 1000           # characters
MAX_NAME = 200

# Curves, surfaces, metaballs and text sync as mesh objects showing their evaluated mesh (a derived
# mesh record, docs/blender.md "Derived meshes").
SYNCED_TYPES = {"MESH": "mesh", "EMPTY": "empty", "CAMERA": "camera", "LIGHT": "light", "ARMATURE": "armature",
                "CURVE": "mesh", "SURFACE": "mesh", "META": "mesh", "FONT": "mesh"}

_NOT_PLANNED = "the canonical scene has no record for it"
UNSUPPORTED_REASONS = {
    "CURVES": "hair curves are not synced: " + _NOT_PLANNED,
    "LATTICE": "lattices are not synced: " + _NOT_PLANNED + " (a lattice only deforms other objects)",
    "LIGHT_PROBE": "light probes are not synced: " + _NOT_PLANNED,
    "SPEAKER": "speakers are not synced: " + _NOT_PLANNED,
    "GPENCIL": "grease pencil objects are not synced: " + _NOT_PLANNED,
    "VOLUME": "volumes are not synced: " + _NOT_PLANNED,
    "POINTCLOUD": "point clouds are not synced: " + _NOT_PLANNED,
}


def unsupported_reason(object_name, object_type):
    """The sentence for an object whose type is not synced; a type this adapter does not know (a
    newer Blender's) gets one too."""
    why = UNSUPPORTED_REASONS.get(object_type, f"the object type {object_type} is unknown to this VibeSync adapter, "
                                               "so it is not synced")
    return f"object '{object_name}' ({object_type}): {why}"


@dataclass(frozen=True, slots=True)
class Item:
    """One thing not synced: its datablock name, Blender type ("CURVE", or "MESH" / "MATERIAL" for
    data), the code, one sentence naming the object, the datablock and what failed or the limit,
    and its VibeSync ID when it has one."""

    name: str
    type: str
    code: str
    reason: str
    uuid: Optional[str] = None

    def as_json(self):
        out = {"name": _clip(self.name or "?", MAX_NAME), "type": self.type, "code": self.code,
               "reason": _clip(self.reason, MAX_REASON)}
        if self.uuid is not None:
            out["uuid"] = self.uuid
        return out


def _clip(text, limit):
    """At most ``limit`` UTF-16 code units (the orchestrator counts them, as C# strings do)."""
    if _units(text) <= limit:
        return text
    text = text[:limit]
    while _units(text) > limit - 1:
        text = text[:-1]
    return text + "…"


def _units(text):
    return len(text.encode("utf-16-le")) // 2


def payload_items(items):
    """The wire list (NOT_SYNCED's ``items``, SCENE's ``not_synced``): at most 10,000 entries, the
    last one saying how many more there are."""
    items = list(items)
    if len(items) <= MAX_ITEMS:
        return [i.as_json() for i in items]
    more = len(items) - (MAX_ITEMS - 1)
    return [i.as_json() for i in items[:MAX_ITEMS - 1]] + [
        {"name": "...", "type": "MORE", "code": RESOURCE_LIMIT, "reason": f"{more} more not listed"}]


def summary(items, first=3):
    """A short text for panels and logs: the count and the first few reasons."""
    items = list(items)
    if not items:
        return "everything is synced"
    head = "; ".join(i.reason for i in items[:first])
    rest = f"; and {len(items) - first} more" if len(items) > first else ""
    return f"{len(items)} not synced: {head}{rest}"
