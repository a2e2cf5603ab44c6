"""Blender's values → VibeSync records: first in Blender space exactly as Blender stores them
(float32 values widened to Python floats, so nothing is rounded twice), then converted to
canonical by the shared protocol code. The Blender-space records are what `vibesync hash --space
blender` reads, so the adapter's root equals the CLI's for the same values.

Choices (docs/blender.md): the local transform is location, the rotation in the object's own
rotation mode as a quaternion, and scale; when an object's parent inverse matrix is not identity
(Blender's Ctrl+P keeps one) the local transform is that matrix times the basis, decomposed. An
object whose parent is not synced (an armature, a curve, a mesh over the limits) is reported under
its nearest synced ancestor, its transform taken from world matrices so it lands at the same place;
so is an object parented to a bone or a vertex. An object is visible unless hidden in the view
layer or disabled in viewports. Materials are read from their Principled BSDF (its unlinked input
values), or from the viewport values when they have no node tree. Meshes are records over blobs as
glTF defines them (geometry.py: corner attributes split as Blender's glTF exporter does; meshes.py:
the records, cached per geometry change); an object with modifiers, a curve, surface, metaball or
text shows its evaluated mesh, a derived record of its own. A mesh in edit mode is read from its
edit-mesh (what the human sees), since Blender's mesh arrays are stale then.

Isolation: every datablock is read on its own. One that fails, or that would not fit a frame, is
left out and recorded in ``index.excluded`` (NOT_SYNCED's READ_FAILED / RESOURCE_LIMIT) with a
sentence naming it; so are the objects that use it. The rest is read as usual.
"""

import bmesh
import numpy as np
import bpy
from mathutils import Matrix, Quaternion, Vector

from ..link.limits import Limits
from ..not_synced import LOSSY, READ_FAILED, RESOURCE_LIMIT, SYNCED_TYPES, UNSUPPORTED_TYPE, Item
from ..protocol.blobs import F32, BlobFormatError
from ..protocol.convert import to_canonical
from ..protocol.model import CameraParameters, Image, LightParameters, Material, Scene, SceneObject, Skin, TextureBinding
from ..protocol.quantize import MAX_MAGNITUDE
from . import animations, armatures, gltf, materials as graphs, optics
from .identity import PROP, id_of
from .images import ImageNotSynced
from .meshes import SkinSource, blob_array, derivation, is_derived, put_blob
from .geometry import morph_keys
from .names import synced_name

IDENTITY = Matrix.Identity(4)


def unit_scale(scene):
    s = scene.unit_settings.scale_length
    return s if s > 0 else 1.0


def kind_of(obj):
    """The record kind of a synced object type; None for every type that is not synced."""
    return SYNCED_TYPES.get(obj.type)


def visible(obj):
    try:
        hidden = obj.hide_get()
    except RuntimeError:  # not in the active view layer
        hidden = False
    return not (hidden or obj.hide_viewport)


def rotation_quaternion(obj):
    """The object's rotation as a Blender quaternion (w, x, y, z), whatever its rotation mode."""
    mode = obj.rotation_mode
    if mode == "QUATERNION":
        return tuple(obj.rotation_quaternion)
    if mode == "AXIS_ANGLE":
        angle, x, y, z = obj.rotation_axis_angle
        return tuple(Quaternion((x, y, z), angle))
    return tuple(obj.rotation_euler.to_quaternion())


# ---- parents ---------------------------------------------------------------------------------------

def is_synced(obj, index):
    uid = obj.get(PROP)  # no need to validate: only valid IDs are in the index
    return isinstance(uid, str) and uid in index.objects and uid not in index.excluded


def reported_parent(obj, index):
    """The nearest ancestor that is synced (the parent the record names), or None."""
    p = obj.parent
    while p is not None and not is_synced(p, index):
        p = p.parent
    return p


def through_world(obj, index):
    """True when the local transform must come from world matrices: the real parent is not synced
    (so not the reported one), or the object hangs from a bone or vertices, not the parent's origin."""
    p = obj.parent
    return p is not None and (obj.parent_type != "OBJECT" or not is_synced(p, index))


