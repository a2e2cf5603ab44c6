"""VibeSync IDs on Blender datablocks (DESIGN §2): the custom property ``vibesync_uuid``.

Blender copies custom properties when a datablock is duplicated, so a repeated ID means a
duplicate: the datablock the index already knew under that ID keeps it (else the first by name,
which is the original "Cube" before "Cube.001"), the newcomer gets a fresh ID at once. The index
maps IDs to datablock *names*, never to bpy references: Blender invalidates Python references on
undo and file load, and a name is checked against the property before it is trusted.

Blender also finds a datablock by name with a linear search (20 ms for one lookup among 100,000
objects), so each index keeps the references it has resolved, by ID: an edit then finds its
datablock in O(1). A reference is trusted only while its ID property still says the same ID; one
Blender has freed (a delete) raises ReferenceError and falls back to the name; the runtime's undo
and load handlers drop them all before Blender frees anything (``forget_references``).
"""

import itertools
import uuid as _uuid

import bpy

from ..not_synced import SYNCED_TYPES, UNSUPPORTED_TYPE, Item, unsupported_reason
from ..protocol.fields import is_valid_id
from . import animations, armatures
from .images import ImageRecords, used_images
from .meshes import MESH_PROP, MeshRecords, is_derived

PROP = "vibesync_uuid"
_versions = itertools.count(1)  # coverage versions, unique across indexes: a new index is a new list
HUMAN_ONLY = "HUMAN_ONLY"  # objects in a collection of this name are hidden from AI: their IDs start with h-


def new_id(hidden=False):
    return ("h-" if hidden else "") + str(_uuid.uuid4())


def id_of(block, prop=PROP):
    value = block.get(prop)
    return value if is_valid_id(value) else None  # a hand-edited, malformed value counts as none


def human_only_names():
    """Names of the objects inside a HUMAN_ONLY collection (at any depth). One pass over the
    collections: ``Object.users_collection`` searches every collection for every object."""
    names = set()
    for c in bpy.data.collections:
        if c.name == HUMAN_ONLY:
            names.update(o.name for o in c.all_objects)
    return names


