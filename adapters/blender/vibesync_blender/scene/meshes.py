"""Mesh records (CONTENT-V2 §2) of what Blender shows: an object's own mesh datablock, or — for an
object with modifiers, a curve, surface, metaball or text — its evaluated mesh, a *derived* record
of its own (its ID in the object's custom property ``vibesync_mesh_uuid``). The geometry is read by
``geometry.py``, its arrays named as blobs (protocol/blobs.py, numpy path) and their bytes kept in
the adapter's blob sink (the link's BlobCache: ``put(id, shape, data)``), so the link can answer
BLOB_WANT.

A record is cached per mesh ID with a cheap key (the datablock's address and its counts): a
transform edit, a rename, a refresh after an APPLY never re-read or re-hash geometry. What changes
geometry invalidates the entry: the change detector calls ``invalidate`` for every mesh the
depsgraph updates and every object whose geometry it re-evaluated. A record the writer just built
is remembered as the record of the mesh it made (``remember``), so reading it back gives exactly
what was applied (Blender keeps custom normals to ~1e-4 only; see docs/blender.md). The depsgraph
reports that write as a geometry update like any other, so the written record also keeps a print of
the geometry it made (positions, corners, faces): as long as the mesh still has that print, it reads
as the written record. A record written without NORMAL would otherwise read back with the normals
Blender computes (and split by them), and never match Reality.
"""

from dataclasses import replace

import bmesh
import bpy
import numpy as np

from ..protocol.blobs import F32, U16, U32, BlobShape, blob_id
from ..protocol.model import Mesh, MorphTarget, Primitive
from . import animations, armatures, geometry

MESH_PROP = "vibesync_mesh_uuid"  # on an object: the ID of its derived (evaluated) mesh record
CONVERTED = {"CURVE": "curve", "SURFACE": "surface", "META": "metaball", "FONT": "text"}


# ---- what derives a mesh -----------------------------------------------------------------------

def derivation(obj):
    """What derives the mesh ``obj`` shows, CONTENT-V2's ``derived``: the source kind of a converted
    object, then the modifiers Blender evaluates in the viewport as "NAME (TYPE)", in stack order.
    Empty for a mesh object without such modifiers (its mesh datablock is the record, shared)."""
    out = [CONVERTED[obj.type]] if obj.type in CONVERTED else []
    out += [f"{m.name} ({m.type})" for m in obj.modifiers if _derives(m)] if hasattr(obj, "modifiers") else []
    return tuple(out)


def is_derived(obj):
    return obj.type in CONVERTED or (obj.type == "MESH" and any(_derives(m) for m in obj.modifiers))


def _derives(modifier):
    """Armature modifiers never derive a mesh (CONTENT-V4 §4): the skin is synced, not its result."""
    return modifier.show_viewport and modifier.type != "ARMATURE"


# ---- blobs ---------------------------------------------------------------------------------------

def name_blobs(geo, sink, previous=None):
    """(attributes semantic → id, primitives) of canonical ``geo``, the bytes put into ``sink``.
    ``previous``: the record this mesh had; an array whose bytes equal the bytes ``sink`` holds for
    the previous record's blob of the same semantic (or slot) keeps that name without being hashed
    again (moving vertices changes POSITION and often nothing else)."""
    def named(element, array, before):
        return put_blob(sink, element, array, before)
    old_attributes = previous.attributes if previous is not None else {}
    old_slots = {p.material: p.indices for p in previous.primitives} if previous is not None else {}
    attributes = {semantic: named(U16 if semantic == geometry.JOINTS else F32, values, old_attributes.get(semantic))
                  for semantic, values in geo.attributes.items()}
    primitives = tuple(Primitive(slot, named(U32, indices, old_slots.get(slot))) for slot, indices in geo.primitives)
    old_targets = {t.name: t for t in getattr(previous, "targets", ())} if previous is not None else {}
    targets = []
    for name, position, normal in geo.targets:
        before = old_targets.get(name)
        targets.append(MorphTarget(name, named(F32, position, before.position if before else None),
                                   named(F32, normal, before.normal if before else None) if normal is not None else None))
    return attributes, primitives, tuple(targets)


_DTYPES = {F32: "<f4", U32: "<u4", U16: "<u2"}