def parent_joint(obj, index):
    """The joint ID of the bone ``obj`` is parented to (parent type BONE, its armature synced), or None."""
    p = obj.parent
    if p is None or obj.parent_type != "BONE" or p.type != "ARMATURE" or not is_synced(p, index):
        return None
    return index.joint_id(p, obj.parent_bone)


def reported_parent_id(obj, index):
    joint = parent_joint(obj, index)
    if joint is not None:
        return joint
    p = obj.parent
    if p is not None and not is_synced(p, index):
        p = reported_parent(obj, index)
    return p[PROP] if p is not None else None


def anchor_world(obj, index):
    """The world matrix of what ``obj``'s record is local to: its bone's joint node (in the current
    pose, which the object follows), its reported parent's, or None at the root."""
    if parent_joint(obj, index) is not None:
        return armatures.joint_world(obj.parent, obj.parent.pose.bones[obj.parent_bone])
    anchor = reported_parent(obj, index)
    return anchor.matrix_world if anchor is not None else None


def local_transform(obj, index):
    """(location, rotation w-x-y-z, scale) of the object relative to its reported parent."""
    if parent_joint(obj, index) is not None:
        # Blender hangs it from the bone's tail in the pose (pose matrix, then the bone's length along Y) and
        # the record from the joint node (pose matrix @ K): relative to it, K⁻¹ @ T(0, length, 0) @ inverse
        # @ basis, whatever the pose, so a pose (a frame of an animation) never changes the record.
        bone = armatures.bones_of(obj.parent).get(obj.parent_bone)
        loc, rot, sca = animations.basis(obj) if animations.is_animated(obj) else (obj.location, rotation_quaternion(obj), obj.scale)
        local = armatures.K_INV @ Matrix.Translation((0.0, bone.length, 0.0)) @ obj.matrix_parent_inverse \
            @ Matrix.LocRotScale(Vector(loc), Quaternion(rot), Vector(sca))
        loc, rot, sca = local.decompose()
        return tuple(loc), tuple(rot), tuple(sca)
    if through_world(obj, index):
        anchor = anchor_world(obj, index)
        world = obj.matrix_world
        relative = world if anchor is None else anchor.inverted() @ world
        loc, rot, sca = relative.decompose()
        return tuple(loc), tuple(rot), tuple(sca)
    if animations.is_animated(obj):  # its record holds the start frame's values, whatever frame is shown
        loc, rot, sca = animations.basis(obj)
        if obj.parent is not None and obj.matrix_parent_inverse != IDENTITY:
            loc, rot, sca = (obj.matrix_parent_inverse @ Matrix.LocRotScale(loc, Quaternion(rot), sca)).decompose()
            return tuple(loc), tuple(rot), tuple(sca)
        return loc, rot, sca
    if obj.parent is not None and obj.matrix_parent_inverse != IDENTITY:
        loc, rot, sca = (obj.matrix_parent_inverse @ obj.matrix_basis).decompose()
        return tuple(loc), tuple(rot), tuple(sca)
    return tuple(obj.location), rotation_quaternion(obj), tuple(obj.scale)


def fingerprint(obj, index=None):
    """A cheap summary of what an object's record is made of: equal fingerprints, equal records.
    Moving a parent re-evaluates every descendant; this tells the few that changed from the many
    that only moved along, without converting and hashing them. An object read through world
    matrices (its parent not synced) changes with its world matrix."""
    base = (obj.name, tuple(obj.location), obj.rotation_mode, tuple(obj.rotation_quaternion), tuple(obj.rotation_euler),
            tuple(obj.rotation_axis_angle), tuple(obj.scale), obj.parent.name if obj.parent else None, obj.hide_viewport,
            obj.data.name if obj.data else None, tuple(s.material.name if s.material else None for s in obj.material_slots),
            derivation(obj), obj.parent_bone)
    if index is not None and through_world(obj, index):
        base += (tuple(tuple(row) for row in obj.matrix_world),)
    elif animations.is_animated(obj):  # what the record holds: the start frame's values, not the frame shown
        base = base[:1] + animations.basis(obj) + base[7:] + (tuple(a.name for a in animations.actions_of(obj.animation_data)),)
    return base


