"""Human edits in Blender → typed operations (EDIT), and HUMAN_ACTIVE locks.

``depsgraph_update_post`` only marks what changed: Blender forbids writing ID properties while it
evaluates, and reading there would run on every frame of a drag. The main-thread tick then reads
the marked records in canonical values, compares them with what the orchestrator last knew, and
sends the difference as operations. A change made by the adapter itself (an APPLY or a ROLLBACK)
updates the known values first, so it never comes back as the human's edit (no echo).

Visibility is polled (every ``poll_s``, ``poll_batch`` objects at a time, round the scene): the eye
toggle is a view-layer flag, and changing it fires no depsgraph update for the object (only the
scene's, which already makes the next pass read the whole scene). The poll is the safety net, so it
costs the same per round at 100,000 objects as at 1,000, and it runs in ticks that send nothing, so an
edit's tick carries the edit's work alone.

Per edit, the work follows the edit: ``depsgraph.updates`` names the datablocks Blender
re-evaluated, each is found in the index by its ID (or, for a camera's, light's or node tree's, by
its address: ``identity.DataOwners``), and only those records are read and compared. An object
that only moved along with its parent is told apart by its fingerprint, without a read.

Objects added (a primitive, Shift+D, Alt+D) or deleted are taken by ``membership.plan`` at the
cost of the change: the newcomers stamped and read alone, the gone ones deleted, with no rescan;
anything it does not handle exactly falls back to the whole rescan and read (``structure``), which
stays the reference (``verify_structure`` compares the two).

Debounce, leading edge first: the first change after a pause (no edit sent for ``hold_s``) goes
out on the next tick, so a single edit reaches the other engine without waiting; the rest of a
burst is sent once it has been quiet for ``quiet_s``, and at least every ``hold_s`` while it goes
on, so a drag becomes a few edits per second, not one per frame.

A mesh in edit mode is not read while it is edited: its changes are held and read once the human
leaves edit mode (Blender writes the edit-mesh back then).

What is not synced (an unsupported type, a mesh over the limits, a datablock that cannot be read)
never becomes an operation: its edits are not sent, and an object left out is not reported deleted.
When a read finds that what is left out changed, the next pass reads the whole scene, so children
move under their new reported parent and a datablock that fits again is created.

HUMAN_ACTIVE: an object in edit (or sculpt, paint) mode is locked until it leaves it. A drag is
seen as transform updates of one object on consecutive ticks (Blender 3.x has no API listing the
running modal operators; 4.2+ has ``Window.modal_operators`` and it is used when present), and is
released once the object has been still for ``quiet_s``.
"""

import os
import time
from dataclasses import replace

import bpy

from ..link import MessageType
from ..link.limits import record_bound
from ..protocol.model import ANIMATION_PATHS, Animation, Image, Material, Mesh, SceneObject, Skin
from ..protocol.rigging_json import animation_json, channel_json
from ..protocol.scene_json import mesh_json
from ..scene import animations, identity, reading
from ..scene.meshes import is_derived
from . import membership
from .membership import Known, Members