class Index:
    """ID → datablock name for the scene's synced objects and the meshes and materials they use, plus
    collections (stamped for identity; they are not records of the canonical scene). ``unsupported``
    lists the scene's objects that are not synced by their kind (NOT_SYNCED items), ``excluded`` the
    indexed datablocks the last reads left out (a failure, a limit: uuid → item). ``derived`` maps
    the ID of each derived mesh record (an object's evaluated mesh) to its object's name;
    ``geometry`` caches mesh records for as long as this index (its datablock addresses) stands."""

    def __init__(self):
        self.objects = {}
        self.joints = {}   # uuid → (armature object name, bone name)
        self.skins = {}    # uuid → armature object name (one skin per armature that skins a synced mesh)
        self.animations = {}  # uuid → action name (an action a synced object or its mesh's shape keys play)
        self.animation_cache = {}  # uuid → (animations.signature, record, sampled): read again only when that changes
        self.channel_cache = {}    # uuid → {(object, bone, property): (what it was made of, channel)}: one key edited, one channel read
        self.meshes = {}
        self.derived = {}
        self.geometry = MeshRecords()
        self.materials = {}
        self.images = {}
        self.image_records = ImageRecords()
        self.collections = {}
        self.tombstones = set()
        self.stamped = 0
        self.reassigned = []  # (kind, old id, datablock name, new id): duplicates given a new ID
        self.unsupported = []
        self.unsupported_names = set()
        self.excluded = {}
        self.partial = {}  # uuid → item: synced, but with something Blender holds that is not (an unrepresentable graph, an area light)
        self.coverage_version = next(_versions)
        self.references = {}  # table → {uuid → the datablock last resolved}: O(1) instead of a name search
        self.owners = DataOwners(self)

    def forget_references(self):
        """Before undo, redo or a file load frees datablocks: no reference is used again."""
        self.references = {}
        self.owners = DataOwners(self)

    def remember(self, table, uid, block):
        self.references.setdefault(table, {})[uid] = block

    def remembered(self, table, uid, prop=PROP):
        """The datablock last resolved for ``uid`` when it still carries that ID, else None."""
        block = self.references.get(table, {}).get(uid)
        if block is None:
            return None
        try:
            if block.get(prop) == uid:  # ``uid`` came from the index: equal means valid (no id_of check needed)
                return block
        except ReferenceError:  # freed since (deleted)
            pass
        del self.references[table][uid]
        return None

    def coverage_changed(self):
        """What is not synced may have changed: whoever reports it looks again."""
        self.coverage_version = next(_versions)

    def not_synced(self):
        """Everything not synced right now, as NOT_SYNCED items: by kind, then what reads left out."""
        return self.unsupported + sorted(list(self.excluded.values()) + list(self.partial.values()),
                                         key=lambda i: (i.name, i.type))

    def object(self, uid):
        return self._resolve(bpy.data.objects, "objects", uid)

    def mesh(self, uid):
        return self._resolve(bpy.data.meshes, "meshes", uid)

    def material(self, uid):
        return self._resolve(bpy.data.materials, "materials", uid)

    def image(self, uid):
        return self._resolve(bpy.data.images, "images", uid)

    def _resolve(self, collection, table, uid):
        block = self.remembered(table, uid) if uid in getattr(self, table) else None
        if block is not None:
            getattr(self, table)[uid] = block.name  # renamed since: the name follows
            return block
        block = _resolve(collection, getattr(self, table), uid)
        if block is not None:
            self.remember(table, uid, block)
        return block

    def each(self, table):
        """(id, block) for every indexed block of a table, in one pass over Blender's data. Blender
        finds a datablock by name with a linear search, so resolving n IDs one by one costs n²."""
        pool = {"objects": bpy.data.objects, "meshes": bpy.data.meshes, "materials": bpy.data.materials,
                "images": bpy.data.images}[table]
        known = getattr(self, table)
        found, renamed = {}, {}
        for block in pool:
            uid = id_of(block)
            if uid not in known:
                continue
            if known[uid] == block.name:
                found[uid] = block
            else:
                renamed.setdefault(uid, block)  # renamed since the scan, or a not yet rescanned copy
        for uid, block in renamed.items():
            if uid not in found:
                known[uid] = block.name
                found[uid] = block
        self.references.setdefault(table, {}).update(found)
        return [(uid, found[uid]) for uid in known if uid in found]

    def joint(self, uid):
        """(armature object, bone) of the joint ``uid`` (the edit bone in edit mode), or (None, None)."""
        place = self.joints.get(uid)
        if place is None:
            return None, None
        obj = bpy.data.objects.get(place[0])
        if obj is not None and obj.type == "ARMATURE":
            bone = armatures.bones_of(obj).get(place[1])
            if bone is not None and id_of(bone, armatures.BONE_PROP) == uid:
                return obj, bone
        for name in {o for o, _ in self.joints.values()} | {o.name for o in bpy.data.objects if o.type == "ARMATURE"}:
            obj = bpy.data.objects.get(name)  # renamed since the scan (bone or armature)
            if obj is None or obj.type != "ARMATURE":
                continue
            for bone in armatures.bones_of(obj):
                if id_of(bone, armatures.BONE_PROP) == uid:
                    self.joints[uid] = (obj.name, bone.name)
                    return obj, bone
        return None, None

    def joint_id(self, armature_object, bone_name):
        """The ID of an armature's bone when it is a synced joint, else None."""
        bone = armatures.bones_of(armature_object).get(bone_name) if bone_name else None
        uid = id_of(bone, armatures.BONE_PROP) if bone is not None else None
        return uid if uid in self.joints and self.joints[uid][0] == armature_object.name else None

    def skin_armature(self, uid):
        name = self.skins.get(uid)
        obj = bpy.data.objects.get(name) if name is not None else None
        if obj is not None and id_of(obj, armatures.SKIN_PROP) == uid:
            return obj
        obj = next((o for o in bpy.data.objects if id_of(o, armatures.SKIN_PROP) == uid), None)
        if obj is not None:
            self.skins[uid] = obj.name
        return obj

    def action(self, uid):
        """The Action of the animation ``uid`` (found again by its property when renamed), or None."""
        name = self.animations.get(uid)
        action = bpy.data.actions.get(name) if name is not None else None
        if action is not None and animations.action_id(action) == uid:
            return action
        action = next((a for a in bpy.data.actions if animations.action_id(a) == uid), None)
        if action is not None and uid in self.animations:
            self.animations[uid] = action.name
        return action

    def derived_object(self, uid):
        """The object whose evaluated mesh is the derived record ``uid``, or None."""
        obj = self.remembered("derived", uid, MESH_PROP) if uid in self.derived else None
        if obj is not None:
            return obj
        name = self.derived.get(uid)
        obj = bpy.data.objects.get(name) if name is not None else None
        if obj is not None and id_of(obj, MESH_PROP) == uid:
            self.remember("derived", uid, obj)
            return obj
        for obj in bpy.data.objects:  # renamed since the scan
            if id_of(obj, MESH_PROP) == uid:
                self.derived[uid] = obj.name
                self.remember("derived", uid, obj)
                return obj
        return None

    def mesh_id(self, obj):
        """The ID of the mesh record ``obj`` shows: its derived record, else its mesh datablock's."""
        if is_derived(obj):
            return id_of(obj, MESH_PROP)
        return id_of(obj.data) if obj.data is not None else None

    def any_id(self, uid):
        return (uid in self.objects or uid in self.meshes or uid in self.materials or uid in self.derived
                or uid in self.images or uid in self.joints or uid in self.skins or uid in self.animations)

    def bind(self, table, block):
        getattr(self, table)[id_of(block)] = block.name
        self.remember(table, id_of(block), block)