# ---- records ---------------------------------------------------------------------------------------

def blender_object(obj, index):
    """The object's record in Blender space, under its reported parent."""
    loc, (w, x, y, z), sca = local_transform(obj, index)
    kind = kind_of(obj)
    mesh = None
    if kind == "mesh":
        mesh = index.mesh_id(obj)
        mesh = mesh if mesh in index.meshes or mesh in index.derived else None
    materials = tuple(_synced(s.material, index.materials) for s in obj.material_slots) if kind == "mesh" else ()
    camera = light = None
    if kind == "camera" and obj.data is not None and optics.unsynced(obj.data, optics.CAMERA_ATTRS):
        pass  # made without parameters and unchanged since: null, as at its origin
    elif kind == "light" and obj.data is not None and optics.unsynced(obj.data, optics.LIGHT_ATTRS):
        pass
    elif kind == "camera" and obj.data is not None:
        camera = _parameters(obj, index, lambda: CameraParameters(**optics.camera_record(obj.data, bpy.context.scene)))
    elif kind == "light" and obj.data is not None:
        light = _parameters(obj, index, lambda: LightParameters(**optics.light_record(obj.data)))
    skin = None
    if kind == "mesh" and mesh is not None:
        rig = armatures.skinning_armature(obj)
        if rig is not None and index.geometry.skinned_by.get(mesh) == rig.name:
            sid = id_of(rig, armatures.SKIN_PROP)
            skin = sid if sid in index.skins else None
    return SceneObject(id_of(obj), synced_name(obj), kind, reported_parent_id(obj, index), loc, (x, y, z, w), sca,
                       visible(obj), materials, mesh, camera, light, skin=skin)


def blender_joints(rig, index):
    """The joint records of an armature object's bones in Blender space (the exporter's order): each
    local to its parent joint, a root bone to the armature, in the REST pose (armatures.joint_local)."""
    out = []
    rig_id = id_of(rig)
    for bone in armatures.in_order(armatures.bones_of(rig)):
        uid = id_of(bone, armatures.BONE_PROP)
        if uid is None or index.joints.get(uid) != (rig.name, bone.name):
            continue  # stamped at the next scan
        parent = id_of(bone.parent, armatures.BONE_PROP) if bone.parent is not None else rig_id
        loc, (w, x, y, z), sca = armatures.joint_local(bone).decompose()
        out.append(SceneObject(uid, bone.name, "joint", parent, tuple(loc), (x, y, z, w), tuple(sca), not bone.hide))
    return out


def blender_skin(uid, rig, sink, unit_scale):
    """The skin record of an armature object: every bone a joint in the exporter's order, its inverse
    bind matrices a blob (canonical, column-major) in the armature's space, the armature its skeleton."""
    bones = armatures.in_order(armatures.bones_of(rig))
    ibm = armatures.inverse_bind_matrices(rig, bones, unit_scale)
    return Skin(uid, synced_name(rig), tuple(id_of(b, armatures.BONE_PROP) for b in bones),
                _applied_ibm(rig, sink, ibm) or put_blob(sink, F32, ibm), id_of(rig))


def _applied_ibm(rig, sink, ibm):
    """The bind matrices blob an APPLY gave this armature (``armatures.APPLIED_IBM_PROP``) while the bones'
    rest still gives them within the tolerance the writer accepted them with, else None: bind matrices
    another engine computed from the same rest differ from Blender's in the last bits, so in their names."""
    noted = rig.get(armatures.APPLIED_IBM_PROP)
    if not isinstance(noted, str) or sink is None or not hasattr(sink, "get"):
        return None
    try:
        have = blob_array(sink, noted, F32)
    except (KeyError, ValueError):
        return None
    if have.shape != ibm.shape or not np.all(np.abs(have - ibm) <= armatures.IBM_TOLERANCE):
        return None
    return noted