class ChangeDetector:
    def __init__(self, adapter, send, quiet_s=0.05, hold_s=0.1, poll_s=0.25, clock=time.monotonic, poll_batch=200):
        self.adapter = adapter
        self.send = send
        self.quiet_s, self.hold_s, self.poll_s, self.clock = quiet_s, hold_s, poll_s, clock
        self.poll_batch = poll_batch
        self._polled = 0.0
        self._poll_ids, self._poll_index, self._poll_at = [], None, 0  # the round the visibility poll makes
        self.known = Known()     # uuid → canonical record the orchestrator has from us
        self.dirty = set()
        self.structure = False   # the whole scene is rescanned and read at the next flush
        self.membership = False  # objects may have been added or deleted: membership.plan first, else the whole scene
        self._new = []           # the objects the depsgraph named that the index does not know (added, or copies)
        self.scene_touched = False  # an update named only the scene or a collection: _scene_changed decides
        self._members = None     # the scene's objects by hash (membership.Members), at the last whole read
        # Tests and debugging (off by default; VIBESYNC_VERIFY_STRUCTURE=1 turns it on): every add/delete taken by
        # membership.plan is checked against a whole rescan and read, and a difference is logged.
        self.verify_structure = os.environ.get("VIBESYNC_VERIFY_STRUCTURE") == "1"
        self.structure_checks = []     # (what differed, or None when the two agreed) per check
        self.structure_passes = {"membership": 0, "whole": 0}  # how structural changes were taken
        self.first = self.last = None
        self.sent_at = None      # when the last edit went out (the leading edge of a burst goes at once)
        self.held = set()        # meshes changed while in edit mode: read when the human leaves it
        self.active = set()      # uuids under HUMAN_ACTIVE
        self._moving = {}        # uuid → last transform update time
        self._prints = {}        # uuid → reading.fingerprint of the object as known
        self._bases = {}         # uuid → the object's own transform (_basis) when last seen in an update
        self._played = {}        # uuid → names of the actions the object played when last seen changed
        self.sent = []           # payloads sent (newest last, at most 100): the panel and tests read it

    # ---- baseline --------------------------------------------------------------------------------

    def reset(self, scene=None):
        """After attach or rebind: everything in the scene is known as it is now (``scene``: the
        canonical scene just reported, else it is read)."""
        scene = scene if scene is not None else self.adapter.canonical()
        index = self.adapter.index
        self.known = Known(_records(scene))
        objects = index.each("objects")
        self._prints = {uid: reading.fingerprint(o, index) for uid, o in objects}
        self._played = {uid: tuple(a.name for a in animations.actions_of(o.animation_data)) for uid, o in objects
                        if o.animation_data is not None}
        self._bases = {}
        self.dirty.clear()
        self.held.clear()
        self.structure = self.scene_touched = self.membership = False
        self._new = []
        self._members = Members(self.adapter.scene, index)
        self.first = self.last = None

    def report_first(self, uuids):
        """The adapter is about to write these (APPLY, ROLLBACK): a human's edit of any of them that is
        marked but not sent yet (waiting out the debounce, or made since the last tick) is sent now,
        before the write and its answer. Else ``refresh`` would take the written value as known and
        drop the mark, and the human's edit would never become an intent. Returns the EDIT sent, if any.
        The depsgraph is evaluated first: an edit made since it last ran (a script, a timer before ours)
        is marked by then (depsgraph_update_post), at no cost when nothing is tagged."""
        if self.adapter.index is None:
            return None
        layer = getattr(bpy.context, "view_layer", None)  # a timer's context may have none: then only what is marked
        if layer is not None:
            layer.update()
        if self.dirty.isdisjoint(uuids):
            return None
        return self.tick(force=True)

    def refresh(self, uuids):
        """The adapter changed these (APPLY, ROLLBACK): their current values are known, not edits.
        A human's edit of them still marked was sent first (``report_first``)."""
        scene = self.adapter.canonical(set(uuids))
        present = {r.uuid: r for r in _records(scene)}
        index = self.adapter.index
        for uid in uuids:
            if uid in present:
                self.known[uid] = present[uid]
                obj = index.object(uid) if isinstance(present[uid], SceneObject) else None
                if obj is not None and self._members is not None:  # created or kept by the adapter: in the scene
                    self._members.note(uid, obj)
            else:
                self.known.pop(uid, None)
                if self._members is not None and uid not in index.objects:  # deleted by the adapter
                    self._members.forget(uid)
            self._remember_print(uid)
            self.dirty.discard(uid)

    def _remember_print(self, uid):
        obj = self.adapter.index.object(uid) if uid in self.adapter.index.objects else None
        if obj is not None:
            self._prints[uid] = reading.fingerprint(obj, self.adapter.index)
        else:
            self._prints.pop(uid, None)

    # ---- marking (inside depsgraph_update_post: read nothing, write nothing) -----------------------

    def on_depsgraph(self, depsgraph, updates=None):
        """``updates``: ``list(depsgraph.updates)`` when the caller has it (the benchmark times that walk apart)."""
        index = self.adapter.index
        if index is None:  # not attached yet (no orchestrator has welcomed us): nothing is known to differ from
            return
        now = self.clock()
        marked = False
        # One pass: Blender finds the updated IDs by walking every ID the depsgraph holds each time
        # ``depsgraph.updates`` is iterated (~2 ms at 30,000 objects here for one updated object).
        updates = list(depsgraph.updates) if updates is None else updates
        sliders = {u.id.original.as_pointer() for u in updates if isinstance(u.id, bpy.types.Key)}
        for update in updates:
            block = getattr(update.id, "original", update.id)
            if isinstance(block, bpy.types.Object) and update.is_updated_transform and not update.is_updated_geometry \
                    and not update.is_updated_shading and self._moved_along(block):
                continue  # re-evaluated under a moved parent, its own values as they were: no read
            if isinstance(block, bpy.types.Object) and update.is_updated_geometry:
                mid = identity.id_of(block, identity.MESH_PROP)  # its evaluated mesh may have changed
                if mid is not None and mid in index.derived and is_derived(block):
                    index.geometry.invalidate(mid)
                    self.dirty.add(mid)
                    marked = True
                elif (is_derived(block) or mid in index.derived) and block.name not in index.unsupported_names:
                    # It gained modifiers or lost the last one: it shows another mesh record now
                    # (set_mesh), which a rescan finds and, when new, creates first.
                    self.structure = True
                    marked = True
            if isinstance(block, bpy.types.Object):
                uid = identity.id_of(block)
                if uid is None or uid not in index.objects or index.object(uid) != block:  # new, or a copy (Shift+D)
                    if block.name not in index.unsupported_names:  # an armature posed is not news
                        self._new.append(block)
                        self.membership = True
                elif self._changed(uid, block):  # reading here is allowed; writing is not
                    self.dirty.add(uid)
                    stopped = self._stopped_playing(uid, block)  # always: it notes what the object plays now
                    self.structure |= _plays_unknown(block, index) or stopped
                    index.owners.note(uid, block)
                    if block.type == "ARMATURE":  # an armature's update may be its bones edited: re-read its joints and skin
                        self.structure |= _joints_of(index, block, self.dirty)
                    if update.is_updated_transform:
                        self._moving[uid] = now
                    if block.type == "MESH" and update.is_updated_geometry and block.data is not None:
                        mid = identity.id_of(block.data)
                        if mid is not None:
                            self.dirty.add(mid)
                    if block.type == "MESH" and block.data is not None and not is_derived(block) \
                            and identity.id_of(block.data) not in index.meshes:
                        self.structure = True  # linked to mesh data not synced yet (Ctrl+L, the data-block selector)
                marked = True
            elif isinstance(block, (bpy.types.Material, bpy.types.Mesh, bpy.types.Image)):
                uid = identity.id_of(block)
                if uid is not None:
                    slider = isinstance(block, bpy.types.Mesh) and block.shape_keys is not None \
                        and block.shape_keys.as_pointer() in sliders and index.geometry.same_geometry(uid, block)
                    if not slider:  # a slider re-tags the mesh's geometry: its weights are read, not its arrays
                        index.geometry.invalidate(uid)
                    self.dirty.add(uid)
                    marked = True
                if isinstance(block, bpy.types.Material) and _has_new_image(block, index):
                    self.structure = True  # a texture of an image not synced yet: the rescan names it
            elif isinstance(block, bpy.types.ShaderNodeTree):  # a material's graph edited
                uid = index.owners.material_of(block)
                if uid is not None:
                    self.dirty.add(uid)
                    marked = True
                    m = index.material(uid)
                    if m is not None and _has_new_image(m, index):
                        self.structure = True
            elif isinstance(block, bpy.types.Key) and isinstance(block.user, bpy.types.Mesh):  # a shape key slider
                uid = identity.id_of(block.user)
                if uid is not None:
                    self.dirty.add(uid)
                    marked = True
                    self.structure |= _plays_unknown(block, index)
            elif isinstance(block, bpy.types.Action):  # keyframes edited: that animation's channels
                uid = animations.action_id(block)
                if uid in index.animations:
                    self.dirty.add(uid)
                    marked = True
            elif isinstance(block, bpy.types.Armature):  # bones edited: its armatures' joints and skins
                for uid in index.owners.objects_using(block):
                    o = index.object(uid)
                    if o is not None:
                        marked = True
                        self.structure |= _joints_of(index, o, self.dirty)
            elif isinstance(block, (bpy.types.Camera, bpy.types.Light)):  # its objects' parameters
                users = index.owners.objects_using(block)
                self.dirty |= users
                marked = marked or bool(users)
            elif isinstance(block, (bpy.types.Scene, bpy.types.Collection)):
                self.scene_touched = True  # a selection, or a hide, a delete, a new modifier…: the tick tells
                marked = True
        if marked:
            self.first = self.first or now
            self.last = now

    def _changed(self, uid, obj):
        """Whether the object's fingerprint differs from the one known; notes its own transform
        for ``_moved_along`` (not for one read through world matrices: those move with the parent)."""
        index = self.adapter.index
        if reading.through_world(obj, index):
            self._bases.pop(uid, None)
        else:
            self._bases[uid] = _basis(obj)
        return reading.fingerprint(obj, index) != self._prints.get(uid)

    def _stopped_playing(self, uid, obj):
        """Whether the object stopped playing an action it played when last seen (the animation may be gone)."""
        now = tuple(a.name for a in animations.actions_of(obj.animation_data))
        before = self._played.get(uid, ())
        self._played[uid] = now
        return bool(set(before) - set(now))

    def _moved_along(self, obj):
        """A transform-only update of an object whose own transform and parent are as last seen: it
        moved only because an ancestor did. A few reads instead of its fingerprint: a root moved
        above 25,000 descendants reports all of them."""
        seen = self._bases.get(obj.get(identity.PROP))
        return seen is not None and seen == _basis(obj)

    # ---- the tick ------------------------------------------------------------------------------------

    def tick(self, force=False):
        """Sends what is due; returns the EDIT payload sent, if any."""
        if self.adapter.index is None:
            return None
        self._update_locks()
        self._release_held()
        now = self.clock()
        due = self._due(now, force)
        if force or not due:
            # The safety net runs in a tick that sends nothing (or before a READ's answer, forced): an edit's
            # tick carries the edit's work alone (a round of the poll is 0.5-1 ms of CPU; it used to land in
            # every edit's tick at 100,000 objects, where Blender's evaluation outlasts the poll's period).
            self._poll_visibility()
            due = self._due(now, force)
        if not due:
            return None
        if self.scene_touched:  # once due, as an edit is: a drag that touches the scene checks a few times a second
            self.scene_touched = False
            if self._members.count_changed(self.adapter.scene):  # an object came or went: membership.plan finds which
                self.membership = True
            elif not (self.structure or self.membership):
                self.structure = self._scene_changed()
            if not (self.dirty or self.structure or self.membership):
                self.first = self.last = None
                return None
        self.sent_at = now
        return self.flush()

    def _due(self, now, force):
        """Whether something marked is to be sent now: at once for the first change after a pause (the
        leading edge), else once quiet for ``quiet_s`` or every ``hold_s`` while a burst goes on."""
        if not (self.dirty or self.structure or self.membership or self.scene_touched) or self.adapter.paused:
            return False
        leading = self.sent_at is None or self.first - self.sent_at >= self.hold_s
        return force or leading or now - self.last >= self.quiet_s or now - self.first >= self.hold_s

    def flush(self):
        self._hold_edited_meshes()
        known_before, dirty_before = (dict(self.known), set(self.dirty)) if self.verify_structure else (None, None)
        change = None
        if self.membership and not self.structure:
            change = membership.plan(self.adapter.scene, self.adapter.index, self.known, self._members, self._new, self._played)
            self.structure = change is None
        self.membership, self._new = False, []
        if self.structure:
            previous = self.adapter.index
            self.adapter.index = identity.scan(self.adapter.scene, previous=previous)
            # Same session, no undo in between (that rebinds): the cached mesh records still stand.
            self.adapter.index.geometry = previous.geometry
            self.adapter.index.image_records = previous.image_records  # and the image records: no re-hash
        index = self.adapter.index
        left_out = set(index.excluded)
        whole = self.structure
        scene = self.adapter.canonical(None if whole else set(self.dirty) | (change.reads if change else set()))
        if change is not None and index.excluded:  # a newcomer left out (a limit, a failure): the whole scene decides
            self.structure = True
            return self.flush()
        if whole or change is not None:
            self.structure_passes["whole" if whole else "membership"] += 1
        current = {r.uuid: r for r in _records(scene)}
        if whole:
            gone = sorted(uid for uid, r in self.known.items()
                          if isinstance(r, SceneObject) and uid not in current and uid not in index.excluded)
            dropped = sorted(uid for uid, r in self.known.items() if isinstance(r, Animation) and uid not in current
                             and uid not in index.excluded)
        else:
            gone, dropped = (change.gone if change else []), []
        ops, learnt = _plan(self.known, self.dirty, self.held, current, gone, dropped, structural=whole or change is not None)
        if change is not None and self.verify_structure:
            self._verify(change, ops, known_before, dirty_before)
        for uid in gone + dropped:
            del self.known[uid]
            index.tombstones.add(uid)  # a human's delete: the ID is never used again
        for uid, r in learnt.items():
            self.known[uid] = r
            if isinstance(r, SceneObject):
                self._remember_print(uid)
        self.dirty.clear()
        self.structure = False
        if whole:
            self._members = Members(self.adapter.scene, index)
        elif change is not None:
            change.apply(self._members)
            self._poll_ids += change.added  # the visibility poll's round includes them
        self.first = self.last = None
        if not whole and set(index.excluded) != left_out:  # what is left out changed: read it all next
            self.structure = True
            self.first = self.last = self.clock()
        if not ops:
            return None
        for batch in _batches(ops, self.adapter.limits.record_budget):  # never a frame over the limit
            self.send(MessageType.EDIT, {"operations": batch})
            self.sent.append({"operations": batch})
        del self.sent[:-100]
        self.adapter.reported(ops)  # a save keeps the human's edits of provisional records (adapter.before_save)
        return {"operations": ops}

    def _verify(self, change, ops, known_before, dirty_before):
        """The test switch (``verify_structure``): what a whole rescan and read make of the same change,
        against what membership.plan made of it: the operations and the index's tables. Notes what
        differs in ``structure_checks`` (None when nothing does). Reads the whole scene: tests only."""
        index = self.adapter.index
        expected = identity.scan(self.adapter.scene, previous=index)  # writes nothing: every ID is unique by now
        expected.geometry, expected.image_records = index.geometry, index.image_records
        current = {r.uuid: r for r in _records(reading.canonical_scene(self.adapter.scene, expected, None, self.adapter.limits))}
        gone = sorted(uid for uid, r in known_before.items()
                      if isinstance(r, SceneObject) and uid not in current and uid not in expected.excluded)
        dropped = sorted(uid for uid, r in known_before.items()
                         if isinstance(r, Animation) and uid not in current and uid not in expected.excluded)
        want, _ = _plan(known_before, dirty_before, self.held, current, gone, dropped, structural=True)
        differs = [] if ops == want else [f"operations {ops[:5]} != {want[:5]}"]
        differs += [f"index.{table}: {_delta(getattr(index, table), getattr(expected, table))}" for table in INDEX_TABLES
                    if getattr(index, table) != getattr(expected, table)]
        differs += [] if set(index.excluded) == set(expected.excluded) else [f"index.excluded: {_delta(set(index.excluded), set(expected.excluded))}"]
        self.structure_checks.append("; ".join(differs) or None)
        if differs:
            self.adapter.log(f"VibeSync: structure check: the fast path and a whole rescan differ: {self.structure_checks[-1]}")

    def _scene_changed(self):
        """After an update naming only the scene or a collection: whether the whole read is due. It
        is when an object came, went, was hidden or shown, or renamed, or when a selected object's
        fingerprint moved (a modifier or a material slot added from the UI names only the scene).
        A click that only selects costs loops in C over the objects (``Members.same_as``), not a read."""
        check = (lambda same: self.structure_checks.append(None if same else "glance: equal, shown: differs")) \
            if self.verify_structure else None
        if not self._members.same_as(self.adapter.scene, check):
            return True
        index = self.adapter.index
        for obj in _selected():
            uid = identity.id_of(obj)
            if uid in index.objects and reading.fingerprint(obj, index) != self._prints.get(uid):
                return True
        return False

    def _hold_edited_meshes(self):
        """Meshes in edit mode are not read now: Blender's arrays are stale until edit mode ends."""
        index = self.adapter.index
        for uid in [u for u in self.dirty if u in index.meshes]:
            mesh = index.mesh(uid)
            if mesh is not None and reading.in_edit_mode(mesh):
                self.dirty.discard(uid)
                self.held.add(uid)

    def _release_held(self):
        index = self.adapter.index
        for uid in list(self.held):
            mesh = index.mesh(uid)
            if mesh is None or not reading.in_edit_mode(mesh):
                self.held.discard(uid)
                self.dirty.add(uid)
                self.first = self.first or self.clock()
                self.last = self.clock()

    def _poll_visibility(self):
        now = self.clock()
        if now - self._polled < self.poll_s or self.adapter.index is None:
            return
        self._polled = now
        index = self.adapter.index
        if self._poll_index is not index:  # a new scan: a new round
            self._poll_ids, self._poll_index, self._poll_at = list(index.objects), index, 0
        if self._poll_at >= len(self._poll_ids):
            self._poll_at = 0
        batch = self._poll_ids[self._poll_at:self._poll_at + self.poll_batch]
        self._poll_at += len(batch)
        for uid in batch:
            known = self.known.get(uid)
            obj = index.object(uid) if isinstance(known, SceneObject) else None
            if obj is not None and reading.visible(obj) != known.visible:
                self.dirty.add(uid)
                self.first = self.first or now
                self.last = now

    def _update_locks(self):
        now = self.clock()
        active = set()
        if self.adapter.index is not None and bpy.context.mode != "OBJECT":  # edit, sculpt, paint: the active objects
            active |= {identity.id_of(o) for o in bpy.context.objects_in_mode or () if identity.id_of(o) in self.adapter.index.objects}
        for uid, at in list(self._moving.items()):
            if now - at <= self.quiet_s * 3:
                active.add(uid)
            else:
                del self._moving[uid]
        for window in getattr(bpy.context.window_manager, "windows", ()):
            for op in getattr(window, "modal_operators", ()):  # Blender 4.2+
                if op.bl_idname.startswith("TRANSFORM_OT_"):
                    active |= {identity.id_of(o) for o in bpy.context.selected_objects if identity.id_of(o)}
        if active != self.active:
            started, ended = sorted(active - self.active), sorted(self.active - active)
            if started:
                self.send(MessageType.HUMAN_ACTIVE, {"uuids": started, "active": True})
            if ended:
                self.send(MessageType.HUMAN_ACTIVE, {"uuids": ended, "active": False})
            self.active = active