class DataOwners:
    """Who uses a datablock, by its address: the objects showing a camera, light or armature, the material
    owning a node tree. Built on first use (one pass) and kept for as long as its index, so an
    edit of a lens or of a node reads the objects or the material concerned, not every object.
    Addresses are compared, never dereferenced: a stale one only fails to match."""

    def __init__(self, index):
        self._index = index
        self._users = None   # data address → {object uuid}
        self._shows = {}     # object uuid → data address
        self._trees = None   # node tree address → material uuid

    def objects_using(self, data):
        if self._users is None:
            self._users = {}
            for uid, obj in self._index.each("objects"):
                self.note(uid, obj)
        return set(self._users.get(data.as_pointer(), ()))

    def note(self, uid, obj):
        """``obj`` (``uid``) was seen changed: it may show another camera or light now."""
        if self._users is None:
            return
        before = self._shows.pop(uid, None)
        if before is not None:
            self._users[before].discard(uid)
        if obj.type in ("CAMERA", "LIGHT", "ARMATURE") and obj.data is not None:
            address = obj.data.as_pointer()
            self._shows[uid] = address
            self._users.setdefault(address, set()).add(uid)

    def forget(self, uid):
        """The object ``uid`` is gone from the scene."""
        before = self._shows.pop(uid, None)
        if before is not None and self._users is not None:
            self._users[before].discard(uid)

    def note_material(self, uid, material):
        """A material newly indexed: its node tree's edits find it."""
        if self._trees is not None and material.node_tree is not None:
            self._trees[material.node_tree.as_pointer()] = uid

    def material_of(self, tree):
        """The uuid of the indexed material whose node tree ``tree`` is, or None."""
        if self._trees is None:
            self._trees = {m.node_tree.as_pointer(): uid for uid, m in self._index.each("materials") if m.node_tree is not None}
        return self._trees.get(tree.as_pointer())


def _resolve(collection, table, uid):
    name = table.get(uid)
    block = collection.get(name) if name is not None else None
    if block is not None and id_of(block) == uid:
        return block
    # Renamed since the scan (a human, or undo): find it by its property and rebind.
    for block in collection:
        if id_of(block) == uid:
            table[uid] = block.name
            return block
    table.pop(uid, None)
    return None


def scene_objects(scene):
    """The objects VibeSync syncs: every object in the scene of a synced type (mesh, empty, camera,
    light) that is local to this file, with local data."""
    return [o for o in scene.objects if _unsupported(o) is None]


def _unsupported(obj):
    """Why an object of the scene is not synced by its kind, or None when it is."""
    if obj.library is not None:
        return f"object '{obj.name}' is linked from the library '{obj.library.name}': linked datablocks are not synced"
    if obj.type not in SYNCED_TYPES:
        return unsupported_reason(obj.name, obj.type)
    if obj.type == "MESH" and obj.data is not None and obj.data.library is not None:
        return (f"object '{obj.name}': its mesh '{obj.data.name}' is linked from the library '{obj.data.library.name}': "
                "linked datablocks are not synced")
    return None