def put_blob(sink, element, array, before=None):
    """The name of ``array`` (count, components) as a blob of ``element``, its bytes put into ``sink``;
    ``before`` (a name the same array may have had) is kept without hashing when ``sink`` holds exactly
    these bytes under it."""
    components = array.shape[1] if array.ndim == 2 else 1
    values = array.astype(_DTYPES[element], copy=False)
    shape = BlobShape(element, components, array.shape[0])
    if before is not None and _holds(sink, before, shape, values):
        return before
    data = values.tobytes()
    bid = blob_id(*shape, data)
    if sink is not None:
        sink.put(bid, shape, data)
    return bid


def _holds(sink, bid, shape, values):
    """True when ``sink`` holds blob ``bid`` with ``shape`` and exactly the bytes of ``values``: its
    name is then ``bid`` (a name is a function of the shape and the bytes), verified by comparing."""
    held = sink.get(bid) if sink is not None and hasattr(sink, "get") else None
    if held is None or BlobShape(*held[0]) != shape:
        return False
    return geometry.same_bits(values.reshape(-1), np.frombuffer(held[1], dtype=values.dtype))


def blob_array(blobs, bid, element):
    """A held blob's values as a numpy array (count, components), without copying; KeyError when
    ``blobs`` lacks it. Takes the link's BlobCache (``array``) or anything with ``get(id) -> (shape,
    bytes)`` (protocol.blobs.MemoryBlobs)."""
    held = blobs.get(bid)
    if held is None:
        raise KeyError(bid)
    shape, data = held
    if shape.element != element:
        words = {F32: "F32", U32: "U32", U16: "U16"}
        raise ValueError(f"blob {bid} holds {words.get(shape.element, 'bytes')}, not {words[element]}")
    values = np.frombuffer(data, dtype=_DTYPES[shape.element])
    return values.reshape(shape.count, shape.components)


def geometry_of(record, blobs):
    """The canonical arrays of a record whose blobs are in ``blobs`` (the runtime brings every blob
    an APPLY names before applying); KeyError names a blob it lacks, ValueError a wrong shape."""
    attributes = {semantic: blob_array(blobs, bid, U16 if semantic == geometry.JOINTS else F32)
                  for semantic, bid in record.attributes.items()}
    primitives = [(p.material, blob_array(blobs, p.indices, U32).reshape(-1)) for p in record.primitives]
    targets = [(t.name, blob_array(blobs, t.position, F32), blob_array(blobs, t.normal, F32) if t.normal else None)
               for t in getattr(record, "targets", ())]
    return geometry.Geometry(record.vertex_count, attributes, primitives, targets, getattr(record, "weights", ()))


def discard_blobs(sink, ids):
    """Drops ``ids`` from the sink when it offers ``discard_superseded(ids)``. The link's BlobCache
    does not: its ``retain`` (keep only these) and ``discard`` (one offered blob) cannot tell whether
    an APPLY waiting on the main thread names one of ``ids``, so superseded blobs stay until the next
    attach."""
    discard = getattr(sink, "discard_superseded", None)
    if discard is not None and ids:
        discard(ids)


# ---- the cache -----------------------------------------------------------------------------------