def _selected():
    """The selected objects and the active one (the objects a UI operator acts on)."""
    try:
        objects = list(bpy.context.selected_objects)
        active = bpy.context.view_layer.objects.active
    except AttributeError:  # a context without a view layer
        return []
    return objects + ([active] if active is not None else [])


def _basis(obj):
    """The object's own transform values and parent, exactly (the transform part of its
    fingerprint; mathutils compares matrices within a tolerance a record's change can be under)."""
    parent = obj.parent  # its own address first: a copy (Shift+D) carries the original's ID, not its address
    return (obj.as_pointer(), parent.as_pointer() if parent is not None else 0, obj.location[:], obj.rotation_mode, obj.rotation_quaternion[:],
            obj.rotation_euler[:], obj.rotation_axis_angle[:], obj.scale[:])


def _delta(mine, whole):
    """What differs between a table as the fast path left it and as a whole rescan makes it (a few keys)."""
    mine, whole = (m if isinstance(m, dict) else dict.fromkeys(m) for m in (mine, whole))
    keys = sorted(k for k in set(mine) | set(whole) if mine.get(k, "absent") != whole.get(k, "absent"))
    return ", ".join(f"{k}: {mine.get(k, 'absent')} / {whole.get(k, 'absent')}" for k in keys[:5]) + (" …" if len(keys) > 5 else "")