def synced_kind(obj):
    """Whether an object is synced by its kind (a synced type, local, with local data)."""
    return _unsupported(obj) is None


def unsupported_objects(scene):
    """NOT_SYNCED items for the scene's objects that are not synced by their kind, by name."""
    items = []
    for o in scene.objects:
        reason = _unsupported(o)
        if reason is not None:
            items.append(Item(o.name, o.type, UNSUPPORTED_TYPE, reason, id_of(o)))
    return sorted(items, key=lambda i: i.name)


def scan(scene, previous=None):
    """Stamps missing IDs, splits duplicated ones, and returns a fresh Index. Writes properties:
    run on the main thread, outside any depsgraph handler's iteration."""
    index = Index()
    if previous is not None:
        index.tombstones = set(previous.tombstones)
        index.animation_cache = previous.animation_cache
        index.channel_cache = previous.channel_cache
    objects = scene_objects(scene)
    index.unsupported = unsupported_objects(scene)
    index.unsupported_names = {i.name for i in index.unsupported}
    meshes, materials = {}, {}
    derived = []
    for o in objects:
        if is_derived(o):
            derived.append(o)
        elif o.type == "MESH" and o.data is not None and o.data.library is None:
            meshes[o.data.name] = o.data
        for slot in o.material_slots:
            if slot.material is not None and slot.material.library is None:
                materials[slot.material.name] = slot.material
    human_only = human_only_names()
    _stamp(index, "objects", objects, previous, hidden=lambda o: o.name in human_only)
    _stamp(index, "meshes", list(meshes.values()), previous)
    _stamp(index, "derived", derived, previous, prop=MESH_PROP)
    _stamp(index, "materials", list(materials.values()), previous)
    _stamp(index, "images", used_images(materials.values()), previous)
    _stamp(index, "collections", [c for c in bpy.data.collections if c.library is None], previous)
    rigs = _armatures(objects, index)
    _stamp_bones(index, rigs, previous, hidden=lambda o: o.name in human_only)
    skinning = {a.name for o in objects for a in [armatures.skinning_armature(o)] if a is not None and len(o.vertex_groups)}
    _stamp(index, "skins", [o for o in rigs if o.name in skinning and len(armatures.bones_of(o))], previous,
           hidden=lambda o: o.name in human_only, prop=armatures.SKIN_PROP)
    users = animations.uses([o for o in objects if o.library is None])
    hidden_actions = {name for name, us in users.items() if any(o.name in human_only for o, _ in us)}
    _stamp(index, "animations", [bpy.data.actions[n] for n in users if n in bpy.data.actions and bpy.data.actions[n].library is None],
           previous, hidden=lambda a: a.name in hidden_actions, prop=animations.ACTION_PROP)
    return index


def _armatures(objects, index):
    """The synced armature objects whose bones are joints: one per armature datablock (a linked
    duplicate shares the bones, and a bone has one ID); the others are listed as syncing in part."""
    owner = {}
    for o in sorted((o for o in objects if o.type == "ARMATURE" and o.data is not None), key=lambda o: o.name):
        first = owner.setdefault(o.data.name, o)
        if first is not o:
            uid = id_of(o)
            index.unsupported.append(Item(o.name, o.type, UNSUPPORTED_TYPE,
                                      f"armature '{o.name}' shares its armature data '{o.data.name}' with '{first.name}': "
                                      "its bones sync once, as joints of that armature", uid))
    return list(owner.values())


def _stamp_bones(index, rigs, previous, hidden):
    """Bone IDs (custom property on the Bone, or the EditBone in edit mode): a repeated ID is a
    duplicate (a bone duplicated in edit mode, an armature duplicated with its data): the bone the
    index knew keeps it (else the first by armature and bone name), the others get fresh IDs."""
    known = previous.joints if previous is not None else {}
    by_id, fresh_needed = {}, []
    for o in sorted(rigs, key=lambda o: o.name):
        for b in armatures.bones_of(o):
            uid = id_of(b, armatures.BONE_PROP)
            if uid is None or uid in index.tombstones:
                fresh_needed.append((o, b))
            else:
                by_id.setdefault(uid, []).append((o, b))
    taken = set(by_id) | set(index.tombstones) | set(index.objects)
    for uid, group in by_id.items():
        keeper = next((g for g in group if known.get(uid) == (g[0].name, g[1].name)), group[0])
        index.joints[uid] = (keeper[0].name, keeper[1].name)
        for o, b in group:
            if (o, b) is not keeper and (o.name, b.name) != (keeper[0].name, keeper[1].name):
                fresh = _fresh(taken, hidden(o))
                b[armatures.BONE_PROP] = fresh
                index.joints[fresh] = (o.name, b.name)
                index.reassigned.append(("joints", uid, f"{o.name}/{b.name}", fresh))
    for o, b in fresh_needed:
        fresh = _fresh(taken, hidden(o))
        b[armatures.BONE_PROP] = fresh
        index.joints[fresh] = (o.name, b.name)
        index.stamped += 1