class MeshRecords:
    """Mesh records by ID, read once per geometry change. ``sink`` receives every blob read
    (None: names only); ``tangents`` is the project's policy (config.json; off by default)."""

    def __init__(self, sink=None, tangents=False):
        self.sink = sink
        self.tangents = tangents
        self._entries = {}  # uuid → (key, record)
        self._written = {}  # uuid → (geometry print, record) of what the writer made
        self._reuse = {}    # uuid → geometry.Reuse: the previous read's split and primitives
        self.reads = 0      # geometry reads done (the tests count them)
        self.losses = {}    # uuid → what the last read of it could not keep (NOT_SYNCED LOSSY's sentence)
        self.skinned_by = {}  # uuid → name of the armature object its JOINTS_0 index into (None: not skinned)
        self._shapes = {}   # uuid → _shape_print of a shape-keyed mesh at its last read

    def invalidate(self, uid=None):
        """The entry (or every entry) is read again next time; its record stays known until then, so
        its blobs can be dropped once a newer record replaces it."""
        for u in ([uid] if uid is not None else list(self._entries)):
            if u in self._entries:
                self._entries[u] = (None, self._entries[u][1])

    def blob_ids(self):
        return {b for _, record in self._entries.values() for b in record.blob_ids()}

    def remember(self, uid, mesh, record, unit_scale):
        """``mesh`` (a datablock just written from ``record``) reads as ``record`` until it changes."""
        self._store(uid, _key(mesh, unit_scale), record)
        self._written[uid] = (_geometry_print(mesh), record)

    def authored(self, uid, mesh, unit_scale, skin=None):
        """The record of a mesh datablock (shared by the objects using it). ``skin``: a SkinSource
        when an object skins it (its JOINTS_0/WEIGHTS_0 follow that object's armature), else None."""
        key = _key(mesh, unit_scale, skin)
        hit = self._entries.get(uid)
        if hit is not None and hit[0] == key:
            return self._with_weights(uid, hit, mesh)
        written = self._written.pop(uid, None)
        if written is not None and not mesh.is_editmode and written[0] == _geometry_print(mesh):
            self._store(uid, key, written[1])  # only the writer's own update: still what was applied
            self._written[uid] = written
            return written[1]
        if mesh.is_editmode:  # Blender's arrays are stale in edit mode: read the edit-mesh through a copy
            temp = bpy.data.meshes.new("vibesync-edit-copy")
            try:
                bm = bmesh.from_edit_mesh(mesh)
                bm.to_mesh(temp)
                temp.materials.clear()
                for m in mesh.materials:
                    temp.materials.append(m)
                record = self._read(uid, temp, unit_scale, (), skin)
            finally:
                bpy.data.meshes.remove(temp)
            return record  # not cached: edit mode is reread when it ends
        record = self._read(uid, mesh, unit_scale, (), skin)
        self._store(uid, key, record)
        if mesh.shape_keys is not None:
            self._shapes[uid] = _shape_print(mesh)
        return record

    def derived(self, uid, obj, unit_scale, depsgraph, skin=None):
        """The record of the mesh ``obj`` shows once evaluated (modifiers, curve, text…)."""
        derived = derivation(obj)
        key = ("derived", obj.as_pointer(), obj.data.as_pointer() if obj.data else 0, unit_scale, derived,
               skin.signature if skin is not None else None)
        hit = self._entries.get(uid)
        if hit is not None and hit[0] == key:
            return self._with_weights(uid, hit, obj.data if obj.type == "MESH" else None)
        evaluated = obj.evaluated_get(depsgraph)
        mesh = evaluated.to_mesh()
        try:
            record = self._read(uid, mesh, unit_scale, derived, skin)
        finally:
            evaluated.to_mesh_clear()
        self._store(uid, key, record)
        return record

    def _with_weights(self, uid, hit, mesh):
        """A cached record with the shape keys' current values as its weights: dragging a slider changes
        only them (set_morph_weights), so the geometry is not read again."""
        key, record = hit
        if mesh is None or not record.targets:
            return record
        keys, _ = geometry.morph_keys(mesh)
        weights = tuple(min(max(v, 0.0), 1.0) for v in animations.key_values(mesh, keys))
        if len(weights) != len(record.weights) or weights == record.weights:
            return record
        record = replace(record, weights=weights)
        self._entries[uid] = (key, record)
        return record

    def same_geometry(self, uid, mesh):
        """Whether a shape-keyed mesh's vertices and keys' shapes are as at its last read: a slider moved
        (Blender re-tags the mesh's geometry for it) is then not read again, only its weights."""
        held = self._shapes.get(uid)
        return held is not None and held == _shape_print(mesh)

    def _store(self, uid, key, record):
        """Caches ``record``; the blobs only the record it replaces used are dropped from the sink (an
        EDIT naming them is superseded by the one naming these)."""
        old = self._entries.get(uid)
        self._entries[uid] = (key, record)
        if old is not None and old[1] != record:
            in_use = self.blob_ids()
            discard_blobs(self.sink, [b for b in old[1].blob_ids() if b not in in_use])

    def _read(self, uid, mesh, unit_scale, derived, skin=None):
        self.reads += 1
        influences = None
        self.losses.pop(uid, None)
        if skin is not None and len(mesh.vertices):
            joints, weights, lost = armatures.vertex_influences(mesh, skin.vertex_groups, skin.joint_index)
            influences = (joints, weights)
            if lost:
                self.losses[uid] = f"{lost:,} vertices lost influences beyond 4 (the 4 largest are kept, normalized)"
        self.skinned_by[uid] = skin.armature if influences is not None else None
        geo = geometry.read_geometry(mesh, unit_scale, self.tangents, self._reuse.setdefault(uid, geometry.Reuse()),
                                     influences)
        if mesh.shape_keys is not None and mesh.shape_keys.animation_data is not None:  # animated: the start frame's
            geo.weights = list(animations.key_values(mesh, geometry.morph_keys(mesh)[0]))
        clamped = [f"shape key {name} value {w:g} clamped to 0…1" for (name, _, _), w in zip(geo.targets, geo.weights)
                   if not 0.0 <= w <= 1.0]
        if clamped:
            self.losses[uid] = "; ".join(([self.losses[uid]] if uid in self.losses else []) + clamped)
        previous = self._entries.get(uid)
        attributes, primitives, targets = name_blobs(geo, self.sink, previous[1] if previous is not None else None)
        return Mesh(uuid=uid, vertex_count=geo.vertex_count, attributes=attributes, primitives=primitives,
                    derived=tuple(derived), targets=targets, weights=tuple(min(max(w, 0.0), 1.0) for w in geo.weights))


