"""Objects added to or deleted from the scene, at the cost of the change (issue #20 §3).

A whole rescan stamps and reads every object: seconds at 100,000. Most structural changes are one
object added (a primitive, Shift+D, Alt+D) or deleted, and that is all this handles; anything else
returns None and the detector rescans the whole scene as before, which stays the reference.

Which objects came and went: the scene's objects by Python hash (a bpy struct hashes its address),
one set built by ``set(map(hash, scene.objects))`` — a loop in C, no Python per object — against the
set kept since the last look. The newcomers must be exactly the objects the depsgraph updates named
as not indexed; the ones gone are looked up in what was known of them.
"""

from collections import Counter

import bpy

from ..protocol.model import SceneObject
from ..scene import animations, identity
from ..scene.images import used_images
from ..scene.reading import is_synced, visible

PLAIN_TYPES = ("MESH", "EMPTY", "CAMERA", "LIGHT")


class Known(dict):
    """uuid → canonical record the orchestrator has from us, with who uses what among those records
    (a parent's children, a mesh's or material's objects), kept as records come and go: a delete
    finds the children it reparents and the data it leaves unused without a pass over the scene."""

    def __init__(self, records=()):
        super().__init__()
        self._children = {}
        self._users = Counter()
        for r in records:
            self[r.uuid] = r

    def __setitem__(self, uid, record):
        if uid in self:
            self._note(self[uid], -1)
        super().__setitem__(uid, record)
        self._note(record, 1)

    def __delitem__(self, uid):
        self._note(self[uid], -1)
        super().__delitem__(uid)

    def pop(self, uid, *default):
        if uid not in self:
            if default:
                return default[0]
            raise KeyError(uid)
        record = self[uid]
        del self[uid]
        return record

    def children(self, uid):
        return set(self._children.get(uid, ()))

    def users(self, uid):
        """How many known objects show the mesh or material ``uid``."""
        return self._users[uid]

    def _note(self, r, sign):
        if not isinstance(r, SceneObject):
            return
        if r.parent is not None:
            children = self._children.setdefault(r.parent, set())
            (children.add if sign > 0 else children.discard)(r.uuid)
        for uid in {r.mesh, *r.materials} - {None}:
            self._users[uid] += sign


class Members:
    """The scene's objects by hash: what each showed (visible, name) and, for synced ones, its ID;
    ``glance`` is ``glance(scene)`` when ``shown`` was last known to match the scene (None: unknown)."""

    def __init__(self, scene, index):
        self.shown = shown(scene)
        self.glance = glance(scene)
        self.ids = {hash(o): uid for uid, o in index.each("objects")}
        self._hashes = {uid: h for h, uid in self.ids.items()}

    def same_as(self, scene, check=None):
        """Whether every object of ``scene`` shows what ``shown`` says (same objects, visibility, names).
        When the glance (loops in C) is the one taken when ``shown`` last matched, nothing it covers
        changed: no Python pass over the objects (a select-only click). Otherwise the pass decides and,
        when it matches, the glance is kept for next time. ``check`` (tests): called with the pass's
        verdict whenever the glance alone answered."""
        now = glance(scene)
        if now is not None and now == self.glance:
            if check is not None:
                check(shown(scene) == self.shown)
            return True
        same = shown(scene) == self.shown
        self.glance = now if same else None
        return same

    def count_changed(self, scene):
        return len(scene.objects) != len(self.shown)

    def note(self, uid, obj):
        """``obj`` (``uid``) is in the scene: added by a human, or by the adapter (an APPLY)."""
        h = hash(obj)
        self.shown[h] = (visible(obj), obj.name)
        self.ids[h], self._hashes[uid] = uid, h
        self.glance = None

    def forget(self, uid):
        h = self._hashes.pop(uid, None)
        if h is not None:
            self.shown.pop(h, None)
            self.ids.pop(h, None)
        self.glance = None


def shown(scene):
    """Every object of the scene by hash, with what changes with no update naming it."""
    return {hash(o): (visible(o), o.name) for o in scene.objects}


def glance(scene):
    """What ``shown`` depends on, from loops in C (no Python per object): the view layer's objects by
    hash, their names and ``hide_viewport`` in the same order, and which of them Blender counts visible
    (``visible_objects``: neither hidden in the view layer, ``hide_get``, nor disabled in viewports).
    Equal glances mean equal ``shown``: each object's hash, name and both hide flags are in it. Only
    when the view layer holds every object of the scene and no collection is excluded, hidden or
    disabled in viewports (then ``visible_objects`` could differ from ``hide_get`` alone); else None
    (the Python pass decides). Still a loop over the objects, in C: 15 ms of CPU at 20,000 objects
    against 22 ms for ``shown`` (names and Blender's visible list are most of it)."""
    try:
        layer = bpy.context.view_layer
        objects = layer.objects
        if bpy.context.scene != scene or len(objects) != len(scene.objects) or _restricted(layer.layer_collection):
            return None
        hidden = bytearray(len(objects))
        objects.foreach_get("hide_viewport", hidden)
        return (list(map(hash, objects)), objects.keys(), bytes(hidden), set(map(hash, bpy.context.visible_objects)))
    except (AttributeError, RuntimeError, TypeError):  # a context without a view layer
        return None


def _restricted(layer_collection):
    todo = [layer_collection]
    while todo:
        lc = todo.pop()
        if lc.exclude or lc.hide_viewport or lc.collection.hide_viewport:
            return True
        todo.extend(lc.children)
    return False