def _stamp(index, table, blocks, previous, hidden=lambda block: False, prop=PROP):
    known = getattr(previous, table) if previous is not None else {}
    by_id = {}
    for block in sorted(blocks, key=lambda b: b.name):
        uid = id_of(block, prop)
        if uid is None or uid in index.tombstones:
            continue
        by_id.setdefault(uid, []).append(block)
    taken = set(by_id) | set(index.tombstones)
    for uid, group in by_id.items():
        keeper = next((b for b in group if known.get(uid) == b.name), group[0])
        getattr(index, table)[uid] = keeper.name
        index.remember(table, uid, keeper)
        for other in group:
            if other is not keeper:
                fresh = _fresh(taken, hidden(other))
                other[prop] = fresh
                getattr(index, table)[fresh] = other.name
                index.remember(table, fresh, other)
                index.reassigned.append((table, uid, other.name, fresh))
    for block in blocks:
        uid = id_of(block, prop)
        if uid is None or uid in index.tombstones:
            fresh = _fresh(taken, hidden(block))
            block[prop] = fresh
            getattr(index, table)[fresh] = block.name
            index.remember(table, fresh, block)
            index.stamped += 1


class Unsure(Exception):
    """``stamp_added`` cannot tell what ``scan`` would decide without looking at the whole scene."""


def stamp_added(index, table, blocks, hidden=lambda block: False, prop=PROP):
    """Stamps datablocks just added to the scene (``blocks``) into ``index`` as ``scan`` would with the
    rest of the scene unchanged: a block already indexed stays as it is; a copy of an indexed one (Shift+D
    copies the ID property) gets a fresh ID while the block the index knows keeps it; among new blocks
    sharing an unknown ID the first by name keeps it; a missing or tombstoned ID gets a fresh one.
    Returns the IDs bound. Raises ``Unsure`` when the block the index knows under a copied ID cannot be
    confirmed by its reference and name (then only a whole scan can decide which one keeps it)."""
    known = getattr(index, table)
    keep, copies, missing = {}, [], []
    for block in sorted(blocks, key=lambda b: b.name):
        uid = id_of(block, prop)
        if uid is None or uid in index.tombstones:
            missing.append(block)
        elif uid in known:
            keeper = index.remembered(table, uid, prop)
            if keeper is None or keeper.name != known[uid]:
                raise Unsure(f"{table}: the datablock known as {uid} is not where the index says")
            if keeper != block:
                copies.append((uid, block))
        elif uid in keep:
            copies.append((uid, block))
        else:
            keep[uid] = block
    taken = _Taken(known, index.tombstones, keep)  # not a copy of the index's IDs: a change costs the change
    bound = []

    def bind(uid, block):
        known[uid] = block.name
        index.remember(table, uid, block)
        bound.append(uid)
    for uid, block in keep.items():
        bind(uid, block)
    for uid, block in copies:
        fresh = _fresh(taken, hidden(block))
        block[prop] = fresh
        index.reassigned.append((table, uid, block.name, fresh))
        bind(fresh, block)
    for block in missing:
        fresh = _fresh(taken, hidden(block))
        block[prop] = fresh
        index.stamped += 1
        bind(fresh, block)
    return bound


class _Taken:
    """The IDs in use across a few collections, without copying them into one set."""

    def __init__(self, *pools):
        self._pools = pools
        self._new = set()

    def __contains__(self, uid):
        return uid in self._new or any(uid in p for p in self._pools)

    def add(self, uid):
        self._new.add(uid)


def _fresh(taken, hidden):
    while True:
        uid = new_id(hidden)
        if uid not in taken:
            taken.add(uid)
            return uid
