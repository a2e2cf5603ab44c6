"""Provisional application of typed operations, with exact undo.

Design rationale: Blender's own undo stack cannot serve as the undo token. It is global (a human's
edits interleave with ours), it is not available in background mode the same way, and it
invalidates every Python reference. So each operation records, just before it changes anything,
the native values it is about to overwrite (float32 values widened to Python floats, names,
collection links), keyed by VibeSync ID, never by bpy reference. Rolling back replays those
records in reverse, which restores the exact prior values. Destructive operations stay reversible
until FINAL: a provisional delete only unlinks the object from its collections, and a provisional
mesh replacement swaps in a new mesh datablock while the old one is kept; FINALIZE removes what
is left over.
"""

import math

import bpy
import numpy as np
from mathutils import Matrix, Quaternion

from ..protocol import convert
from ..protocol.model import Animation, AnimationChannel, Mesh, components
from . import animations, armatures, geometry, gltf, images, meshes, names, optics, reading
from . import materials as graphs
from .identity import PROP, id_of

UNLINKED = "unlinked"  # index.references' table of the objects a provisional delete unlinked (until FINAL or rollback)


class ApplyError(Exception):
    """The engine could not apply an operation; nothing of its intent stays applied."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Provisional:
    """One intent applied provisionally: its undo records (newest last) and what FINALIZE removes."""

    def __init__(self, intent, operations):
        self.intent = intent
        self.operations = operations
        self.undo = []            # callables taking the Writer; each restores what one step changed
        self.on_finalize = []     # callables taking the Writer; remove what the intent left over
        self.touched = set()      # IDs whose records this intent changed (for the observed hashes)

    def absorb(self, later):
        """Takes in a later APPLY of the same intent (a micro-intent the orchestrator coalesced into
        it): its steps follow these and are undone first, so a rollback restores the state from
        before the first APPLY."""
        self.operations = list(self.operations) + list(later.operations)
        self.undo.extend(later.undo)
        self.on_finalize.extend(later.on_finalize)
        self.touched |= later.touched


class Writer:
    """Applies operations to the scene through the index. Main thread only. ``blobs`` holds the blobs
    an APPLY's mesh records reference (the link's BlobCache: ``array(id)``; the runtime brings them
    all before applying) and receives those of an inline mesh."""

    def __init__(self, scene, index, blobs=None):
        self.scene = scene
        self.index = index
        self.blobs = blobs

    # ---- public ----------------------------------------------------------------------------

    def apply(self, intent, operations):
        """Applies every operation or none. Returns the Provisional record; raises ApplyError."""
        p = Provisional(intent, operations)
        try:
            for op in operations:
                getattr(self, "_" + op.op)(p, op)
                p.touched.add(op.uuid)
        except ApplyError:
            self.rollback(p)
            raise
        except Exception as e:  # bpy refused something: name the datablock, undo the rest
            where = self.describe(op.uuid)
            self.rollback(p)
            raise ApplyError("ENGINE_FAULT", f"Blender refused {op.op} on {where}: {type(e).__name__}: {e}; "
                                             "nothing of this intent was applied") from e
        return p

    def describe(self, uid):
        """A datablock for a sentence: "object 'Cube' (uuid)", or the bare ID when it is unknown here."""
        for what, table, resolve in (("object", self.index.objects, self.index.object),
                                     ("material", self.index.materials, self.index.material),
                                     ("mesh", self.index.meshes, self.index.mesh),
                                     ("image", self.index.images, self.index.image)):
            if uid in table:
                block = resolve(uid)
                if block is not None:
                    return f"{what} '{block.name}' ({uid})"
        return str(uid)

    def rollback(self, p):
        for restore in reversed(p.undo):
            restore(self)
        p.undo.clear()

    def finalize(self, p):
        for step in p.on_finalize:
            step(self)
        p.on_finalize.clear()
        p.undo.clear()

    # ---- lookups -----------------------------------------------------------------------------

    def obj(self, uid, what="object"):
        o = self.index.object(uid)
        if o is None:
            raise ApplyError("UNKNOWN_UUID", f"no {what} {uid} in this Blender scene")
        return o

    def material(self, uid):
        return self._known(uid, "materials", "material") if uid is not None else None

    def _known(self, uid, table, what):
        """The datablock ``uid`` names: indexed, or known to the file and not yet used (then indexed)."""
        pool = getattr(bpy.data, table)
        block = _resolve_in(self.index, table, uid)
        if block is None:
            block = next((x for x in pool if id_of(x) == uid), None)
            if block is None:
                raise ApplyError("UNKNOWN_UUID", f"no {what} {uid} in this Blender file")
            getattr(self.index, table)[uid] = block.name
        return block

    def mesh_data(self, uid):
        if uid in self.index.derived:
            raise ApplyError("DERIVED_MESH", f"mesh {uid} is an object's evaluated mesh in Blender (derived): no other "
                                             "object can use it, and only Blender changes it")
        return self._known(uid, "meshes", "mesh")

    def unit_scale(self):
        return reading.unit_scale(self.scene)

    @staticmethod
    def view_axis(obj):
        return reading.has_view_axis(obj)

    # ---- object snapshots ----------------------------------------------------------------------

    def _remember_object(self, p, obj):
        """Records everything about obj that an operation may change, to restore it exactly; not its
        material slots: they may live on a mesh other objects share (``_assign_material`` records them)."""
        uid = id_of(obj)
        state = {
            "name": names.remembered(obj),
            "location": tuple(obj.location), "rotation_mode": obj.rotation_mode,
            "rotation_quaternion": tuple(obj.rotation_quaternion), "rotation_euler": tuple(obj.rotation_euler),
            "rotation_axis_angle": tuple(obj.rotation_axis_angle), "scale": tuple(obj.scale),
            "hide_viewport": obj.hide_viewport, "hidden": _hidden(obj),
            "parent": obj.parent.name if obj.parent is not None else None,
            "parent_type": obj.parent_type, "parent_bone": obj.parent_bone,
            "parent_inverse": [tuple(row) for row in obj.matrix_parent_inverse],
            "instance_type": obj.instance_type,
            "instance_collection": obj.instance_collection.name if obj.instance_collection else None,
        }

        def restore(w):
            o = w.index.object(uid)
            if o is None:
                return
            names.restore(o, state["name"])
            w.index.objects[uid] = o.name
            o.parent = bpy.data.objects.get(state["parent"]) if state["parent"] else None
            if (o.parent_type, o.parent_bone) != (state["parent_type"], state["parent_bone"]):
                o.parent_type, o.parent_bone = state["parent_type"], state["parent_bone"]
            o.matrix_parent_inverse = Matrix(state["parent_inverse"])
            o.rotation_mode = state["rotation_mode"]
            o.location = state["location"]
            o.rotation_quaternion = state["rotation_quaternion"]
            o.rotation_euler = state["rotation_euler"]
            o.rotation_axis_angle = state["rotation_axis_angle"]
            o.scale = state["scale"]
            o.hide_viewport = state["hide_viewport"]
            _set_hidden(o, state["hidden"])
            if (o.instance_type, o.instance_collection.name if o.instance_collection else None) != (state["instance_type"], state["instance_collection"]):
                o.instance_type = state["instance_type"]  # only empties take collection instances: touch it only if it changed
                o.instance_collection = bpy.data.collections.get(state["instance_collection"]) if state["instance_collection"] else None

        p.undo.append(restore)

    # ---- cosmetic ------------------------------------------------------------------------------

    def _set_transform(self, p, op):
        if op.uuid in self.index.joints:
            return self._set_joint_transform(p, op)
        obj = self.obj(op.uuid)
        for path in ("translation", "rotation", "scale"):
            action = animations.driving(obj, path) if op.get(path) is not None else None
            if action is not None:  # the record holds the curve's value at the start frame, whatever is written
                raise ApplyError("INVALID_VALUE", f"{self.describe(op.uuid)}: its {path} is animated by action '{action}' in "
                                                  "Blender: its value is the animation's (set_animation_channel); nothing was applied")
        self._remember_object(p, obj)
        pa, sa, us = self.view_axis(reading.reported_parent(obj, self.index)), self.view_axis(obj), self.unit_scale()
        loc, (w, x, y, z), sca = reading.local_transform(obj, self.index)
        if op.get("translation") is not None:
            loc = convert.translation_to_blender(op.get("translation"), pa, us)
        if op.get("rotation") is not None:
            x, y, z, w = convert.rotation_to_blender(op.get("rotation"), pa, sa)
        if op.get("scale") is not None:
            sca = convert.scale_blender(op.get("scale"), sa)
        _write_local(obj, loc, (w, x, y, z), sca, self.index)

    def _set_visibility(self, p, op):
        if op.uuid in self.index.joints:
            rig, bone = self.joint(op.uuid)
            self._remember_bones(p, rig)
            rig.data.bones[bone.name].hide = not op.get("visible")
            return
        obj = self.obj(op.uuid)
        self._remember_object(p, obj)
        if op.get("visible"):
            obj.hide_viewport = False
            _set_hidden(obj, False)
        else:
            _set_hidden(obj, True)

    def _set_material_params(self, p, op):
        """Changes the named fields of a material's record in its node graph (only the parts they
        need); a graph VibeSync cannot represent is never written (UNREPRESENTABLE_MATERIAL)."""
        mat = self.material(op.uuid)
        current, reason = reading.material_fields(mat, self.index)
        if reason is not None:
            raise ApplyError("UNREPRESENTABLE_MATERIAL", f"material '{mat.name}' ({op.uuid}): its node graph is not "
                                                         f"synced ({reason}); Blender keeps it as it is")
        self._write_material(p, mat, op.uuid, current, _merged_material(current, op.fields))

    def _write_material(self, p, mat, uid, current, target):
        state = graphs.snapshot(mat)

        def restore(w):
            m = w.index.material(uid)
            if m is not None:
                graphs.restore(m, state)
        p.undo.append(restore)
        try:
            graphs.write_material(mat, current, target, self.image_data, lambda k: graphs.uv_name(mat, k))
        except graphs.Unwritable as e:
            raise ApplyError("INVALID_VALUE", f"material '{mat.name}' ({uid}): {e}; nothing was applied") from e

    def image_data(self, uid):
        """The image datablock of an image record (known to the index, or to the file)."""
        return self._known(uid, "images", "image")

    def _assign_material(self, p, op):
        obj = self.obj(op.uuid)
        if reading.kind_of(obj) != "mesh" or obj.data is None:
            raise ApplyError("INVALID_VALUE", f"{op.uuid} is not a mesh object; only meshes have material slots")
        slot, mat = op.get("slot"), self.material(op.get("material"))
        count = len(obj.material_slots)
        if slot > count:
            raise ApplyError("INVALID_VALUE", f"slot {slot} is beyond the {count} slots of {op.uuid} (use {count} to append)")
        mesh = obj.data
        sharing = _other_users(mesh, obj)
        if slot == count:
            if sharing:  # Blender gives every user of a mesh the same slots: one object cannot gain one alone
                raise ApplyError("INVALID_VALUE", f"object '{obj.name}' ({op.uuid}) shares its mesh '{mesh.name}' with "
                                                  f"{_names(sharing)}: in Blender material slots belong to the mesh, so a new "
                                                  f"slot would appear on each of them too; nothing was applied (assign one "
                                                  f"of its {count} slots, or give the object a mesh of its own)")
            mesh.materials.append(mat)
            self._undo_append(p, mesh)
            return
        target = obj.material_slots[slot]
        uid = op.uuid
        if target.link == "DATA" and not sharing:  # the mesh is this object's alone: its slot stays the mesh's
            before = mesh.materials[slot]
            mesh_name = mesh.name

            def restore(w):
                m = bpy.data.meshes.get(mesh_name)
                if m is not None and slot < len(m.materials):
                    m.materials[slot] = before
            mesh.materials[slot] = mat
        else:
            # Linked to the object, or a mesh others share: the object's own slot, so only it changes.
            # Switching a DATA slot reveals the object's stored material (usually none): kept for rollback.
            link = target.link
            target.link = "OBJECT"
            before = target.material

            def restore(w):
                o = w.index.object(uid)
                if o is not None and slot < len(o.material_slots):
                    o.material_slots[slot].material = before
                    o.material_slots[slot].link = link
        p.undo.append(restore)
        target.material = mat

    @staticmethod
    def _undo_append(p, mesh, count=1):
        """Rollback removes the ``count`` slots just appended to ``mesh`` (no other object uses it)."""
        name = mesh.name

        def restore(w):
            m = bpy.data.meshes.get(name)
            for _ in range(count):
                if m is not None and len(m.materials) > 0:
                    m.materials.pop()
        p.undo.append(restore)

    def _rename(self, p, op):
        if op.uuid in self.index.joints:
            rig, bone = self.joint(op.uuid)
            old = bone.name
            bone.name = op.get("name")  # Blender renames the vertex groups named after it too
            self.index.joints[op.uuid] = (rig.name, bone.name)
            uid, rig_name, new = op.uuid, rig.name, bone.name

            def restore(w):
                r = bpy.data.objects.get(rig_name)
                if r is not None and new in r.data.bones:
                    r.data.bones[new].name = old
                    w.index.joints[uid] = (rig_name, r.data.bones[old].name if old in r.data.bones else old)
            p.undo.append(restore)
            return
        obj = self.index.object(op.uuid)
        if obj is not None:
            self._remember_object(p, obj)
            self._name(p, obj, op.get("name"), bpy.data.objects, self.index.objects)
            return
        action = self.index.action(op.uuid)
        if action is not None:  # an animation is its action: the action's name
            self._remember_animation(p, op.uuid)
            old, new = action.name, op.get("name")
            action.name = new

            def restore(w, want=action.name):
                a = bpy.data.actions.get(want)
                if a is not None:
                    a.name = old
            p.undo.append(restore)
            return
        self._name(p, self.material(op.uuid), op.get("name"), bpy.data.materials, self.index.materials)

    def _name(self, p, block, name, pool, table):
        """Names ``block`` (an object or a material). Blender may rename the block that held the
        name instead (synced or not: kept from AI, an armature): that one keeps reporting its own
        name (names.py), and a rollback gives both their Blender names back, this one first."""
        holder = names.holder_of(pool, name, block)
        mine, theirs = names.remembered(block), names.remembered(holder) if holder is not None else None
        names.set_name(block, name, holder)
        now = (block.name, holder.name if holder is not None else None)
        for b in (block, holder):
            if b is not None and id_of(b) in table:
                table[id_of(b)] = b.name

        def restore(w):
            for blender_name, memory in ((now[0], mine), (now[1], theirs)):
                b = pool.get(blender_name) if memory is not None else None
                if b is not None:
                    names.restore(b, memory)
                    if id_of(b) in table:
                        table[id_of(b)] = b.name
        p.undo.append(restore)

    # ---- structural ----------------------------------------------------------------------------

    def _set_parent(self, p, op):
        if op.uuid in self.index.joints:
            return self._set_joint_parent(p, op)
        obj = self.obj(op.uuid)
        if op.get("parent") in self.index.joints:
            self._remember_object(p, obj)
            rig, bone = self.joint(op.get("parent"))
            _parent_to_bone(obj, rig, bone.name, self.index)
            return
        parent = self.obj(op.get("parent"), "parent") if op.get("parent") is not None else None
        self._remember_object(p, obj)
        _reparent_keeping_local(obj, parent, self.index)

    def _set_mesh(self, p, op):
        """The object shows another mesh datablock; its material slots keep what they held (the record's
        ``materials`` are the object's, not the mesh's). Rollback gives it its mesh and slots back."""
        obj = self.obj(op.uuid)
        if obj.type != "MESH":
            raise ApplyError("INVALID_VALUE", f"{self.describe(op.uuid)} is not a mesh object; only those show a mesh")
        if meshes.is_derived(obj):
            raise ApplyError("DERIVED_MESH", f"object '{obj.name}' ({op.uuid}) shows its evaluated mesh, derived by "
                                             f"{', '.join(meshes.derivation(obj))}: only Blender changes what it shows")
        mesh = self.mesh_data(op.get("mesh"))
        if obj.data == mesh:
            return
        if reading.in_edit_mode(obj.data):  # swapping the data under Blender's edit-mesh is not safe
            raise ApplyError("ENGINE_FAULT", f"object '{obj.name}' ({op.uuid}) is in edit mode in Blender; "
                                             "its mesh can be changed once the human leaves edit mode")
        materials = [s.material for s in obj.material_slots]
        if len(mesh.materials) != len(materials):
            users = _other_users(mesh, None)
            if users:  # Blender gives every user of a mesh the same slots
                raise ApplyError("INVALID_VALUE", f"mesh '{mesh.name}' ({op.get('mesh')}) has {len(mesh.materials)} material "
                                                  f"slot(s), is used by {_names(users)}, and object '{obj.name}' has "
                                                  f"{len(materials)}: in Blender slots belong to the mesh, so they would change "
                                                  "for those objects too; nothing was applied")
            self._resize_slots(p, mesh, len(materials))
        old, uid, slots = obj.data.name, op.uuid, _slot_state(obj)

        def restore(w):
            o = w.index.object(uid)
            if o is not None and old in bpy.data.meshes:
                o.data = bpy.data.meshes[old]
                _restore_slots(o, slots)
        p.undo.append(restore)
        obj.data = mesh
        for slot, material in zip(obj.material_slots, materials):
            if slot.material != material:  # the mesh's own material differs: this object keeps its own
                slot.link = "OBJECT"
                slot.material = material

    def _resize_slots(self, p, mesh, count):
        """Gives a mesh no other object uses ``count`` material slots (new ones empty); rollback restores them."""
        name, before = mesh.name, list(mesh.materials)

        def restore(w):
            m = bpy.data.meshes.get(name)
            if m is not None:
                m.materials.clear()
                for material in before:
                    m.materials.append(material)
        p.undo.append(restore)
        while len(mesh.materials) > count:
            mesh.materials.pop()
        while len(mesh.materials) < count:
            mesh.materials.append(None)

    def _link_new(self, p, obj, uid, parent, created_data=None):
        """Links a new object beside its parent (or in the scene's collection) and makes it known.
        Rollback removes it, and ``created_data`` (camera, light or empty mesh made for it)."""
        obj[PROP] = uid
        for c in (list(parent.users_collection) if parent is not None else []) or [self.scene.collection]:
            c.objects.link(obj)
        obj.parent = parent
        obj.matrix_parent_inverse = Matrix.Identity(4)
        self.index.objects[uid] = obj.name
        pool = {"CAMERA": "cameras", "LIGHT": "lights", "MESH": "meshes", "ARMATURE": "armatures"}.get(obj.type) \
            if created_data is not None else None
        data_name = created_data.name if created_data is not None else None

        def restore(w):
            o = w.index.object(uid)
            if o is not None:
                bpy.data.objects.remove(o)
            w.index.objects.pop(uid, None)
            if pool is not None:
                d = getattr(bpy.data, pool).get(data_name)
                if d is not None and d.users == 0:
                    getattr(bpy.data, pool).remove(d)
        p.undo.append(restore)

    def _check_new(self, uid):
        if self.index.any_id(uid) or uid in self.index.tombstones:
            raise ApplyError("UUID_IN_USE", f"{uid} already names something in this Blender scene (or did once)")

    def _place(self, obj, op, parent):
        pa, sa, us = self.view_axis(parent), self.view_axis(obj), self.unit_scale()
        x, y, z, w = convert.rotation_to_blender(op.get("rotation"), pa, sa)
        _write_local(obj, convert.translation_to_blender(op.get("translation"), pa, us), (w, x, y, z),
                     convert.scale_blender(op.get("scale"), sa), self.index)

    def _create_object(self, p, op):
        self._check_new(op.uuid)
        if op.get("kind") == "joint":
            return self._create_joint(p, op)
        if op.get("parent") in self.index.joints:  # an object hanging from a bone
            rig, bone = self.joint(op.get("parent"))
            self._create_object(p, _with(op, parent=id_of(rig)))
            obj = self.obj(op.uuid)
            _parent_to_bone(obj, rig, bone.name, self.index, keep=False)
            self._place(obj, op, None)
            return
        parent = self.obj(op.get("parent"), "parent") if op.get("parent") is not None else None
        kind = op.get("kind")
        if kind != "mesh" and (op.get("mesh") is not None or op.get("materials")):
            raise ApplyError("INVALID_VALUE", f"a {kind} has no mesh or material slots")
        created = None
        if kind == "mesh":
            data = self.mesh_data(op.get("mesh")) if op.get("mesh") is not None else None
            if data is None:
                data = created = bpy.data.meshes.new(op.get("name"))
        elif kind == "camera":
            data = created = bpy.data.cameras.new(op.get("name"))
        elif kind == "light":
            data = created = bpy.data.lights.new(op.get("name"), "POINT")
        elif kind == "armature":
            data = created = bpy.data.armatures.new(op.get("name"))
        else:
            data = None
        materials = [self.material(m) for m in op.get("materials", ())]
        if kind == "mesh" and len(data.materials) != len(materials) and (len(data.materials) > len(materials) or _other_users(data, None)):
            # Every object using a mesh has its slots (Blender keeps them on the mesh): another count
            # would leave this object with slots it was not given, or give the others new ones.
            users = _other_users(data, None)
            raise ApplyError("INVALID_VALUE", f"mesh '{data.name}' has {len(data.materials)} material slot(s) in Blender"
                                              f"{' and is used by ' + _names(users) if users else ''}; an object using it has "
                                              f"as many, and create_object {op.uuid} gives {len(materials)}: nothing was applied")
        obj = bpy.data.objects.new(op.get("name"), data)
        names.adopt(obj, op.get("name"))
        self._link_new(p, obj, op.uuid, parent, created)
        if kind == "mesh":
            missing = len(materials) - len(obj.data.materials)
            if missing > 0:  # a mesh no other object uses
                for _ in range(missing):
                    obj.data.materials.append(None)
                if created is None:
                    self._undo_append(p, obj.data, missing)
            for slot, m in zip(obj.material_slots, materials):  # object-linked: the mesh may be shared
                slot.link = "OBJECT"
                slot.material = m
        self._place(obj, op, parent)
        if op.get("visible", True) is False:
            _set_hidden(obj, True)
        if kind == "camera" and op.get("camera") is not None:
            self._write_camera(p, obj, _plain(op.get("camera")))
        elif kind == "camera":
            optics.mark_unsynced(obj.data, optics.CAMERA_ATTRS)
        if kind == "light" and op.get("light") is not None:
            self._write_light(p, obj, optics.light_record(obj.data), _plain(op.get("light")))
        elif kind == "light":
            optics.mark_unsynced(obj.data, optics.LIGHT_ATTRS)
        if kind == "mesh" and op.get("skin") is not None:
            self._skin_object(p, obj, op.get("skin"))

    def _instantiate_prefab(self, p, op):
        self._check_new(op.uuid)
        collection = bpy.data.collections.get(op.get("prefab"))
        if collection is None:
            raise ApplyError("UNKNOWN_ASSET", f"no collection named {op.get('prefab')!r} to instance in this Blender file")
        parent = self.obj(op.get("parent"), "parent") if op.get("parent") is not None else None
        obj = bpy.data.objects.new(op.get("name"), None)
        names.adopt(obj, op.get("name"))
        obj.instance_type = "COLLECTION"
        obj.instance_collection = collection
        self._link_new(p, obj, op.uuid, parent)
        self._place(obj, op, parent)

    def _duplicate_object(self, p, op):
        self._check_new(op.get("new_uuid"))
        original = self.obj(op.uuid)
        copy = original.copy()  # shares the mesh, as the canonical duplicate does; Blender names it X.001
        names.adopt(copy, names.synced_name(original))  # a copy keeps the original's name, as in Reality
        for c in original.users_collection:
            c.objects.link(copy)
        copy[PROP] = op.get("new_uuid")
        self.index.objects[op.get("new_uuid")] = copy.name
        uid = op.get("new_uuid")

        def restore(w):
            o = w.index.object(uid)
            if o is not None:
                bpy.data.objects.remove(o)
            w.index.objects.pop(uid, None)
        p.undo.append(restore)
        if op.get("name") is not None:
            self._name(p, copy, op.get("name"), bpy.data.objects, self.index.objects)
        p.touched.add(uid)

    # ---- destructive ---------------------------------------------------------------------------

    def _delete_object(self, p, op):
        if op.uuid in self.index.joints:
            return self._delete_joint(p, op)
        obj = self.obj(op.uuid)
        family = Family()
        doomed = [obj]
        if op.get("children") == "delete":  # the whole hierarchy below, synced or not, as Delete Hierarchy does
            i = 0
            while i < len(doomed):
                doomed.extend(family.children(doomed[i]))
                i += 1
        else:
            # Every synced object reported under obj gets obj's parent in Reality: the intent changed
            # their records, so they are its doing (and its OBSERVED), never a human's edit.
            moved = _reported_children(obj, self.index, family)
            for child in family.children(obj):
                self._remember_object(p, child)
                _reparent_keeping_local(child, obj.parent, self.index)
            p.touched |= moved
        for o in doomed:
            synced = id_of(o) in self.index.objects
            self._unlink(p, o)
            if synced:
                p.touched.add(id_of(o))

    def _unlink(self, p, obj):
        uid, name, hidden = id_of(obj), obj.name, _hidden(obj)
        users = list(obj.users_collection)  # once: Blender searches every collection's objects for it
        collections = [c.name for c in users]
        scene_collection = any(c == self.scene.collection for c in users)
        for c in users:
            c.objects.unlink(obj)
        obj.use_fake_user = True  # kept, unlinked, until FINAL; a save never sees it (save_pre rolls back)
        self.index.objects.pop(uid, None)
        if uid is not None:  # found again without a name search (linear in Blender 3.4) while the reference stands
            self.index.remember(UNLINKED, uid, obj)

        def unlinked(w):
            o = w.index.remembered(UNLINKED, uid) if uid is not None else None
            return o if o is not None else bpy.data.objects.get(name)  # the name after an undo or a rescan

        def restore(w):
            o = unlinked(w)
            if o is None:
                return
            o.use_fake_user = False
            for cname in collections:
                c = w.scene.collection if (scene_collection and cname == w.scene.collection.name) else bpy.data.collections.get(cname)
                if c is not None:
                    _link(c, o)
            # Unlinking dropped the object's view-layer base, and with it the eye toggle: bring both back.
            bpy.context.view_layer.update()
            _set_hidden(o, hidden)
            w.index.objects[uid] = o.name

        def finalize(w):
            o = unlinked(w)
            if o is not None and id_of(o) == uid:
                bpy.data.objects.remove(o)
            w.index.tombstones.add(uid)
        p.undo.append(restore)
        p.on_finalize.append(finalize)

    def _geometry(self, name, op):
        """A new mesh datablock from a create_mesh/replace_mesh (canonical → Blender), and its record."""
        record, geo = self._mesh_arrays(op)
        mesh = bpy.data.meshes.new(name)
        try:
            geometry.write_geometry(mesh, geo, self.unit_scale())
        except Exception:
            bpy.data.meshes.remove(mesh)  # not yet adopted: no undo step would remove it
            raise
        return mesh, record

    def _mesh_arrays(self, op):
        """(record, canonical arrays) of a mesh operation: the record form's blobs, taken from the blob
        cache and checked against the record, or the inline form's arrays, named here."""
        if op.get("derived"):
            raise ApplyError("DERIVED_MESH", f"mesh {op.uuid} is derived ({', '.join(op.get('derived'))}): Blender "
                                             "makes derived meshes itself, from their objects' modifiers or curves")
        if op.get("attributes") is None:
            return self._inline(op)
        record = Mesh(op.uuid, op.get("vertex_count"), dict(op.get("attributes")), tuple(op.get("primitives")), (),
                      tuple(op.get("targets", ())), tuple(op.get("weights", ())))
        if self.blobs is None:
            raise ApplyError("BLOB_MISSING", f"mesh {op.uuid}: this adapter holds no blobs to build it from")
        try:
            geo = meshes.geometry_of(record, self.blobs)
        except KeyError as e:
            raise ApplyError("BLOB_MISSING", f"mesh {op.uuid}: blob {e.args[0]} is not here; nothing was applied") from e
        except ValueError as e:
            raise ApplyError("BLOB_SHAPE", f"mesh {op.uuid}: a blob does not hold {record.vertex_count} vertices: {e}") from e
        for semantic, values in geo.attributes.items():
            if values.shape != (record.vertex_count, components(semantic)):
                raise ApplyError("BLOB_SHAPE", f"mesh {op.uuid}: attributes.{semantic} holds {values.size} values, not "
                                               f"{record.vertex_count} × {components(semantic)}")
        for name, position, normal in geo.targets:
            for what, values in (("POSITION", position), ("NORMAL", normal)):
                if values is not None and values.shape != (record.vertex_count, 3):
                    raise ApplyError("BLOB_SHAPE", f"mesh {op.uuid}: target {name!r} {what} holds {values.size} values, "
                                                   f"not {record.vertex_count} × 3")
        for j, (_, indices) in enumerate(geo.primitives):
            if len(indices) % 3 or (len(indices) and int(indices.max()) >= record.vertex_count):
                raise ApplyError("INDEX_RANGE", f"mesh {op.uuid}: primitives[{j}].indices: not whole triangles of "
                                                f"vertices below {record.vertex_count}")
        return record, geo

    def _inline(self, op):
        positions = np.array(op.get("positions"), dtype=np.float32).reshape(-1, 3)
        attributes = {"POSITION": positions}
        if op.get("uv0") is not None:
            attributes["TEXCOORD_0"] = np.array(op.get("uv0"), dtype=np.float32).reshape(-1, 2)
        triangles = np.array(op.get("triangles"), dtype=np.uint32).reshape(-1)
        geo = geometry.Geometry(len(positions), attributes, [(0, triangles)] if len(triangles) else [])
        named, primitives, _ = meshes.name_blobs(geo, self.blobs)
        return Mesh(op.uuid, len(positions), named, primitives, ()), geo

    def _adopt_new(self, p, uid, block, table):
        """Gives a datablock just created (a material or mesh) its ID; its undo removes it again."""
        block[PROP] = uid
        getattr(self.index, table)[uid] = block.name
        name = block.name

        def restore(w):
            getattr(w.index, table).pop(uid, None)
            w.index.geometry.invalidate(uid)
            pool = getattr(bpy.data, table)
            if name in pool:
                pool.remove(pool[name])
        p.undo.append(restore)

    def _create_material(self, p, op):
        self._check_new(op.uuid)
        mat = bpy.data.materials.new(op.get("name"))
        names.adopt(mat, op.get("name"))
        mat.use_nodes = True
        self._adopt_new(p, op.uuid, mat, "materials")
        current, _ = reading.material_fields(mat, self.index)  # Blender's new Principled BSDF, as read
        target = _merged_material(dict(graphs.DEFAULTS, textures={}), op.fields)
        try:
            graphs.write_material(mat, current, target, self.image_data, lambda k: graphs.uv_name(mat, k))
        except graphs.Unwritable as e:
            raise ApplyError("INVALID_VALUE", f"material {op.uuid}: {e}; nothing was applied") from e

    # ---- images ----------------------------------------------------------------------------------

    def _image_bytes(self, op):
        """The encoded bytes of an image operation's blob, checked against its mime and size (IMAGE_FORMAT)."""
        held = self.blobs.get(op.get("blob")) if self.blobs is not None else None
        if held is None:
            raise ApplyError("BLOB_MISSING", f"image {op.uuid}: blob {op.get('blob')} is not here; nothing was applied")
        data = bytes(held[1])
        try:
            mime, width, height = gltf.image_info(data)
        except ValueError as e:
            raise ApplyError("IMAGE_FORMAT", f"image {op.uuid}: its blob is not a PNG or JPEG: {e}") from e
        if (mime, width, height) != (op.get("mime"), op.get("width"), op.get("height")):
            raise ApplyError("IMAGE_FORMAT", f"image {op.uuid}: its blob is a {width}×{height} {mime}, the operation says "
                                             f"{op.get('width')}×{op.get('height')} {op.get('mime')}")
        return data

    def _create_image(self, p, op):
        """A new packed image datablock from the blob's bytes."""
        self._check_new(op.uuid)
        data = self._image_bytes(op)
        image = images.packed_image(op.get("name"), data, op.get("color_space", "srgb"), images.ext_of(op.get("mime")))
        names.adopt(image, op.get("name"))
        self._adopt_new(p, op.uuid, image, "images")
        self.index.image_records.seed(op.uuid, image, op)

    def _replace_image(self, p, op):
        """New bytes for an image: a new packed datablock takes the ID and every image node that showed
        the old one; the old one is kept until FINAL (as a replaced mesh is), so a rollback is exact."""
        old = self.image_data(op.uuid)
        data = self._image_bytes(op)
        color_space = op.get("color_space") or gltf.color_space_of(old.colorspace_settings.name)
        new = images.packed_image(old.name, data, color_space, images.ext_of(op.get("mime")))
        names.adopt(new, names.synced_name(old))  # Blender named it X.001 beside the old one
        self._swap_in(p, op.uuid, old, new, "images", _ImageUsers(old), self.index.image_records.invalidate)
        self.index.image_records.seed(op.uuid, new, op)

    # ---- cameras and lights ----------------------------------------------------------------------

    def _own_data(self, p, obj, pool):
        """Copy-on-write: an object whose camera or light data other objects share gets a copy of its
        own first, so writing its parameters changes no other object. Rollback gives the shared one back."""
        data = obj.data
        if data.users - (1 if data.use_fake_user else 0) <= 1:
            return data
        copy = data.copy()
        obj.data = copy
        uid, shared_name, copy_name = id_of(obj), data.name, copy.name

        def restore(w):
            o = w.index.object(uid)
            d = getattr(bpy.data, pool).get(shared_name)
            if o is not None and d is not None:
                o.data = d
            c = getattr(bpy.data, pool).get(copy_name)
            if c is not None and c.users == 0:
                getattr(bpy.data, pool).remove(c)
        p.undo.append(restore)
        return copy

    def _remember_data(self, p, data, pool, attrs):
        state, name = optics.remember(data, attrs), data.name

        def restore(w):
            d = getattr(bpy.data, pool).get(name)
            if d is not None:
                optics.put_back(d, state)
        p.undo.append(restore)

    def _set_camera(self, p, op):
        obj = self.obj(op.uuid)
        if obj.type != "CAMERA":
            raise ApplyError("INVALID_VALUE", f"{self.describe(op.uuid)} is not a camera")
        self._write_camera(p, obj, _changes(op, optics.CAMERA_FIELDS))

    def _write_camera(self, p, obj, changes):
        try:
            current = optics.camera_record(obj.data, self.scene)
        except gltf.Unrepresentable:
            current = {}
        try:
            target = optics.merged(current, changes, "camera")
        except ValueError as e:
            raise ApplyError("INVALID_VALUE", f"camera '{obj.name}': {e}") from e
        data = self._own_data(p, obj, "cameras")
        self._remember_data(p, data, "cameras", optics.CAMERA_ATTRS)
        data.pop(optics.UNSYNCED, None)  # its parameters are synced from now on
        try:
            optics.write_camera(data, self.scene, target)
        except ValueError as e:
            raise ApplyError("INVALID_VALUE", f"camera '{obj.name}': {e}; nothing was applied") from e

    def _set_light(self, p, op):
        obj = self.obj(op.uuid)
        if obj.type != "LIGHT":
            raise ApplyError("INVALID_VALUE", f"{self.describe(op.uuid)} is not a light")
        try:
            current = optics.light_record(obj.data, strict=not (obj.data.type == "SPOT" and op.get("inner_cone") is not None))
        except gltf.Unrepresentable as e:
            raise ApplyError("UNREPRESENTABLE_LIGHT", f"light '{obj.name}' ({op.uuid}) is a {obj.data.type} light in "
                                                      f"Blender: {e}; Blender keeps it as it is") from e
        self._write_light(p, obj, current, _changes(op, optics.LIGHT_FIELDS))

    def _write_light(self, p, obj, current, changes):
        target = optics.merged(current, changes, "light")
        if target["type"] == "spot" and not 0 <= target["inner_cone"] < target["outer_cone"] <= math.pi / 2:
            raise ApplyError("INVALID_VALUE", f"light '{obj.name}': cones inner {target['inner_cone']} and outer "
                                              f"{target['outer_cone']} are not 0 ≤ inner < outer ≤ π/2")
        data = self._own_data(p, obj, "lights")
        self._remember_data(p, data, "lights", optics.LIGHT_ATTRS)
        data.pop(optics.UNSYNCED, None)  # its parameters are synced from now on
        optics.write_light(data, target)

    def _create_mesh(self, p, op):
        self._check_new(op.uuid)
        mesh, record = self._geometry("Mesh", op)
        self._adopt_new(p, op.uuid, mesh, "meshes")
        self.index.geometry.remember(op.uuid, mesh, record, self.unit_scale())

    def _replace_mesh(self, p, op):
        owner = self.index.derived_object(op.uuid) if op.uuid in self.index.derived else None
        if owner is not None:  # the orchestrator refuses this too; an adapter never overwrites what Blender derives
            raise ApplyError("DERIVED_MESH", f"mesh {op.uuid} is the evaluated mesh of object '{owner.name}', derived by "
                                             f"{', '.join(meshes.derivation(owner))}: edit those in Blender instead")
        old = self.mesh_data(op.uuid)
        if reading.in_edit_mode(old):  # swapping the data under Blender's edit-mesh is not safe
            raise ApplyError("ENGINE_FAULT", f"mesh '{old.name}' ({op.uuid}) is in edit mode in Blender; "
                                             "it is replaced once the human leaves edit mode")
        new, record = self._geometry(old.name, op)
        for m in old.materials:
            new.materials.append(m)
        self._swap_in(p, op.uuid, old, new, "meshes", _MeshUsers(old), self.index.geometry.invalidate)
        self.index.geometry.remember(op.uuid, new, record, self.unit_scale())

    def _swap_in(self, p, uid, old, new, pool, users, forget):
        """A replacement datablock takes ``old``'s ID and its users (``users.move(to)``); the old one is
        kept with a fake user until FINAL (then removed when nothing uses it), so a rollback is exact.
        ``forget(uid)`` drops what a cache knew of the ID."""
        users.move(new)
        old_name, new_name = old.name, new.name
        old.use_fake_user = True
        del old[PROP]  # the ID moves to the new datablock; the old one is only kept for rollback
        new[PROP] = uid
        getattr(self.index, pool)[uid] = new.name
        blocks = getattr(bpy.data, pool)

        def restore(w):
            o, n = blocks.get(old_name), blocks.get(new_name)
            if o is None:
                return
            users.move(o)
            o[PROP] = uid
            o.use_fake_user = False
            getattr(w.index, pool)[uid] = o.name
            forget(uid)
            if n is not None and n.users == 0:
                blocks.remove(n)

        def finalize(w):
            o = blocks.get(old_name)
            if o is not None and PROP not in o:
                o.use_fake_user = False
                if o.users == 0:
                    blocks.remove(o)
        p.undo.append(restore)
        p.on_finalize.append(finalize)

    def _replace_asset(self, p, op):
        obj = self.obj(op.uuid)
        if obj.instance_type != "COLLECTION" or obj.instance_collection is None:
            raise ApplyError("INVALID_VALUE", f"{op.uuid} is not a collection instance")
        collection = bpy.data.collections.get(op.get("asset"))
        if collection is None:
            raise ApplyError("UNKNOWN_ASSET", f"no collection named {op.get('asset')!r} in this Blender file")
        self._remember_object(p, obj)
        obj.instance_collection = collection


    # ---- armatures, joints, skins, shape keys (content schema 4) -----------------------------------

    def joint(self, uid):
        rig, bone = self.index.joint(uid)
        if rig is None:
            raise ApplyError("UNKNOWN_UUID", f"no joint {uid} in this Blender scene")
        return rig, bone

    def _remember_bones(self, p, rig):
        """Rollback puts every bone of ``rig`` back as it is now (armatures.snapshot), and the index's joints."""
        state, name, joints = armatures.snapshot(rig), rig.name, dict(self.index.joints)

        def restore(w):
            r = bpy.data.objects.get(name)
            if r is not None:
                armatures.restore(r, state)
            w.index.joints.clear()
            w.index.joints.update(joints)
        p.undo.append(restore)

    def _edit(self, rig):
        try:
            return armatures.editing(rig)
        except armatures.ArmatureBusy as e:
            raise ApplyError("ENGINE_FAULT", f"{e}; its bones are written once the human leaves that mode") from e

    def _joint_local(self, op, current=None):
        """A joint operation's rest transform as a Blender-space local matrix (fields it lacks from
        ``current``, a Matrix); refused when it scales (a bone has no rest scale in Blender)."""
        loc, rot, sca = current.decompose() if current is not None else ((0.0, 0.0, 0.0), Quaternion(), (1.0, 1.0, 1.0))
        if op.get("translation") is not None:
            loc = convert.translation_to_blender(op.get("translation"), False, self.unit_scale())
        if op.get("rotation") is not None:
            x, y, z, w = convert.rotation_to_blender(op.get("rotation"), False, False)
            rot = Quaternion((w, x, y, z))
        if op.get("scale") is not None:
            sca = convert.scale_blender(op.get("scale"), False)
        if any(abs(c - 1.0) > 1e-5 for c in sca):
            raise ApplyError("INVALID_VALUE", f"joint {op.uuid}: scale {tuple(sca)}: a bone has no rest scale in Blender "
                                              "(scale the armature object instead); nothing was applied")
        return Matrix.LocRotScale(loc, Quaternion(rot), None)

    def _joint_parent(self, uid):
        """(armature object, parent bone or None) of a joint's parent (a joint or an armature)."""
        if uid in self.index.joints:
            return self.joint(uid)
        rig = self.index.object(uid) if uid is not None else None
        if rig is None or rig.type != "ARMATURE":
            raise ApplyError("INVALID_VALUE", f"a joint's parent must be a joint or an armature, not {self.describe(uid)}")
        return rig, None

    def _create_joint(self, p, op):
        """A bone from a joint record: its rest matrix from the record's local transform under its parent
        (armatures.rest_from_joints' rule), its ID on the edit bone (Blender moves it to the Bone)."""
        rig, parent = self._joint_parent(op.get("parent"))
        local = self._joint_local(op)
        self._remember_bones(p, rig)
        with self._edit(rig) as bones:
            parent_edit = bones[parent.name] if parent is not None else None
            rest = local @ armatures.K_INV if parent_edit is None else \
                parent_edit.matrix @ armatures.K @ local @ armatures.K_INV
            bone = bones.new(op.get("name"))
            bone[armatures.BONE_PROP] = op.uuid
            bone.parent = parent_edit
            armatures.place(bone, rest, armatures.DEFAULT_LENGTH)
            if parent_edit is not None:
                armatures.reach_child(parent_edit, bone)
            bone.hide = op.get("visible", True) is False
            name = bone.name
        self.index.joints[op.uuid] = (rig.name, name)

    def _rewrite_rest(self, p, rig, changed, parent_of=None):
        """Gives the joints in ``changed`` (bone name → Blender-space local matrix) their new rest
        transforms, every other joint keeping its own local one (so descendants move along, as glTF
        children do); ``parent_of`` changes parents (bone name → parent bone name or None)."""
        bones = armatures.in_order(rig.data.bones)
        parents = {b.name: b.parent.name if b.parent else None for b in bones}
        parents.update(parent_of or {})
        locals_ = {b.name: changed.get(b.name, armatures.joint_local(b)) for b in bones}
        order, seen = [], set()
        def visit(name):  # parents first, under the new parenting
            if name in seen:
                return
            seen.add(name)
            if parents[name] is not None:
                visit(parents[name])
            order.append(name)
        for b in bones:
            visit(b.name)
        rest = armatures.rest_from_joints({n: locals_[n] for n in order}, parents)
        self._remember_bones(p, rig)
        with self._edit(rig) as edit:
            connected = {name for name in order if edit[name].use_connect}
            for name in order:  # placed free, then connected again where the head still meets the tail
                edit[name].use_connect = False
            for name in order:
                if name in (parent_of or {}):
                    edit[name].parent = edit[parents[name]] if parents[name] else None
                armatures.place(edit[name], rest[name])
            for name in connected:
                b = edit[name]
                if b.parent is not None and (b.head - b.parent.tail).length < 1e-6:
                    b.use_connect = True

    def _set_joint_transform(self, p, op):
        rig, bone = self.joint(op.uuid)
        self._rewrite_rest(p, rig, {bone.name: self._joint_local(op, armatures.joint_local(bone))})

    def _set_joint_parent(self, p, op):
        rig, bone = self.joint(op.uuid)
        new_rig, parent = self._joint_parent(op.get("parent"))
        if new_rig != rig:
            raise ApplyError("INVALID_VALUE", f"joint {op.uuid} belongs to armature '{rig.name}': in Blender a bone cannot "
                                              f"move to another armature ('{new_rig.name}'); nothing was applied")
        node = parent
        while node is not None:
            if node.name == bone.name:
                raise ApplyError("INVALID_VALUE", f"joint {op.uuid}: Cycle: its new parent is one of its descendants")
            node = node.parent
        self._rewrite_rest(p, rig, {bone.name: armatures.joint_local(bone)}, {bone.name: parent.name if parent else None})

    def _delete_joint(self, p, op):
        rig, bone = self.joint(op.uuid)
        doomed = [bone.name]
        if op.get("children") == "delete":
            doomed += [b.name for b in bone.children_recursive]
        else:
            kept = {c.name: armatures.joint_local(c) for c in bone.children}
            moved = {c: (bone.parent.name if bone.parent else None) for c in kept}
            if kept:  # children keep their local transforms under the removed bone's parent, as in glTF
                above = armatures.joint_local(bone)  # a child's node was under the bone's: now under its parent's
                self._rewrite_rest(p, rig, {c: above @ local for c, local in kept.items()}, moved)
                p.touched |= {id_of(rig.data.bones[c], armatures.BONE_PROP) for c in kept}
        self._remember_bones(p, rig)
        with self._edit(rig) as edit:
            for name in doomed:
                if name in edit:
                    edit.remove(edit[name])
        for uid, place in list(self.index.joints.items()):
            if place[0] == rig.name and place[1] in doomed:
                self.index.joints.pop(uid)
                p.touched.add(uid)

    # skins: an armature object's skin ID, and its meshes' Armature modifiers and vertex groups

    def _skin_rig(self, op, joints, ibm):
        """The armature whose bones, in Blender's order, are ``joints``, with these inverse bind matrices;
        else a refusal saying why (Blender binds every bone of an armature at its rest pose)."""
        places = [self.index.joints.get(j) for j in joints]
        if any(pl is None for pl in places):
            raise ApplyError("UNKNOWN_UUID", f"skin {op.uuid}: joint {joints[places.index(None)]} is not a joint here")
        rig = bpy.data.objects.get(places[0][0])
        bones = armatures.in_order(rig.data.bones)
        if [id_of(b, armatures.BONE_PROP) for b in bones] != list(joints):
            raise ApplyError("INVALID_VALUE", f"skin {op.uuid}: its joints are not every bone of armature '{rig.name}' in "
                                              "Blender's order (depth first), the only skin Blender has")
        if ibm is not None:
            reading.evaluate()  # the armature may have been placed by this intent: its world matrix is lazy
            want = armatures.inverse_bind_matrices(rig, bones, self.unit_scale())
            try:
                have = meshes.blob_array(self.blobs, ibm, meshes.F32)
            except KeyError as e:
                raise ApplyError("BLOB_MISSING", f"skin {op.uuid}: blob {ibm} is not here; nothing was applied") from e
            if have.shape != want.shape:
                raise ApplyError("BLOB_SHAPE", f"skin {op.uuid}: inverse_bind_matrices holds {have.shape[0]} × "
                                               f"{have.shape[1]} values, not {want.shape[0]} × 16")
            off = np.abs(have - want).max(axis=1, initial=0.0)
            if len(off) and float(off.max()) > armatures.IBM_TOLERANCE:
                worst = int(off.argmax())
                raise ApplyError("INVALID_VALUE", f"skin {op.uuid}: its inverse bind matrix of joint {worst} ('{bones[worst].name}') "
                                                  f"differs by {float(off[worst]):.3g} from the one of the bone's rest pose in "
                                                  f"armature '{rig.name}' (Blender binds at the rest pose)")
        return rig

    def _set_skin_id(self, p, rig, uid):
        before = rig.get(armatures.SKIN_PROP)
        name = rig.name
        if uid is None:
            rig.pop(armatures.SKIN_PROP, None)
            self.index.skins.pop(before, None)
        else:
            rig[armatures.SKIN_PROP] = uid
            self.index.skins[uid] = rig.name

        def restore(w):
            r = bpy.data.objects.get(name)
            if r is None:
                return
            w.index.skins.pop(uid, None)
            if before is None:
                r.pop(armatures.SKIN_PROP, None)
            else:
                r[armatures.SKIN_PROP] = before
                w.index.skins[before] = name
        p.undo.append(restore)

    def _create_skin(self, p, op):
        self._check_new(op.uuid)
        rig = self._skin_rig(op, op.get("joints"), op.get("inverse_bind_matrices"))
        if id_of(rig, armatures.SKIN_PROP) in self.index.skins:
            raise ApplyError("INVALID_VALUE", f"armature '{rig.name}' already has skin {rig[armatures.SKIN_PROP]}: "
                                              "Blender has one skin per armature")
        self._set_skin_id(p, rig, op.uuid)
        self._note_ibm(p, rig, op.get("inverse_bind_matrices"))

    def _update_skin(self, p, op):
        rig = self.index.skin_armature(op.uuid)
        if rig is None:
            raise ApplyError("UNKNOWN_UUID", f"no skin {op.uuid} in this Blender scene")
        joints = op.get("joints") or tuple(id_of(b, armatures.BONE_PROP) for b in armatures.in_order(rig.data.bones))
        if self._skin_rig(op, joints, op.get("inverse_bind_matrices")) != rig:
            raise ApplyError("INVALID_VALUE", f"skin {op.uuid}: its joints are bones of another armature")
        self._note_ibm(p, rig, op.get("inverse_bind_matrices"))

    def _note_ibm(self, p, rig, ibm):
        """Bind matrices accepted (within the tolerance of the bones' rest) read back under the name they came
        with, not Blender's own float rounding of them (another engine computed them: their blob names differ)."""
        if ibm is None:
            return
        before, name = rig.get(armatures.APPLIED_IBM_PROP), rig.name
        rig[armatures.APPLIED_IBM_PROP] = ibm

        def restore(w):
            r = bpy.data.objects.get(name)
            if r is None:
                return
            if before is None:
                r.pop(armatures.APPLIED_IBM_PROP, None)
            else:
                r[armatures.APPLIED_IBM_PROP] = before
        p.undo.append(restore)

    def _delete_skin(self, p, op):
        rig = self.index.skin_armature(op.uuid)
        if rig is None:
            raise ApplyError("UNKNOWN_UUID", f"no skin {op.uuid} in this Blender scene")
        self._set_skin_id(p, rig, None)

    def _set_skin(self, p, op):
        obj = self.obj(op.uuid)
        if obj.type != "MESH":
            raise ApplyError("INVALID_VALUE", f"{self.describe(op.uuid)} is not a mesh object; only those are skinned")
        self._skin_object(p, obj, op.get("skin"))

    def _skin_object(self, p, obj, skin):
        """``obj`` deformed by the skin's armature (an Armature modifier, vertex groups from its mesh
        record's JOINTS_0/WEIGHTS_0), or by none (its Armature modifiers removed; vertex groups kept)."""
        rig = None
        if skin is not None:
            rig = self.index.skin_armature(skin)
            if rig is None:
                raise ApplyError("UNKNOWN_UUID", f"no skin {skin} in this Blender scene")
        uid, before = id_of(obj), [(m.name, m.object.name if m.object else None, m.show_viewport)
                                   for m in obj.modifiers if m.type == "ARMATURE"]
        groups = {g.name: [(v.index, e.weight) for v in obj.data.vertices for e in v.groups if e.group == g.index]
                  for g in obj.vertex_groups} if obj.data is not None else {}

        def restore(w):
            o = w.index.object(uid)
            if o is None:
                return
            for m in [m for m in o.modifiers if m.type == "ARMATURE"]:
                o.modifiers.remove(m)
            for name, target, shown in before:
                m = o.modifiers.new(name, "ARMATURE")
                m.object, m.show_viewport = bpy.data.objects.get(target) if target else None, shown
            for g in list(o.vertex_groups):
                o.vertex_groups.remove(g)
            for name, entries in groups.items():
                g = o.vertex_groups.new(name=name)
                for v, weight in entries:
                    g.add([v], weight, "REPLACE")
        p.undo.append(restore)
        for m in [m for m in obj.modifiers if m.type == "ARMATURE"]:
            obj.modifiers.remove(m)
        if rig is None:
            return
        obj.modifiers.new("Armature", "ARMATURE").object = rig
        mid = self.index.mesh_id(obj)
        record = self.index.geometry.authored(mid, obj.data, self.unit_scale())
        if "JOINTS_0" not in record.attributes:
            raise ApplyError("INVALID_VALUE", f"object '{obj.name}': its mesh has no JOINTS_0/WEIGHTS_0 to skin it with")
        try:
            geo = meshes.geometry_of(record, self.blobs if self.blobs is not None else self.index.geometry.sink)
        except KeyError as e:
            raise ApplyError("BLOB_MISSING", f"object '{obj.name}': blob {e.args[0]} of its mesh is not here") from e
        names_ = [b.name for b in armatures.in_order(rig.data.bones)]
        joints = geo.attributes["JOINTS_0"]
        if len(joints) and int(joints.max()) >= len(names_):
            raise ApplyError("INVALID_VALUE", f"object '{obj.name}': JOINTS_0 names joint {int(joints.max())}, beyond the "
                                              f"{len(names_)} of armature '{rig.name}'")
        vertex_of, _ = geometry.blender_vertices(geo, self.unit_scale())
        armatures.write_vertex_groups(obj, names_, joints, geo.attributes["WEIGHTS_0"], vertex_of)

    # animations: an Action per animation, its F-curves from the channels (animations.py, the inverse maps)

    def _channel_plan(self, uid, c):
        """(owner ID, "OBJECT" | "KEY", [(data path, index)] per component, group, map, holder, width) of a
        channel: a joint's pose bone on its armature, an object's own transform, a mesh's shape keys."""
        if c.target in self.index.joints:
            rig, bone = self.joint(c.target)
            holder = rig.pose.bones[bone.name]
            prop = animations.PROPERTY[c.path] if c.path != "weights" else None
            if prop is None:
                raise ApplyError("INVALID_VALUE", f"animation {uid}: a joint has no morph weights ({c.target})")
            if prop == "location" and holder.bone.use_connect:
                raise ApplyError("INVALID_VALUE", f"animation {uid}: bone '{bone.name}' is connected to its parent in "
                                                  "Blender, which ignores its location: its translation cannot be animated")
            mapper = animations.TransformMap.for_joint(rig.data.bones[bone.name], self.unit_scale())
            paths = [(animations.bone_path(bone.name, prop), i) for i in range(animations.WIDTHS[prop])]
            return rig, "OBJECT", paths, bone.name, mapper, holder, len(paths)
        obj = self.obj(c.target)
        if c.path == "weights":
            keys = geometry.morph_keys(obj.data)[0] if obj.type == "MESH" and obj.data is not None else []
            if not keys:
                raise ApplyError("INVALID_VALUE", f"animation {uid}: {self.describe(c.target)} has no shape keys to weight")
            return obj.data.shape_keys, "KEY", [(animations.key_path(k.name), 0) for k in keys], None, None, None, len(keys)
        found = reading.transform_map(obj, None, self.index, self.unit_scale())
        if found is None:
            raise ApplyError("INVALID_VALUE", f"animation {uid}: {self.describe(c.target)} is placed through world matrices "
                                              "in Blender (its parent is not synced, or a bone or vertex parent, or a scaled "
                                              "parent inverse): its transform cannot be keyed exactly")
        prop = animations.PROPERTY[c.path]
        paths = [(prop, i) for i in range(animations.WIDTHS[prop])]
        return obj, "OBJECT", paths, "Object Transforms", found[1], obj, len(paths)

    def _channel_keys(self, uid, c, plan, where):
        """A channel's times and Blender-space values per element, checked first (the protocol's content
        rules: shapes, times increasing, unit rotations; finite numbers): a refusal names the problem."""
        from ..protocol.rigging_content import ContentError, check_channel
        width = plan[6]
        try:
            check_channel(c, width if c.path == "weights" else 0, self.blobs, where)
        except ContentError as e:
            raise ApplyError(e.code, f"animation {uid}: {e}; nothing was applied") from e
        times = meshes.blob_array(self.blobs, c.times, meshes.F32).reshape(-1).astype(np.float64)
        values = meshes.blob_array(self.blobs, c.values, meshes.F32).astype(np.float64)
        if not (np.isfinite(times).all() and np.isfinite(values).all()):
            raise ApplyError("NON_FINITE", f"animation {uid}: {where}: a time or value is not a finite number; nothing was applied")
        cubic = c.interpolation == "CUBICSPLINE"
        rows = values.reshape(-1, width) if c.path == "weights" else values
        mapper = plan[4]
        out = []
        for e, row in enumerate(rows.tolist()):
            if mapper is None:
                out.append(tuple(row))
            elif cubic and e % 3 != 1:
                out.append(mapper.inverse_tangent(c.path, tuple(row)))
            else:
                out.append(mapper.inverse(c.path, tuple(row)))
        return times.tolist(), out

    def _write_channel(self, p, uid, action, c, plan, where):
        """Replaces the F-curves of one channel in ``action`` (the rotation of every mode, made quaternion)."""
        owner, kind, paths, group, mapper, holder, width = plan
        times, values = self._channel_keys(uid, c, plan, where)
        self._drop_curves(p, action, plan)
        if holder is not None and c.path == "rotation" and holder.rotation_mode != "QUATERNION":
            self._remember_mode(p, owner, holder)
            holder.rotation_mode = "QUATERNION"
        animations.write_curves(action, paths, group, times, values, c.interpolation, animations.frame_rate(self.scene), width)

    def _drop_curves(self, p, action, plan):
        """Removes the F-curves a channel is written over (every rotation mode's), to put back on rollback."""
        paths = {path for path, _ in plan[2]}
        if plan[4] is not None and any(path.endswith("rotation_quaternion") for path in paths):
            base = next(iter(paths))[:-len("rotation_quaternion")]
            paths |= {base + "rotation_euler", base + "rotation_axis_angle"}
        doomed = [fc for fc in action.fcurves if fc.data_path in paths]
        saved = [animations.snapshot_curve(fc) for fc in doomed]
        name, written = action.name, {(path, i) for path, i in plan[2]}
        for fc in doomed:
            action.fcurves.remove(fc)

        def restore(w):
            a = bpy.data.actions.get(name)
            if a is None:
                return
            for fc in [fc for fc in a.fcurves if (fc.data_path, fc.array_index) in written]:
                a.fcurves.remove(fc)
            for state in saved:
                animations.restore_curve(a, state)
        p.undo.append(restore)

    def _remember_mode(self, p, owner, holder):
        obj_name, bone = owner.name, getattr(holder, "name", None) if holder is not owner else None
        mode = holder.rotation_mode

        def restore(w):
            o = bpy.data.objects.get(obj_name)
            if o is not None:
                (o.pose.bones[bone] if bone is not None else o).rotation_mode = mode
        p.undo.append(restore)

    def _plans(self, uid, channels):
        plans = [self._channel_plan(uid, c) for c in channels]
        owners = {(pl[0].name, pl[1]) for pl in plans}
        if len(owners) > 1:
            raise ApplyError("INVALID_VALUE", f"animation {uid}: its channels drive {len(owners)} datablocks in Blender "
                                              f"({', '.join(sorted({pl[0].name for pl in plans}))}), and an action drives one "
                                              "(an object with its bones, or a mesh's shape keys); nothing was applied")
        return plans

    def _remember_animation(self, p, uid):
        """Rollback restores the index's entry and cached record of animation ``uid``."""
        name, cached = self.index.animations.get(uid), self.index.animation_cache.get(uid)

        def restore(w):
            for table, value in ((w.index.animations, name), (w.index.animation_cache, cached)):
                if value is None:
                    table.pop(uid, None)
                else:
                    table[uid] = value
        p.undo.append(restore)

    def _wrote(self, uid, action, record, owner, kind):
        """What reading the action gives while nothing changes it: the record applied (reading.py's cache),
        so the floats of the inverse maps never make it differ from what was agreed."""
        users = animations.uses(self._players(owner, kind)).get(action.name, ())
        key = animations.signature(action, users, self.unit_scale(), animations.frame_rate(self.scene))
        sampled = [(c.target, c.path, "sampled by the engine it came from") for c in record.channels if c.sampled]
        self.index.animation_cache[uid] = (key, record, sampled)

    def _players(self, owner, kind):
        if kind == "OBJECT":
            return [owner]
        return [o for uid, o in self.index.each("objects") if o.type == "MESH" and o.data is not None
                and o.data.shape_keys == owner]

    def _create_animation(self, p, op):
        self._check_new(op.uuid)
        channels = op.get("channels")
        if not channels:
            raise ApplyError("INVALID_VALUE", f"animation {op.uuid}: an action with no channels drives nothing in Blender; "
                                              "nothing was applied")
        plans = self._plans(op.uuid, channels)
        owner, kind = plans[0][0], plans[0][1]
        self._remember_animation(p, op.uuid)
        action = bpy.data.actions.new(op.get("name"))
        action[animations.ACTION_PROP] = op.uuid
        action.id_root = kind
        name = action.name
        created = owner.animation_data is None
        ad = owner.animation_data_create()
        previous = ad.action
        track = None

        def restore(w):
            a = bpy.data.actions.get(name)
            data = owner_again()
            if data is not None and data.animation_data is not None:
                if track is not None and track in data.animation_data.nla_tracks:
                    data.animation_data.nla_tracks.remove(data.animation_data.nla_tracks[track])
                if created:
                    data.animation_data_clear()
                elif data.animation_data.action == a:
                    data.animation_data.action = previous
            if a is not None:
                bpy.data.actions.remove(a)
        owner_name, owner_kind = owner.name, kind

        def owner_again():
            if owner_kind == "OBJECT":
                return bpy.data.objects.get(owner_name)
            return next((k for k in bpy.data.shape_keys if k.name == owner_name), None)
        p.undo.append(restore)
        for j, (c, plan) in enumerate(zip(channels, plans)):
            self._write_channel(p, op.uuid, action, c, plan, f"channels[{j}]")
        if previous is None:
            ad.action = action
        else:  # the datablock plays another action: this one joins as an NLA track of its own (read as a strip)
            t = ad.nla_tracks.new()
            t.name = name
            t.strips.new(name, int(math.floor(action.frame_range[0])), action)
            track = t.name
        self.index.animations[op.uuid] = name
        self._wrote(op.uuid, action, Animation(op.uuid, op.get("name"), op.get("frame_rate"), tuple(channels)), owner, kind)

    def _set_animation_channel(self, p, op):
        action = self.index.action(op.uuid)
        if action is None:
            raise ApplyError("UNKNOWN_UUID", f"no animation {op.uuid} in this Blender scene")
        channel = AnimationChannel(op.get("target"), op.get("path"), op.get("interpolation", "LINEAR"),
                                   op.get("times", ""), op.get("values", ""), op.get("sampled", False))
        plan = self._channel_plan(op.uuid, channel)
        owner, kind = plan[0], plan[1]
        players = self._players(owner, kind)
        if not any(action in animations.actions_of(getattr(o if kind == "OBJECT" else o.data.shape_keys, "animation_data", None))
                   for o in players):
            raise ApplyError("INVALID_VALUE", f"animation {op.uuid} (action '{action.name}') is not played by "
                                              f"{self.describe(op.get('target'))} in Blender, and an action drives the "
                                              "datablocks that play it; nothing was applied")
        current = reading.canonical_scene(self.scene, self.index, {op.uuid}).animations
        before = current[0] if current else Animation(op.uuid, action.name, animations.frame_rate(self.scene), ())
        self._remember_animation(p, op.uuid)
        if op.get("remove"):
            self._drop_curves(p, action, plan)
        else:
            self._write_channel(p, op.uuid, action, channel, plan, "channel")
        kept = tuple(c for c in before.channels if (c.target, c.path) != (channel.target, channel.path))
        if not op.get("remove"):
            kept = tuple(sorted(kept + (channel,), key=lambda c: c.order))
        self._wrote(op.uuid, action, Animation(op.uuid, before.name, before.frame_rate, kept), owner, kind)

    def _delete_animation(self, p, op):
        """Provisional: the action stops playing (unassigned; an NLA strip muted), kept until FINALIZE."""
        action = self.index.action(op.uuid)
        if action is None:
            raise ApplyError("UNKNOWN_UUID", f"no animation {op.uuid} in this Blender scene")
        self._remember_animation(p, op.uuid)
        name, undo = action.name, []
        blocks = [o for o in bpy.data.objects] + [k for k in bpy.data.shape_keys]
        for block in blocks:
            ad = block.animation_data
            if ad is None:
                continue
            if ad.action == action:
                ad.action = None
                undo.append((block, None))
            for track in ad.nla_tracks:
                for strip in track.strips:
                    if strip.action == action and not strip.mute:
                        strip.mute = True
                        undo.append((block, (track.name, strip.name)))
        action.use_fake_user = True
        refs = [(type(b).__name__, b.name, where) for b, where in undo]

        def restore(w):
            a = bpy.data.actions.get(name)
            if a is None:
                return
            a.use_fake_user = False
            for typ, block_name, where in refs:
                pool = bpy.data.objects if typ == "Object" else bpy.data.shape_keys
                b = pool.get(block_name)
                if b is None or b.animation_data is None:
                    continue
                if where is None:
                    b.animation_data.action = a
                else:
                    b.animation_data.nla_tracks[where[0]].strips[where[1]].mute = False
        p.undo.append(restore)
        self.index.animations.pop(op.uuid, None)
        self.index.animation_cache.pop(op.uuid, None)

        def finalize(w):
            a = bpy.data.actions.get(name)
            if a is not None and animations.action_id(a) == op.uuid:
                bpy.data.actions.remove(a)
            w.index.tombstones.add(op.uuid)
        p.on_finalize.append(finalize)

    def _set_morph_weights(self, p, op):
        """A mesh's default morph target weights: its shape keys' values (cosmetic, like a slider drag)."""
        uid = self.index.mesh_id(self.obj(op.uuid)) if op.uuid in self.index.objects else op.uuid
        mesh = self.mesh_data(uid)
        keys, _ = geometry.morph_keys(mesh)
        weights = op.get("weights")
        if len(weights) != len(keys):
            raise ApplyError("INVALID_VALUE", f"mesh '{mesh.name}' ({uid}) has {len(keys)} morph targets, not {len(weights)}")
        start = animations.key_values(mesh, keys)
        for k, v, w in zip(keys, start, weights):
            if abs(v - w) > 1e-6:  # a weight a curve sets cannot be set here: the record holds the curve's
                action = next((a.name for a in animations.actions_of(mesh.shape_keys.animation_data)
                               if any(fc.data_path == animations.key_path(k.name) for fc in a.fcurves)), None)
                if action is not None:
                    raise ApplyError("INVALID_VALUE", f"mesh '{mesh.name}' ({uid}): shape key '{k.name}' is animated by action "
                                                      f"'{action}' in Blender: its weight is the animation's (set_animation_channel), "
                                                      "not a slider's; nothing was applied")
        before, name = [k.value for k in keys], mesh.name

        def restore(w):
            m = bpy.data.meshes.get(name)
            if m is not None:
                for k, v in zip(geometry.morph_keys(m)[0], before):
                    k.value = v
        p.undo.append(restore)
        for k, v in zip(keys, weights):
            k.value = v
        self.index.geometry.invalidate(uid)


# ---- native helpers ------------------------------------------------------------------------------

def _with(op, **fields):
    """The same operation with some fields replaced."""
    return type(op)(op.op, op.uuid, {**op.fields, **fields})


def _parent_to_bone(obj, rig, bone_name, index, keep=True):
    """Parents ``obj`` to a bone of ``rig`` (parent type BONE), keeping its local transform relative
    to the joint (``keep``), or leaving it for the caller to place."""
    location, rotation, scale = reading.local_transform(obj, index) if keep else (None, None, None)
    obj.parent = rig
    obj.parent_type = "BONE"
    obj.parent_bone = bone_name
    obj.matrix_parent_inverse = Matrix.Identity(4)
    if keep:
        reading.evaluate()
        _write_local(obj, location, rotation, scale, index)


def _resolve_in(index, table, uid):
    return {"materials": index.material, "meshes": index.mesh, "images": index.image}[table](uid)


def _hidden(obj):
    try:
        return obj.hide_get()
    except RuntimeError:
        return False


def _set_hidden(obj, hidden):
    try:
        obj.hide_set(hidden)
    except RuntimeError:  # not in the view layer: the viewport flag is all there is
        obj.hide_viewport = hidden


def _slot_state(obj):
    """Each material slot's link and the material the object itself holds there (shown or not)."""
    state = []
    for slot in obj.material_slots:
        link = slot.link
        if link != "OBJECT":
            slot.link = "OBJECT"  # the object's own material is readable only through its link
        state.append((link, slot.material))
        if link != "OBJECT":
            slot.link = link
    return state


def _restore_slots(obj, state):
    for slot, (link, material) in zip(obj.material_slots, state):
        slot.link = "OBJECT"
        slot.material = material
        slot.link = link


def _other_users(mesh, obj):
    """The objects other than obj whose data is mesh (in any scene, or kept unlinked by a provisional delete)."""
    if mesh is None or mesh.users - (1 if mesh.use_fake_user else 0) <= (1 if obj is not None else 0):
        return []  # the common case, without a walk over every object
    return [o for o in bpy.data.objects if o.data == mesh and o != obj]


def _names(objects, shown=5):
    names = sorted(o.name for o in objects)
    text = ", ".join(f"'{n}'" for n in names[:shown])
    return ("object " if len(names) == 1 else "objects ") + text + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _write_local(obj, location, rotation_wxyz, scale, index):
    """Writes a local transform (relative to the reported parent) in the object's own terms: its
    rotation mode, its parent inverse, and, for an object reported under an ancestor that is not
    its real parent (or hanging from a bone), through world matrices into its real parent's frame."""
    if reading.through_world(obj, index):
        reading.evaluate()  # earlier steps of this intent may have moved the anchor or the parent
        anchor = reading.anchor_world(obj, index)  # the reported parent's, or the joint node's of a bone
        local = Matrix.LocRotScale(location, Quaternion(rotation_wxyz), scale)
        world = anchor @ local if anchor is not None else local
        if obj.parent_type == "OBJECT":  # the real parent's frame, through its inverse
            frame = obj.parent.matrix_world @ obj.matrix_parent_inverse
        else:  # a bone or vertices: everything Blender put above the basis
            frame = obj.matrix_world @ obj.matrix_basis.inverted()
        loc, rot, sca = (frame.inverted() @ world).decompose()
        _write_basis(obj, tuple(loc), tuple(rot), tuple(sca))
        return
    if obj.parent is not None and obj.matrix_parent_inverse != reading.IDENTITY:
        local = Matrix.LocRotScale(location, Quaternion(rotation_wxyz), scale)
        obj.matrix_basis = obj.matrix_parent_inverse.inverted() @ local
        return
    _write_basis(obj, location, rotation_wxyz, scale)


def _write_basis(obj, location, rotation_wxyz, scale):
    obj.location = location
    mode = obj.rotation_mode
    q = Quaternion(rotation_wxyz)
    if mode == "QUATERNION":
        obj.rotation_quaternion = rotation_wxyz
    elif mode == "AXIS_ANGLE":
        axis, angle = q.to_axis_angle()
        obj.rotation_axis_angle = (angle, *axis)
    else:
        obj.rotation_euler = q.to_euler(mode, obj.rotation_euler)
    obj.scale = scale


def _link(collection, obj):
    """Links ``obj`` into ``collection`` unless it is there already (a name test would search the collection)."""
    try:
        collection.objects.link(obj)
    except RuntimeError as e:
        if "already in collection" not in str(e):
            raise


class Family:
    """Every object's children, from one pass over the objects when first asked. Blender 3.4 keeps no
    list of an object's children: ``Object.children`` is Python walking every object per call (16 ms of CPU at
    100,000 objects here), so a delete that asked it of each object it visited cost the scene times
    the hierarchy. Taken for one operation: the parents it then changes are its own doing."""

    def __init__(self):
        self._children = None

    def children(self, obj):
        if self._children is None:
            self._children = {}
            for o in bpy.data.objects:
                parent = o.parent
                if parent is not None:
                    self._children.setdefault(parent, []).append(o)
        return list(self._children.get(obj, ()))


def _reported_children(obj, index, family):
    """IDs of the synced objects whose reported parent is obj: its synced children, and the synced
    descendants of its children that are not synced (reported under their nearest synced ancestor)."""
    found, todo = set(), family.children(obj)
    while todo:
        o = todo.pop()
        if reading.is_synced(o, index):
            found.add(id_of(o))
        else:
            todo.extend(family.children(o))
    return found


def _reparent_keeping_local(obj, parent, index):
    location, rotation, scale = reading.local_transform(obj, index)
    obj.parent = parent
    if obj.parent_type != "OBJECT":
        obj.parent_type = "OBJECT"
    obj.matrix_parent_inverse = Matrix.Identity(4)
    _write_local(obj, location, rotation, scale, index)


def _binding(t):
    """A texture binding as a plain dict with every field (from an operation's dataclass or dict)."""
    if t is None:
        return None
    fields = t if isinstance(t, dict) else {f: getattr(t, f) for f in t.__slots__}
    return {**graphs.TEXTURE_DEFAULTS, **{k: (tuple(v) if isinstance(v, list) else v) for k, v in fields.items()}}


def _merged_material(current, fields):
    """The full material record after an operation's fields: the named ones replace the current
    values; ``textures`` changes only the slots it names (null removes one)."""
    target = dict(current)
    target["textures"] = dict(current.get("textures", {}))
    for k, v in fields.items():
        if k == "textures":
            for slot, t in v.items():
                if t is None:
                    target["textures"].pop(slot, None)
                else:
                    target["textures"][slot] = _binding(t)
        elif k in graphs.DEFAULTS:
            target[k] = tuple(v) if isinstance(v, list) else v
    return target


def _plain(record):
    """A camera or light record (a dataclass or a dict) as a dict."""
    if isinstance(record, dict):
        return dict(record)
    return {f: getattr(record, f) for f in record.__slots__}


def _changes(op, fields):
    out = {}
    for f in fields:
        v = op.get(f, _ABSENT)
        if v is not _ABSENT:
            out[f] = tuple(v) if isinstance(v, list) else v
    return out


_ABSENT = object()


class _MeshUsers:
    """The objects showing a mesh (by name), moved to another mesh and back."""

    def __init__(self, mesh):
        self.names = [o.name for o in bpy.data.objects if o.data == mesh]

    def move(self, mesh):
        for name in self.names:
            if name in bpy.data.objects:
                bpy.data.objects[name].data = mesh


class _ImageUsers:
    """The Image Texture nodes showing an image (material or group, node name), moved and back."""

    def __init__(self, image):
        trees = [("m", m.name, m.node_tree) for m in bpy.data.materials if m.node_tree is not None]
        trees += [("g", g.name, g) for g in bpy.data.node_groups]
        self.nodes = [(kind, owner, n.name) for kind, owner, t in trees for n in t.nodes
                      if n.type == "TEX_IMAGE" and n.image == image]

    def move(self, image):
        for kind, owner, node in self.nodes:
            block = (bpy.data.materials if kind == "m" else bpy.data.node_groups).get(owner)
            tree = (block.node_tree if kind == "m" else block) if block is not None else None
            if tree is not None and node in tree.nodes:
                tree.nodes[node].image = image