class Change:
    """A change ``plan`` took on: the objects added (stamped and indexed) and gone (out of the index),
    and the records to read for it (the newcomers and their new data, the children of the gone)."""

    def __init__(self, added, gone, reads, came, went):
        self.added, self.gone, self.reads = added, gone, reads
        self._came, self._went = came, went

    def apply(self, members):
        members.glance = None
        for obj in self._came.values():
            members.note(identity.id_of(obj), obj)
        for h in self._went:
            if h in members.ids:
                members.forget(members.ids[h])
            members.shown.pop(h, None)


def plan(scene, index, known, members, candidates, played):
    """Stamps and indexes the objects added, unindexes the ones deleted, as ``identity.scan`` would;
    returns the Change, or None when only a whole rescan can tell (then nothing needs undoing: what was
    stamped is what a scan would stamp). ``candidates``: the objects the depsgraph named as new."""
    if index.excluded or _local_collections() != len(index.collections):
        return None  # what a read left out, or a collection added or removed: the whole scene decides
    now = set(map(hash, scene.objects))
    known_now = members.shown.keys()
    # One pass, not two: the sizes tell when nothing came (or went) besides what the first finds.
    if len(now) >= len(known_now):
        came = now - known_now
        went = set() if len(known_now) + len(came) == len(now) else known_now - now
    else:
        went = known_now - now
        came = set() if len(known_now) - len(went) == len(now) else now - known_now
    if came and went:
        return None  # an add and a delete at once: an address may have been reused, a copy's original gone
    newcomers = {}
    for obj in candidates:
        try:
            h = hash(obj) if obj.name is not None else None  # a freed one raises ReferenceError
        except ReferenceError:
            continue
        if h in now:
            newcomers[h] = obj
    if set(newcomers) != came:
        return None
    added = list(newcomers.values())
    gone = [members.ids.get(h) for h in went]
    if not all(_deletable(uid, index, known, played) for uid in gone):
        return None
    if not all(_plain(o, index, added) for o in added):
        return None
    unused = _unused_data(gone, index, known)
    if unused is None:
        return None
    try:
        reads = _stamp(index, added)
    except identity.Unsure:
        return None
    for uid in gone:
        index.objects.pop(uid, None)
        index.references.get("objects", {}).pop(uid, None)
        index.owners.forget(uid)
        index.partial.pop(uid, None)
    for table, uid in unused:
        getattr(index, table).pop(uid, None)
        index.references.get(table, {}).pop(uid, None)
        index.partial.pop(uid, None)
    index.tombstones.update(gone)  # a human's delete: the ID is never used again
    reads |= {c for uid in gone for c in known.children(uid)} - set(gone)
    return Change(sorted(identity.id_of(o) for o in added), sorted(gone), reads, newcomers, went)


def _local_collections():
    return sum(1 for c in bpy.data.collections if c.library is None)


def _deletable(uid, index, known, played):
    """A synced object whose going touches no rig, skin or animation (those need the whole scene): one
    pass over the animations' channels, not over the objects."""
    record = known.get(uid)
    return isinstance(record, SceneObject) and record.kind in ("mesh", "empty", "camera", "light") \
        and record.skin is None and not played.get(uid) and uid not in index.skins \
        and not any(c.target == uid for a in index.animations for c in getattr(known.get(a), "channels", ()))


def _plain(obj, index, added):
    """An object the fast path can index alone: a synced kind with no modifiers, animations or shape-key
    animation, local, under no parent or a synced object (or one added with it) by its origin."""
    if not identity.synced_kind(obj) or obj.type not in PLAIN_TYPES:
        return False
    if obj.type == "MESH" and (obj.data is None or len(obj.modifiers)):
        return False
    if animations.actions_of(obj.animation_data):
        return False
    key = animations.shape_key_block(obj)
    if key is not None and key.animation_data is not None:
        return False
    parent = obj.parent
    if parent is None:
        return True
    return obj.parent_type == "OBJECT" and (any(parent == a for a in added) or is_synced(parent, index))


def _unused_data(gone, index, known):
    """(table, uuid) of the meshes a delete leaves unused by any known object, as a rescan would drop
    them; None when a material would be dropped (its images may go with it: the rescan decides)."""
    lost = Counter()
    for uid in gone:
        r = known[uid]
        for data in {r.mesh, *r.materials} - {None}:
            lost[data] += 1
    out = []
    for data, n in lost.items():
        if known.users(data) > n:
            continue
        if data in index.materials or data in index.animations:
            return None
        if data in index.meshes and index.animations:
            return None  # a shape-key animation may play on it
        out.append(("derived" if data in index.derived else "meshes", data))
    return out


def _stamp(index, added):
    """Stamps the newcomers and the meshes, materials and images they bring; the IDs to read."""
    index.stamped, index.reassigned = 0, []  # as a scan reports them: this change's
    human_only = identity.human_only_names()
    reads = set(identity.stamp_added(index, "objects", added, hidden=lambda o: o.name in human_only))
    meshes = {o.data.name: o.data for o in added if o.type == "MESH" and o.data.library is None}
    reads |= set(identity.stamp_added(index, "meshes", list(meshes.values())))
    materials = {s.material.name: s.material for o in added for s in o.material_slots
                 if s.material is not None and s.material.library is None}
    fresh = identity.stamp_added(index, "materials", list(materials.values()))
    reads |= set(fresh)
    reads |= set(identity.stamp_added(index, "images", used_images(materials.values())))
    for o in added:
        index.owners.note(identity.id_of(o), o)
    for uid in fresh:
        index.owners.note_material(uid, index.material(uid))
    return reads