def _batches(ops, budget):
    """Consecutive runs of operations whose JSON fits ``budget`` (each EDIT one frame, in order)."""
    batch, size = [], 0
    for op in ops:
        bound = record_bound(op)
        if batch and size + bound > budget:
            yield batch
            batch, size = [], 0
        batch.append(op)
        size += bound
    if batch:
        yield batch


def _parents_first(objects):
    by_id = {o.uuid: o for o in objects}
    done, out = set(), []

    def visit(o):
        if o.uuid in done:
            return
        done.add(o.uuid)
        if o.parent in by_id:
            visit(by_id[o.parent])
        out.append(o)
    for o in objects:
        visit(o)
    return out


INDEX_TABLES = ("objects", "meshes", "derived", "materials", "images", "collections", "joints", "skins", "animations",
                "tombstones", "unsupported_names")
MATERIAL_FIELDS = ("base_color", "metallic", "roughness", "emission", "emissive_strength", "alpha_mode", "alpha_cutoff",
                   "double_sided", "normal_scale", "occlusion_strength")
IMAGE_FIELDS = ("name", "mime", "blob", "width", "height", "color_space")
CAMERA_FIELDS = {"perspective": ("type", "yfov", "aspect", "znear", "zfar"), "orthographic": ("type", "xmag", "ymag", "znear", "zfar")}
LIGHT_FIELDS = ("type", "color", "intensity", "range", "inner_cone", "outer_cone")


