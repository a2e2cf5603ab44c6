"""The Blender adapter: attach, answer the orchestrator's commands, report human edits. Every
method runs on Blender's main thread (posted there by the channel's listener thread).

Attach (Phases 0–2): note the file, its unsaved state and the undo depth; scan and stamp IDs; build
the index; report the canonical scene and its root (SCENE). Commands: APPLY answers APPLIED at once
and reports OBSERVED hashes on a later tick; ROLLBACK restores exactly; FINALIZE makes changes
permanent; READ returns records. Provisional changes never reach the disk: a save rolls them back
first and re-applies them after (see ``before_save``/``after_save``).
"""

import json
import traceback

import bpy

from ..link import CONTENT_SCHEMA, MessageType
from ..link.blobs import BlobCache
from ..link.limits import Limits, payload_size, record_bound
from ..link.pending import PendingError, PendingIntents, parse_pending
from ..not_synced import payload_items
from ..operations import read_operations
from ..protocol.errors import SceneError
from ..protocol.hashing import hash_scene
from ..protocol import scene_json
from ..scene import identity, project, reading
from ..scene.writing import ApplyError, Writer
from .collection_pause import collection_paused


class BlenderAdapter:
    def __init__(self, queue, send=None, scene=None, log=print):
        self.queue = queue
        self.send = send or (lambda typ, payload: None)   # (MessageType, dict) → seq; set by the runner
        self._scene_name = (scene or bpy.context.scene).name
        self.index = None
        self.provisional = {}      # intent id → Provisional, in apply order
        self.generation = 1
        self.paused = False
        self.log = log
        self.last_root = None
        self.unsaved_provisional_note = None
        self._held_for_save = []
        # The human's edits of provisional records, as reported (EDIT operations, oldest first): a save puts
        # them back over the values it rolls back to (before_save), so neither the file nor the scene loses them.
        self._edits_over_provisional = []
        self._kept_for_save = None
        self.on_changed = lambda uuids: None  # the change detector's refresh: our own changes are not edits
        self.before_change = lambda uuids: None  # its report_first: a human's unsent edit of them goes out before we write
        self.panic_reason = None  # set when exactness can no longer be promised (a rollback failed); heartbeats say "panic"
        self.limits = Limits()    # WELCOME's; the defaults until an orchestrator says otherwise
        self.last_scene = None    # the canonical scene of the last report
        self._logged_not_synced = {}
        # The canonical bytes of the blobs the current meshes use (scene reading puts them here, to
        # answer the orchestrator's BLOB_WANT) and of blobs an APPLY brought: the channel fills it
        # before the APPLY reaches apply() (docs/protocol.md §12.2). Scene code calls retain().
        self.blobs = BlobCache()
        self.tangents = False     # the project's tangent policy (config.json); off, as the glTF exporter's default
        # The AI intents waiting for a human, as the orchestrator last said (PENDING_INTENTS): shown by
        # the panel, which opens the console on one. Nothing here decides an intent.
        self.pending = PendingIntents.none()
        self.on_pending = lambda: None  # the UI redraws its panel

    @property
    def scene(self):
        return bpy.data.scenes.get(self._scene_name) or bpy.context.scene

    @property
    def writer(self):
        return Writer(self.scene, self.index, self.blobs)

    # ---- attach ----------------------------------------------------------------------------------

    def attach(self):
        """Scans, stamps and indexes the scene; returns the SCENE payload (canonical scene + root).
        Only the blobs of the meshes and images it reports are kept: a new session has no APPLY waiting on the
        main thread for its blobs, so nothing it needs is dropped."""
        with collection_paused():
            self.index = identity.scan(self.scene, previous=self.index)
            self.index.geometry.tangents = self.tangents
            report = self.scene_report()
        self.blobs.retain(set(self.last_scene.blob_ids()))  # meshes' arrays and images' files
        return report

    def canonical(self, uuids=None):
        return reading.canonical_scene(self.scene, self.index, uuids, self.limits, self.blobs)

    def scene_report(self):
        canonical = self.canonical()
        self.last_scene = canonical
        hashes = hash_scene(canonical)
        self.last_root = hashes.root.hex()
        return {
            "generation": self.generation,
            "file": bpy.data.filepath,
            "unsaved": bool(bpy.data.is_dirty),
            "root": hashes.root.hex(),
            "stamped": self.index.stamped,
            "ambiguous": sorted(new for (_table, _old, _name, new) in self.index.reassigned),
            "not_synced": self.not_synced_payload(),
            "scene": scene_json.write(canonical, "canonical"),
        }

    # ---- what is not synced ----------------------------------------------------------------------

    def not_synced(self):
        """Everything not synced right now (NOT_SYNCED items), after logging the ones not logged yet."""
        items = self.index.not_synced() if self.index is not None else []
        current = {(i.name, i.type, i.code, i.uuid): i for i in items}
        fresh = [i for key, i in current.items() if self._logged_not_synced.get(key) != i.reason]
        for i in fresh[:20]:
            self.log(f"VibeSync: not synced: {i.code}: {i.reason}")
        if len(fresh) > 20:
            self.log(f"VibeSync: not synced: and {len(fresh) - 20} more (the panel and `vibesync status` list them)")
        self._logged_not_synced = {key: i.reason for key, i in current.items()}
        return items

    def not_synced_payload(self):
        return payload_items(self.not_synced())

    # ---- commands from the orchestrator ----------------------------------------------------------

    def handle(self, frame, send=None):
        """One frame from the orchestrator (already authenticated by the link): answer it through
        ``send``, the session it came on (``self.send`` when not given); the OBSERVED of an APPLY goes
        the same way, so nothing of a session that has ended reaches another. Whatever goes wrong
        while answering is answered ENGINE_FAULT and logged; the adapter keeps running."""
        send = send or self.send
        if frame.typ == MessageType.PENDING_INTENTS:  # read strictly from its bytes (link/pending.py)
            self._reply(send, frame, *self.pending_notice(frame.payload))
            return
        try:
            data = json.loads(frame.payload)
        except ValueError:
            return
        try:
            self._dispatch(frame, data, send)
        except Exception as e:  # a bug or a Blender refusal nobody foresaw: this command fails, not the add-on
            self.log(f"VibeSync: answering a {_type_name(frame.typ)} failed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            if frame.typ in (MessageType.APPLY, MessageType.ROLLBACK, MessageType.FINALIZE, MessageType.READ):
                self._reply(send, frame, *self._error("ENGINE_FAULT", f"Blender could not answer: {type(e).__name__}: {e}"))

    def _dispatch(self, frame, data, send):
        typ = frame.typ
        if typ == MessageType.APPLY:
            self._reply(send, frame, *self.apply(data.get("intent"), data.get("operations"), send))
        elif typ == MessageType.ROLLBACK:
            self._reply(send, frame, *self.rollback(data.get("intent")))
        elif typ == MessageType.FINALIZE:
            self._reply(send, frame, *self.finalize(data.get("intents", [])))
        elif typ == MessageType.READ:
            self._reply(send, frame, *self.read(data.get("uuids")))
        elif typ == MessageType.ERROR:
            self.log(f"VibeSync: the orchestrator refused a message: {data.get('code')}: {data.get('message')}")
        elif typ == MessageType.BYE:
            self.log(f"VibeSync: the orchestrator ended the session: {data.get('code')}: {data.get('message')}")

    def pending_notice(self, payload):
        """PENDING_INTENTS: keep the list for the panel and answer ACK; a malformed one is answered
        ERROR MALFORMED naming the field, and the list shown stays what it was."""
        try:
            self.pending = parse_pending(bytes(payload).decode("utf-8"))
        except (PendingError, UnicodeDecodeError) as e:
            self.log(f"VibeSync: the orchestrator's PENDING_INTENTS was refused: {e}")
            return self._error("MALFORMED", f"PENDING_INTENTS {e}")
        self.on_pending()
        return MessageType.ACK, {}

    def _reply(self, send, frame, typ, payload):
        payload = dict(payload, re=frame.seq)
        if typ == MessageType.STATE and not self._fits(payload):  # never a frame over the limit: say so instead
            typ, payload = self._error("ENGINE_FAULT", f"the records asked for take more than one frame "
                                                       f"({self.limits.frame_bytes:,} bytes): ask for fewer")
            payload["re"] = frame.seq
        send(typ, payload)

    def _fits(self, payload):
        scene = payload["scene"]
        bound = 256 + sum(record_bound(r) for table in ("objects", "materials", "meshes") for r in scene.get(table, ()))
        return bound <= self.limits.payload_bytes or payload_size(payload) <= self.limits.payload_bytes

    @staticmethod
    def _error(code, message):
        return MessageType.ERROR, {"code": code, "message": message}

    def apply(self, intent, operations, send=None):
        """Applies an intent's operations provisionally; its OBSERVED goes out on a later tick through
        ``send`` (the session the APPLY came on; ``self.send`` when not given)."""
        if not isinstance(intent, int) or isinstance(intent, bool) or intent < 0:
            return self._error("MALFORMED", "APPLY needs an intent id (a whole number)")
        if self.paused:
            return self._error("PAUSED", "sync is paused in Blender (the VibeSync panel's Pause button)")
        try:
            ops = read_operations(operations)
        except SceneError as e:
            return self._error("MALFORMED", f"{e.path}: {e.reason}")
        self.before_change({op.uuid for op in ops})  # EDIT before APPLIED: the human's edit is not lost under ours
        try:
            p = self.writer.apply(intent, ops)
        except ApplyError as e:
            self.log(f"VibeSync: intent {intent} was not applied: {e.code}: {e.message}")
            return self._error(e.code, e.message)
        earlier = self.provisional.get(intent)
        if earlier is not None:  # a coalesced micro-intent: it extends the intent; a rollback undoes both
            earlier.absorb(p)
            p = earlier
        self.provisional[intent] = p
        self.on_changed(p.touched)
        self.queue.post(self._observe, intent, send)  # hashes on a later tick: the answer is not held by them
        return MessageType.APPLIED, {"intent": intent, "undo": f"blender/{self.generation}/{intent}"}

    def observed(self, intent):
        """The OBSERVED payload for an applied intent: the records it touched, hashed as read back."""
        p = self.provisional.get(intent)
        uuids = set(p.touched) if p is not None else set()
        scene = self.canonical(uuids)
        hashes = hash_scene(scene)
        records = {uid: h.hex() for table in (hashes.objects, hashes.materials, hashes.meshes, hashes.images, hashes.skins,
                                               hashes.animations) for uid, h in table.items()}
        return {"intent": intent, "records": records, "absent": sorted(uuids - set(records))}

    def _observe(self, intent, send=None):
        if intent in self.provisional:  # a closed session's send sends nothing
            (send or self.send)(MessageType.OBSERVED, self.observed(intent))

    def rollback(self, intent):
        p = self.provisional.pop(intent, None)
        if p is None:
            return self._error("UNKNOWN_INTENT", f"intent {intent} is not provisional here (never applied, or already settled)")
        self.before_change(p.touched)
        try:
            self.writer.rollback(p)
        except Exception as e:  # bpy refused a restore: the scene is no longer what anyone knows
            self.panic_reason = f"rollback of intent {intent} failed: {type(e).__name__}: {e}"
            self.log("VibeSync: PANIC: " + self.panic_reason)
            return self._error("ENGINE_FAULT", self.panic_reason)
        self.on_changed(p.touched)
        self._settled()
        return MessageType.ACK, {"intent": intent}

    def finalize(self, intents):
        missing = [i for i in intents if i not in self.provisional]
        for i in intents:
            p = self.provisional.pop(i, None)
            if p is not None:
                self.writer.finalize(p)
                self.on_changed(p.touched)
        self._settled()
        if missing:
            return self._error("UNKNOWN_INTENT", f"not provisional here: {missing}")
        return MessageType.ACK, {"intents": list(intents)}

    def read(self, uuids):
        if uuids is not None and (not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids)):
            return self._error("MALFORMED", "READ uuids must be a list of VibeSync IDs")
        scene = self.canonical(set(uuids) if uuids is not None else None)
        return MessageType.STATE, {"root": hash_scene(scene).root.hex(), "scene": scene_json.write(scene, "canonical")}

    # ---- saving -----------------------------------------------------------------------------------

    def before_save(self):
        """Provisional changes are not the truth yet: take them out of the file being written. A human's
        edit of a provisional record is: it goes out first if still unsent (§11.6, as before an APPLY),
        and it is put back over the rolled-back values, so the file holds what the orchestrator journals
        once it has rolled back the speculation the human overrode (docs/intents.md, the conflict table)."""
        self._held_for_save = list(self.provisional.values())
        if not self._held_for_save:
            return
        touched = _touched(self._held_for_save)
        self.before_change(touched)  # reported through reported(): in _edits_over_provisional by now
        for p in reversed(self._held_for_save):
            self.writer.rollback(p)
        self._kept_for_save = self._put_back_edits()
        self.on_changed(touched)
        self.unsaved_provisional_note = (f"VibeSync: {len(self._held_for_save)} provisional intent(s) were left out of "
                                         "this save; the file holds the last authoritative values"
                                         + (" and your edits since" if self._kept_for_save is not None else ""))
        self.log(self.unsaved_provisional_note)

    def after_save(self):
        """The scene as it was before the save: the intents re-applied (their rollback restores what it
        did before), then the human's edits over them again, for good (they are the human's, not ours)."""
        held, self._held_for_save = self._held_for_save, []
        kept, self._kept_for_save = self._kept_for_save, None
        if kept is not None:
            self.writer.rollback(kept)
        for p in held:
            try:
                again = self.writer.apply(p.intent, p.operations)
            except ApplyError as e:  # cannot happen unless the file changed under us; say so, drop it
                self.log(f"VibeSync: intent {p.intent} could not be re-applied after the save: {e.message}")
                self.provisional.pop(p.intent, None)
                continue
            self.provisional[p.intent] = again
        if kept is not None:
            again = self._put_back_edits()
            if again is not None:
                self.writer.finalize(again)
        if held:
            self.on_changed(_touched(held))

    def reported(self, operations):
        """The change detector sent these (EDIT): the ones of provisional records are kept for a save."""
        touched = _touched(self.provisional.values())
        self._edits_over_provisional += [op for op in operations if op.get("uuid") in touched]

    def _settled(self):
        """Intents were rolled back or finalized: their records' edits are no longer over anything provisional."""
        touched = _touched(self.provisional.values())
        self._edits_over_provisional = [op for op in self._edits_over_provisional if op.get("uuid") in touched]

    def _put_back_edits(self):
        """Writes the human's edits of provisional records again (after the save's rollback or re-apply);
        returns their Provisional (to undo or make permanent), or None when there are none or Blender
        refuses them (logged: the file then holds the authoritative values without them)."""
        if not self._edits_over_provisional:
            return None
        try:
            return self.writer.apply(0, read_operations(self._edits_over_provisional))
        except (SceneError, ApplyError) as e:
            self.log(f"VibeSync: your edits of provisional records could not be written around the save: {e}")
            return None

    # ---- reload, undo ------------------------------------------------------------------------------

    def rebind(self, reason):
        """After undo, redo or a file load: ``forget``, then rescan by ID and report."""
        extra = self.forget(reason)
        report = self.attach()
        report.update(extra)
        return report

    def forget(self, reason):
        """After undo, redo or a file load: references are gone; bump the generation. Provisional work
        cannot survive a file load (it was never saved); after undo it may be half undone, so it is
        dropped too and the orchestrator resyncs (it rolls those intents back). Returns the fields
        the next SCENE report carries about it. Reads and writes nothing: a loaded file is not ours
        until an orchestrator welcomes it."""
        dropped = sorted(self.provisional)
        self.provisional.clear()
        self._edits_over_provisional = []
        if reason == "load":
            self.index = None
            self.panic_reason = None  # a fresh file: nothing provisional is left to be wrong about
        self.generation += 1
        return {"dropped_intents": dropped, "reason": reason}

    def welcomed(self, welcome):
        """A WELCOME arrived: take its limits, and stamp the scene with its project when the stamp
        differs (not an edit: never reported; saved with the file)."""
        self.limits = Limits.from_welcome(welcome)
        tangents = bool(welcome.get("tangents", False))
        if tangents != self.tangents:  # the project's policy: every mesh reads again under it
            self.tangents = tangents
            if self.index is not None:
                self.index.geometry.tangents = tangents
                self.index.geometry.invalidate()
        project_id, schema = welcome.get("project_id") or "", welcome.get("schema", CONTENT_SCHEMA)
        if project.stamp(self.scene, project_id, schema):
            self.log(f"VibeSync: this file now belongs to the VibeSync project {project_id} (schema {schema}); "
                     "save it to keep that")

    def engine_state(self):
        """panic, or busy while paused, rendering, baking or in a modal operator, else ready (heartbeats carry it)."""
        if self.panic_reason is not None:
            return "panic"
        if self.paused:
            return "busy"
        for window in getattr(bpy.context.window_manager, "windows", ()):
            if getattr(window, "modal_operators", ()):  # Blender 4.2+
                return "busy"
        running = getattr(bpy.app, "is_job_running", None)  # Blender 3.3+
        if running is not None and (running("RENDER") or running("OBJECT_BAKE")):
            return "busy"
        return "ready"


def _type_name(typ):
    return next((k for k, v in vars(MessageType).items() if v == typ), hex(typ))


def _touched(provisionals):
    """Every record any of these provisional intents touched."""
    return set().union(*(p.touched for p in provisionals))