def _parameters(obj, index, read):
    """A camera's or light's glTF parameters, or None with the object listed as partly not synced."""
    uid = id_of(obj)
    try:
        value = read()
    except gltf.Unrepresentable as e:
        index.partial[uid] = Item(obj.name, obj.type, UNSUPPORTED_TYPE,
                                  f"{obj.type.lower()} '{obj.name}' ({obj.data.type}): its parameters are not synced: {e}", uid)
        return None
    index.partial.pop(uid, None)
    return value


def _synced(block, table):
    """The block's ID when VibeSync syncs it (a library-linked material is not): else None."""
    uid = id_of(block) if block is not None else None
    return uid if uid in table else None


def material_fields(material, index):
    """(the material record's fields as read from Blender's graph, the reason it is not representable or None)."""
    def image_id(image):
        uid = id_of(image)
        if uid is None or uid not in index.images:
            return None, "it is not known to VibeSync yet"
        item = index.excluded.get(uid)
        return (None, item.reason) if item is not None else (uid, None)
    return graphs.read_material(material, image_id, graphs.uv_index)


def blender_material(material, index):
    fields, reason = material_fields(material, index)
    textures = {slot: TextureBinding(**t) for slot, t in fields.pop("textures").items()}
    return Material(id_of(material), synced_name(material), textures=textures, unsynced=reason, **fields)


def blender_image(uid, image, records):
    return Image(uid, synced_name(image), **{k: v for k, v in records.record(uid, image).items() if k != "name"})


def in_edit_mode(mesh):
    return mesh.is_editmode


def mesh_counts(mesh):
    """(vertices, corners, faces) without reading the arrays."""
    if in_edit_mode(mesh):
        bm = bmesh.from_edit_mesh(mesh)
        return len(bm.verts), sum(len(f.verts) for f in bm.faces), len(bm.faces)
    return len(mesh.vertices), len(mesh.loops), len(mesh.polygons)


# ---- the scene, datablock by datablock -------------------------------------------------------------