def _json(v):
    """A record value as JSON: tuples as lists, texture bindings as objects."""
    if isinstance(v, tuple):
        return [_json(x) for x in v]
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
    if hasattr(v, "__slots__") and hasattr(v, "image"):
        return {f: _json(getattr(v, f)) for f in v.__slots__}
    return v


def _create_data(r):
    """create_image, create_material or create_mesh for a record the orchestrator has not seen."""
    if isinstance(r, Image):
        return dict({"op": "create_image", "uuid": r.uuid}, **{f: getattr(r, f) for f in IMAGE_FIELDS})
    if isinstance(r, Material):
        op = {"op": "create_material", "uuid": r.uuid, "name": r.name}
        op.update({f: _json(getattr(r, f)) for f in MATERIAL_FIELDS})
        if r.textures:
            op["textures"] = _json(r.textures)
        return op
    return dict({"op": "create_mesh"}, **mesh_json(r))


def _create_skin(r):
    return {"op": "create_skin", "uuid": r.uuid, "name": r.name, "joints": list(r.joints),
            "inverse_bind_matrices": r.inverse_bind_matrices, "skeleton": r.skeleton}


def _create(o):
    """create_object, then its camera or light parameters (set_camera/set_light)."""
    op = {"op": "create_object", "uuid": o.uuid, "name": o.name, "kind": o.kind, "parent": o.parent,
          "translation": list(o.translation), "rotation": list(o.rotation), "scale": list(o.scale), "visible": o.visible}
    if o.kind == "mesh":
        op["mesh"] = o.mesh
        op["materials"] = list(o.materials)
    return [op] + _optics(None, o)