class SkinSource:
    """What a skinned mesh's JOINTS_0/WEIGHTS_0 are read against: the deforming object's vertex groups
    and its armature's joints (bone name → joint index). ``signature`` changes with the joints."""

    __slots__ = ("armature", "vertex_groups", "joint_index", "signature")

    def __init__(self, armature, vertex_groups, joint_names):
        self.armature = armature
        self.vertex_groups = vertex_groups
        self.joint_index = {name: i for i, name in enumerate(joint_names)}
        self.signature = (armature, tuple(joint_names), tuple(g.name for g in vertex_groups))


def _key(mesh, unit_scale, skin=None):
    """What must be equal for a cached record to stand: the datablock, its counts, its shape keys and
    the joints it is skinned to. Moving vertices keeps it: the depsgraph's update invalidates the
    entry then."""
    keys = mesh.shape_keys
    return (mesh.as_pointer(), len(mesh.vertices), len(mesh.loops), len(mesh.polygons), len(mesh.uv_layers),
            len(getattr(mesh, "color_attributes", ())), unit_scale, skin.signature if skin is not None else None,
            tuple((k.name, k.mute, k.relative_key.name) for k in keys.key_blocks) if keys is not None else None)


def _shape_print(mesh):
    """The vertex positions and every shape key's: what a slider does not change and leaving edit mode
    does (counts, which the cache's key holds, cover the rest of the topology)."""
    keys = mesh.shape_keys.key_blocks if mesh.shape_keys is not None else ()
    co = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
    mesh.vertices.foreach_get("co", co)
    shapes = [co.tobytes()]
    for k in keys:
        co = np.empty(len(k.data) * 3, dtype=np.float32)
        k.data.foreach_get("co", co)
        shapes.append(co.tobytes())
    import hashlib
    return (hashlib.sha1(b"".join(shapes)).hexdigest(),
            tuple((k.name, k.mute, k.relative_key.name) for k in keys))


def _geometry_print(mesh):
    """A digest of what a human edit of geometry changes: vertex positions, each corner's vertex,
    each face's corner count and material. Read with numpy (a million vertices: milliseconds)."""
    import hashlib
    digest = hashlib.sha1()
    for collection, prop, dtype, width in ((mesh.vertices, "co", np.float32, 3), (mesh.loops, "vertex_index", np.int32, 1),
                                           (mesh.polygons, "loop_total", np.int32, 1), (mesh.polygons, "material_index", np.int32, 1)):
        values = np.empty(len(collection) * width, dtype=dtype)
        collection.foreach_get(prop, values)
        digest.update(values.tobytes())
    for layer in (mesh.uv_layers if len(mesh.loops) else ()):  # no corners: no UV data to read
        uv = np.empty(len(mesh.loops) * 2, dtype=np.float32)
        layer.data.foreach_get("uv", uv)
        digest.update(uv.tobytes())
    return digest.hexdigest()