class NotSynced(Exception):
    """A datablock left out of the records, with its NOT_SYNCED code and sentence."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def canonical_scene(scene, index, uuids=None, limits=Limits(), blobs=None):
    """The synced records in canonical space (all, or only ``uuids``), in index order. A full read
    decides afresh what is not synced; a partial one re-decides the datablocks it reads and takes the
    others' state from ``index.excluded``. A subset still converts each object against its reported
    parent: a camera's child needs its parent's frame even when the parent is not asked for. The
    blobs of the meshes read go into ``blobs`` (the link's BlobCache) when given."""
    if blobs is not None:
        index.geometry.sink = blobs
        index.image_records.sink = blobs
    return _Read(scene, index, limits).canonical(uuids)


class _Read:
    def __init__(self, scene, index, limits):
        self.scene = scene
        self.index = index
        self.limits = limits
        self.us = unit_scale(scene)
        self._users = None
        self._skinned_meshes = None
        self._action_users = None

    def canonical(self, uuids):
        index = self.index
        before = (dict(index.excluded), dict(index.partial))
        if uuids is None:
            index.excluded = {}
            index.partial = {}
        want = (lambda uid: True) if uuids is None else (lambda uid: uid in uuids)
        meshes = tuple(r for uid, m in self._blocks("meshes", uuids) if want(uid)
                       for r in [self._guard(uid, m, "MESH", self._mesh)] if r is not None)
        derived = [(uid, o) for uid, o in self._derived(uuids) if want(uid)]
        if derived:
            depsgraph = bpy.context.evaluated_depsgraph_get()
            meshes += tuple(r for uid, o in derived
                            for r in [self._guard(uid, o, "MESH", lambda u, b: self._derived_mesh(u, b, depsgraph))]
                            if r is not None)
        images = tuple(r for uid, i in self._blocks("images", uuids) if want(uid)
                       for r in [self._guard(uid, i, "IMAGE", self._image)] if r is not None)
        materials = tuple(r for uid, m in self._blocks("materials", uuids) if want(uid)
                          for r in [self._guard(uid, m, "MATERIAL", self._material)] if r is not None)
        pairs = [(uid, o) for uid, o in self._blocks("objects", uuids) if want(uid)]
        if any(through_world(o, index) for _, o in pairs):
            evaluate()  # world matrices of objects read through them must be current
        records = {}
        todo = pairs
        while todo:  # a child read under a parent that then failed is read again under its next ancestor
            for uid, o in todo:
                r = self._guard(uid, o, o.type, self._object)
                if r is not None:
                    records[uid] = r
                else:
                    records.pop(uid, None)
            todo = [(uid, o) for uid, o in pairs if uid in records and records[uid].parent in index.excluded]
        native = tuple(records[uid] for uid, _ in pairs if uid in records)
        native += tuple(self._joints(uuids))
        skins = tuple(r for uid, rig in self._skins(uuids) if want(uid)
                      for r in [self._guard(uid, rig, "ARMATURE", self._skin)] if r is not None)
        clips = tuple(r for uid, a in self._actions(uuids)
                      for r in [self._guard(uid, a, "ACTION", self._animation)] if r is not None)
        if (index.excluded, index.partial) != before:
            index.coverage_changed()
        return Scene(self._convert_objects(native, uuids is not None), materials, meshes, images, skins=skins,
                     animations=clips)

    # ---- animations (content schema 4) ----

    def _actions(self, uuids):
        index = self.index
        ids = [u for u in index.animations if uuids is None or u in uuids]
        return [(uid, a) for uid in ids for a in [index.action(uid)] if a is not None]

    def _players(self):
        """{action name: [(object, OBJECT | KEY)]} of the synced objects, once per read."""
        if self._action_users is None:
            self._action_users = animations.uses([o for uid, o in self.index.each("objects") if uid not in self.index.excluded])
        return self._action_users

    def _animation(self, uid, action):
        """An action's animation record (animations.py), from the cache while its signature stands."""
        index = self.index
        users = self._players().get(action.name, ())
        fps = animations.frame_rate(self.scene)
        key = animations.signature(action, users, self.us, fps)
        hit = index.animation_cache.get(uid)
        if hit is not None and hit[0] == key:
            self._report_sampled(uid, action, hit[2])
            return hit[1]
        channels, seen = [], set()
        memo = index.channel_cache.setdefault(uid, {})
        for obj, kind in users:
            if kind == "OBJECT":
                prints = {(p[0], p[1]): p for p in key[0][1]}  # the signature's curve prints, taken once
                found = animations.transform_channels(action, obj, lambda o, b: transform_map(o, b, index, self.us), fps,
                                                      memo, key[1:], prints)
            else:
                found = [self._weights(action, obj, fps)]
            for c in found:
                if c is not None and (c.target, c.path) not in seen:
                    seen.add((c.target, c.path))
                    channels.append(c)
        for c in channels:
            _check_values(lambda: f"action '{action.name}': a keyframe of {c.path}",
                          [x for v in c.values for x in v] + list(c.times))
        record = animations.record(uid, action, channels, fps, index.geometry.sink, put_blob)
        sampled = [(c.target, c.path, c.sampled_because) for c in channels if c.sampled_because is not None]
        index.animation_cache[uid] = (key, record, sampled)
        self._report_sampled(uid, action, sampled)
        return record

    def _weights(self, action, obj, fps):
        """The weights channel of a shape-key action on a mesh object whose mesh record has its targets."""
        mid = self.index.mesh_id(obj)
        if obj.type != "MESH" or is_derived(obj) or mid not in self.index.meshes:
            return None
        keys, _ = morph_keys(obj.data)
        return animations.weights_channel(action, obj, id_of(obj), keys, fps) if keys else None

    def _report_sampled(self, uid, action, sampled):
        """A sampled channel is synced with a named loss (LOSSY), in status like the others."""
        if not sampled:
            self.index.partial.pop(uid, None)
            return
        names = {**{u: n for u, n in self.index.objects.items()}, **{u: b for u, (_, b) in self.index.joints.items()}}
        parts = [f"{names.get(t, t)} {p}: {why}" for t, p, why in sampled[:5]]
        more = f"; and {len(sampled) - 5} more" if len(sampled) > 5 else ""
        self.index.partial[uid] = Item(action.name, "ACTION", LOSSY,
                                       f"action '{action.name}': {len(sampled)} channel{'s' if len(sampled) > 1 else ''} "
                                       f"sampled at every frame ({animations.frame_rate(self.scene):g} fps), not keyed: "
                                       + "; ".join(parts) + more, uid)

    # ---- armatures (content schema 4) ----

    def _rigs(self):
        """The synced armature objects whose bones are joints (identity.scan chose them)."""
        names = {rig for rig, _ in self.index.joints.values()}
        return [(uid, o) for uid, o in self.index.each("objects") if o.type == "ARMATURE" and o.name in names
                and uid not in self.index.excluded]

    def _joints(self, uuids):
        """Joint records (Blender space) of every synced armature's bones, or of the ones ``uuids`` names."""
        index = self.index
        if uuids is not None and not any(u in index.joints for u in uuids):
            return []
        out = []
        for _, rig in self._rigs():
            out.extend(j for j in blender_joints(rig, index) if uuids is None or j.uuid in uuids)
        for j in out:
            _check_values(lambda: f"bone '{j.name}': its rest transform", (*j.translation, *j.rotation, *j.scale))
        return out

    def _skins(self, uuids):
        index = self.index
        ids = index.skins if uuids is None else [u for u in index.skins if u in uuids]
        return [(uid, rig) for uid in list(ids) for rig in [index.skin_armature(uid)] if rig is not None]

    def _skin(self, uid, rig):
        return blender_skin(uid, rig, self.index.geometry.sink, self.us)

    def skin_source(self, obj):
        """What ``obj``'s mesh is skinned against (its Armature modifier's synced armature and its vertex
        groups), or None."""
        rig = armatures.skinning_armature(obj)
        if rig is None or not len(obj.vertex_groups) or id_of(rig, armatures.SKIN_PROP) not in self.index.skins:
            return None
        bones = armatures.in_order(armatures.bones_of(rig))
        return SkinSource(rig.name, obj.vertex_groups, [b.name for b in bones])

    def _mesh_skin(self, uid):
        """The skin source of a mesh datablock: its first user (by name) that skins it."""
        if not self.index.skins:  # nothing is skinned: no pass over the objects to find out
            return None
        if self._skinned_meshes is None:
            self._skinned_meshes = {}
            for _, o in sorted(self.index.each("objects"), key=lambda p: p[1].name):
                if o.type == "MESH" and not is_derived(o) and o.data is not None:
                    source = self.skin_source(o)
                    if source is not None:
                        self._skinned_meshes.setdefault(id_of(o.data), source)
        return self._skinned_meshes.get(uid)

    def _report_loss(self, uid, name, what):
        loss = self.index.geometry.losses.get(uid)
        if loss is None:
            self.index.partial.pop(uid, None)
        else:
            self.index.partial[uid] = Item(name, "MESH", LOSSY, f"{what}{self._used_by(uid)}: {loss}", uid)

    def _blocks(self, table, uuids):
        index = self.index
        if uuids is None or len(uuids) > 16:  # one pass beats many linear name lookups
            return index.each(table)
        # The few asked for, found from the IDs asked for: the work is the edit's, not the scene's.
        resolve = getattr(index, {"meshes": "mesh", "images": "image"}.get(table, table[:-1]))
        known = getattr(index, table)
        return [(uid, b) for uid in sorted(uuids) if uid in known for b in [resolve(uid)] if b is not None]

    def _derived(self, uuids):
        index = self.index
        ids = list(index.derived) if uuids is None else sorted(u for u in uuids if u in index.derived)
        return [(uid, o) for uid in ids for o in [index.derived_object(uid)] if o is not None]

    def _guard(self, uid, block, typ, read):
        """Reads one datablock; a failure or a limit leaves it out, with the reason, and reads on."""
        try:
            record = read(uid, block)
        except NotSynced as e:
            self._exclude(uid, Item(block.name, typ, e.code, e.reason, uid))
            return None
        except Exception as e:  # anything Blender or the data throws: this datablock only
            what = {"MESH": "mesh", "MATERIAL": "material", "IMAGE": "image", "ACTION": "action"}.get(typ, "object")
            self._exclude(uid, Item(block.name, typ, READ_FAILED,
                                    f"{what} '{block.name}'{self._used_by(uid) if what != 'object' else ''}: reading it failed: "
                                    f"{type(e).__name__}: {e}", uid))
            return None
        self.index.excluded.pop(uid, None)
        return record

    def _exclude(self, uid, item):
        self.index.excluded[uid] = item

    def _used_by(self, uid):
        if self._users is None:
            self._users = {}
            for _, o in self.index.each("objects"):
                if kind_of(o) == "mesh":
                    self._users.setdefault(self.index.mesh_id(o), []).append(o.name)
                for block in [s.material for s in o.material_slots]:
                    if block is not None:
                        self._users.setdefault(id_of(block), []).append(o.name)
        names = sorted(set(self._users.get(uid, ())))
        if not names:
            return ""
        shown = ", ".join(f"'{n}'" for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f" (used by {'object' if len(names) == 1 else 'objects'} {shown})"

    # ---- one datablock each ----

    def _mesh(self, uid, mesh):
        self._check_size(uid, mesh.name, mesh_counts(mesh)[0], "mesh")
        skin = self._mesh_skin(uid)
        record = self._named(uid, f"mesh '{mesh.name}'", lambda: self.index.geometry.authored(uid, mesh, self.us, skin))
        self._report_loss(uid, mesh.name, f"mesh '{mesh.name}'")
        return record

    def _derived_mesh(self, uid, obj, depsgraph):
        evaluated = obj.evaluated_get(depsgraph)
        data = evaluated.data if obj.type == "MESH" else None
        if data is not None:  # a modifier stack makes a mesh as large as it likes: count before reading
            self._check_size(uid, obj.name, len(data.vertices), "evaluated mesh of object")
        skin = self.skin_source(obj) if obj.type == "MESH" else None
        record = self._named(uid, f"the evaluated mesh of object '{obj.name}'",
                             lambda: self.index.geometry.derived(uid, obj, self.us, depsgraph, skin))
        self._report_loss(uid, obj.name, f"the evaluated mesh of object '{obj.name}'")
        return record

    def _check_size(self, uid, name, vertices, what):
        limit = self.limits.mesh_vertices
        if vertices > limit:
            raise NotSynced(RESOURCE_LIMIT, f"{what} '{name}'{self._used_by(uid) if what == 'mesh' else ''}: "
                                            f"{vertices:,} vertices, over the limit of {limit:,} (limits.mesh_vertices)")

    @staticmethod
    def _named(uid, where, read):
        """A value no blob can be named for (NaN, ±inf, beyond ±1e12) → READ_FAILED naming it."""
        try:
            return read()
        except BlobFormatError as e:
            raise NotSynced(READ_FAILED, f"{where}: {e.field} of an attribute is not a finite number within ±1e12") from e

    def _image(self, uid, image):
        try:
            return blender_image(uid, image, self.index.image_records)
        except ImageNotSynced as e:
            raise NotSynced(e.code, f"image '{image.name}'{self._used_by_image(image)}: {e}") from e

    def _used_by_image(self, image):
        names = sorted({m.name for _, m in self.index.each("materials") if m.node_tree is not None and any(
            n.type == "TEX_IMAGE" and n.image == image for n in m.node_tree.nodes)})
        return f" (used by material{'s' if len(names) > 1 else ''} {', '.join(repr(n) for n in names[:3])})" if names else ""

    def _material(self, uid, material):
        record = blender_material(material, self.index)
        _check_values(lambda: f"material '{material.name}'",
                      (*record.base_color, record.metallic, record.roughness, *record.emission, record.emissive_strength,
                       record.alpha_cutoff, record.normal_scale, record.occlusion_strength,
                       *(v for t in record.textures.values() for v in (*t.offset, t.rotation, *t.scale))))
        if record.unsynced is not None:
            self.index.partial[uid] = Item(material.name, "MATERIAL", UNSUPPORTED_TYPE,
                                           f"material '{material.name}'{self._used_by(uid)}: its node graph is not synced "
                                           f"(Blender keeps it; a sync never writes it): {record.unsynced}", uid)
        else:
            self.index.partial.pop(uid, None)
        return record

    def _object(self, uid, obj):
        excluded = self.index.excluded
        if excluded and kind_of(obj) == "mesh":
            for mid in [self.index.mesh_id(obj)] + [id_of(s.material) for s in obj.material_slots if s.material]:
                item = excluded.get(mid) if mid is not None else None
                if item is not None:
                    what = "mesh" if item.type == "MESH" else "material"
                    raise NotSynced(item.code, f"object '{obj.name}': its {what} '{item.name}' is not synced "
                                               f"({_code_words(item.code)}), so neither is the object")
        record = blender_object(obj, self.index)
        if record.camera is not None:
            c = record.camera
            _check_values(lambda: f"camera '{obj.name}'", (c.yfov, c.aspect, c.xmag, c.ymag, c.znear, c.zfar))
        if record.light is not None:
            li = record.light
            _check_values(lambda: f"light '{obj.name}'", (*li.color, li.intensity, li.range or 0.0, li.inner_cone, li.outer_cone))
        _check_values(lambda: f"object '{obj.name}': its location", [c * self.us for c in record.translation])
        _check_values(lambda: f"object '{obj.name}': its rotation", [2 * c for c in record.rotation])  # conversion mixes components
        _check_values(lambda: f"object '{obj.name}': its scale", record.scale)
        return record

    # ---- conversion ----

    def _convert_objects(self, native, partial):
        """Objects → canonical. A parent outside this read joins it as a root, only for its frame."""
        present = {o.uuid for o in native}
        extra = []
        if partial:
            for o in native:
                if o.parent is not None and o.parent not in present:
                    p = self.index.object(o.parent)
                    kind = kind_of(p) if p is not None else ("joint" if o.parent in self.index.joints else None)
                    if kind is not None:
                        extra.append(SceneObject(o.parent, "", kind, None, (0.0, 0.0, 0.0),
                                                 (0.0, 0.0, 0.0, 1.0), (1.0, 1.0, 1.0), True))
                        present.add(o.parent)
        converted = to_canonical(Scene(tuple(native) + tuple(extra)), "blender", self.us)
        return converted.objects[:len(native)]


def transform_map(obj, bone, index, unit_scale):
    """(target uuid, animations.TransformMap) for an object's own
    transform (``bone`` None) or one of its bones; None when that target is not synced or its record is
    read through world matrices (its animation is not synced then: docs/blender.md)."""
    if bone is not None:
        uid = index.joint_id(obj, bone)
        if uid is None:
            return None
        return uid, animations.TransformMap.for_joint(armatures.bones_of(obj)[bone], unit_scale)
    if not is_synced(obj, index) or through_world(obj, index):
        return None
    left = None
    if obj.parent is not None and obj.matrix_parent_inverse != IDENTITY:
        left = obj.matrix_parent_inverse
        if any(abs(s - 1.0) > 1e-6 for s in left.to_scale()):
            return None
    pa = has_view_axis(reported_parent(obj, index))
    return id_of(obj), animations.TransformMap(left, None, pa, has_view_axis(obj), unit_scale)


def has_view_axis(obj):
    return obj is not None and kind_of(obj) in ("camera", "light")


def evaluate():
    """Brings world matrices up to date (Blender evaluates them lazily)."""
    try:
        bpy.context.view_layer.update()
    except (AttributeError, RuntimeError):  # no view layer in this context: the last evaluation stands
        pass


def _check_values(what, values):
    """Every value a finite number within ±1e12 (what the orchestrator accepts), else READ_FAILED;
    ``what`` makes the sentence only when one is not."""
    for v in values:
        if not -MAX_MAGNITUDE <= v <= MAX_MAGNITUDE:  # NaN fails every comparison
            raise NotSynced(READ_FAILED, f"{what()} is {v!r}, not a finite number within ±1e12")


def _code_words(code):
    return {RESOURCE_LIMIT: "over a resource limit", READ_FAILED: "it could not be read"}.get(code, code)