def _optics(old, new):
    """set_camera / set_light with the parameters that changed (all of them after a type change)."""
    ops = []
    if new.camera is not None and (old is None or old.camera != new.camera):
        fields = CAMERA_FIELDS[new.camera.type]
        before = old.camera if old is not None and old.camera is not None and old.camera.type == new.camera.type else None
        ops.append(dict({"op": "set_camera", "uuid": new.uuid},
                        **{f: _json(getattr(new.camera, f)) for f in fields if before is None or getattr(before, f) != getattr(new.camera, f)}))
    if new.light is not None and (old is None or old.light != new.light):
        before = old.light if old is not None and old.light is not None and old.light.type == new.light.type else None
        cones = ("inner_cone", "outer_cone")  # only a spot has them (0 elsewhere, which no reader admits)
        ops.append(dict({"op": "set_light", "uuid": new.uuid},
                        **{f: _json(getattr(new.light, f)) for f in LIGHT_FIELDS
                           if (before is None or getattr(before, f) != getattr(new.light, f))
                           and (f not in cones or new.light.type == "spot")}))
    return ops


def _has_new_image(material, index):
    """Whether the material's graph shows an image the index does not know (a texture just added)."""
    if material.node_tree is None:
        return False
    return any(n.type == "TEX_IMAGE" and n.image is not None and identity.id_of(n.image) not in index.images
               for n in material.node_tree.nodes)


def _differences(old, new):
    """The operations that turn the known record into the current one."""
    ops = []
    if isinstance(new, SceneObject):
        if new.mesh != old.mesh and new.mesh is not None:  # first: the slots below are the new mesh's
            ops.append({"op": "set_mesh", "uuid": new.uuid, "mesh": new.mesh})
        t = {}
        for field in ("translation", "rotation", "scale"):
            if getattr(old, field) != getattr(new, field):
                t[field] = list(getattr(new, field))
        if new.parent != old.parent:
            ops.append({"op": "set_parent", "uuid": new.uuid, "parent": new.parent})
        if t:
            ops.append(dict({"op": "set_transform", "uuid": new.uuid}, **t))
        if new.visible != old.visible:
            ops.append({"op": "set_visibility", "uuid": new.uuid, "visible": new.visible})
        if new.name != old.name:
            ops.append({"op": "rename", "uuid": new.uuid, "name": new.name})
        for slot, material in enumerate(new.materials):
            if slot >= len(old.materials) or old.materials[slot] != material:
                ops.append({"op": "assign_material", "uuid": new.uuid, "slot": slot, "material": material})
        ops += _optics(old, new)
    elif isinstance(new, Image):
        if (new.blob, new.mime, new.width, new.height, new.color_space) != (old.blob, old.mime, old.width, old.height, old.color_space):
            ops.append(dict({"op": "replace_image", "uuid": new.uuid}, **{f: getattr(new, f) for f in IMAGE_FIELDS if f != "name"}))
    elif isinstance(new, Material):
        params = {f: _json(getattr(new, f)) for f in MATERIAL_FIELDS if getattr(old, f) != getattr(new, f)}
        slots = {s: (_json(new.textures[s]) if s in new.textures else None) for s in set(old.textures) | set(new.textures)
                 if old.textures.get(s) != new.textures.get(s)}
        if slots:
            params["textures"] = slots
        if params:
            ops.append(dict({"op": "set_material_params", "uuid": new.uuid}, **params))
        if new.name != old.name:
            ops.append({"op": "rename", "uuid": new.uuid, "name": new.name})
    elif isinstance(new, Mesh) and new != old:
        if replace(old, weights=new.weights) == new:  # a shape key slider: the cosmetic operation, no geometry
            ops.append({"op": "set_morph_weights", "uuid": new.uuid, "weights": list(new.weights)})
        else:
            ops.append(dict({"op": "replace_mesh"}, **mesh_json(new)))
    elif isinstance(new, Animation) and new != old:  # keyframes edited: each channel that differs (cosmetic)
        before = {(c.target, c.path): c for c in old.channels}
        after = {(c.target, c.path): c for c in new.channels}
        for key in sorted(set(before) | set(after), key=lambda k: (k[0], ANIMATION_PATHS.index(k[1]))):
            if key not in after:
                ops.append({"op": "set_animation_channel", "uuid": new.uuid, "target": key[0], "path": key[1], "remove": True})
            elif before.get(key) != after[key]:
                ops.append(dict({"op": "set_animation_channel", "uuid": new.uuid}, **channel_json(after[key])))
        if new.name != old.name:  # the action renamed
            ops.append({"op": "rename", "uuid": new.uuid, "name": new.name})
    elif isinstance(new, Skin) and new != old:
        ops.append({"op": "update_skin", "uuid": new.uuid, "joints": list(new.joints),
                    "inverse_bind_matrices": new.inverse_bind_matrices, "skeleton": new.skeleton})
    return ops


def _closure_first(ops):
    """A channel removed because its target is deleted goes before that delete (the orchestrator refuses
    deleting what an animation still targets: CLOSURE)."""
    deleted = {op["uuid"] for op in ops if op["op"] == "delete_object"}
    early = [op for op in ops if op["op"] == "set_animation_channel" and op.get("remove") and op["target"] in deleted]
    if not early:
        return ops
    rest = [op for op in ops if not any(op is e for e in early)]
    at = next(i for i, op in enumerate(rest) if op["op"] == "delete_object")
    return rest[:at] + early + rest[at:]


def _plan(known, dirty, held, current, gone, dropped, structural):
    """The operations from what is known to what was read (``current``), and the records then known
    (uuid → record). ``structural``: objects may have come (created: in ``current``, not known) or gone
    (``gone``, and the animations ``dropped``); every record read is compared, so a parent left out
    moves its children under another one without marking them. Otherwise only ``dirty`` is compared.
    The same for a whole rescan and for membership.plan: the two send the same operations."""
    ops, learnt = [], {}
    if structural:
        created = sorted((o for o in current.values() if isinstance(o, SceneObject) and o.uuid not in known), key=lambda o: o.uuid)
        fresh = {uid: r for uid, r in current.items() if uid not in known and not isinstance(r, SceneObject)}
        # New materials and meshes first: the objects created next may use them.
        ops += [_create_data(r) for uid, r in sorted(fresh.items(), key=lambda kv: (not isinstance(kv[1], Image), kv[0]))
                if not isinstance(r, (Skin, Animation))]  # images first: materials name them
        ops += [op for o in _parents_first(created) for op in _create(o)]
        # Skins once their joints exist, then the new objects they skin.
        ops += [_create_skin(r) for uid, r in sorted(fresh.items()) if isinstance(r, Skin)]
        ops += [{"op": "set_skin", "uuid": o.uuid, "skin": o.skin} for o in created if o.skin is not None]
        # Animations once their targets exist; gone ones before the objects they target.
        ops += [dict({"op": "create_animation"}, **animation_json(r)) for uid, r in sorted(fresh.items()) if isinstance(r, Animation)]
        ops += [{"op": "delete_animation", "uuid": uid} for uid in dropped]
        ops += [{"op": "delete_object", "uuid": uid, "children": "reparent"} for uid in gone]
        learnt.update({o.uuid: o for o in created})
        learnt.update(fresh)  # new materials and meshes, sent above: now known
    for uid in sorted(current if structural else dirty):
        if uid in held or uid in learnt:  # held: being edited in edit mode, compared once the human leaves it
            continue
        old, new = known.get(uid), current.get(uid)
        if old is not None and new is not None and (uid in dirty or old != new):
            ops += _differences(old, new)
            learnt[uid] = new  # only what was compared: an unmarked change must stay visible to the next pass
    return _closure_first(ops), learnt


def _records(scene):
    return scene.objects + scene.materials + scene.meshes + scene.images + scene.skins + scene.animations


def _plays_unknown(block, index):
    """Whether an object (or a shape-key datablock) plays an action VibeSync has no animation for yet."""
    known = index.animations
    if any(animations.action_id(a) not in known or known[animations.action_id(a)] != a.name
           for a in animations.actions_of(block.animation_data)):
        return True
    key = animations.shape_key_block(block) if isinstance(block, bpy.types.Object) else None
    return key is not None and any(animations.action_id(a) not in known for a in animations.actions_of(key.animation_data))


def _joints_of(index, rig, dirty):
    """Marks an armature object's joints and skin as changed; True when its bones no longer match the
    joints the index knows (added, removed, renamed in edit mode: the rescan stamps and names them)."""
    from ..scene import armatures
    known = {uid for uid, (name, _) in index.joints.items() if name == rig.name}
    dirty |= known
    skin = identity.id_of(rig, armatures.SKIN_PROP)
    if skin in index.skins:
        dirty.add(skin)
    bones = armatures.bones_of(rig)
    return len(bones) != len(known) or any(index.joints.get(identity.id_of(b, armatures.BONE_PROP)) != (rig.name, b.name)
                                          for b in bones)
