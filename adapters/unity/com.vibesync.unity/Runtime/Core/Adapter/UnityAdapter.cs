using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Meshes;

namespace VibeSync.Unity.Adapter
{
    /// <summary>
    /// The Unity adapter's brain, engine-free: attach (stamp IDs, report the canonical scene and its
    /// root), answer the orchestrator's APPLY / ROLLBACK / FINALIZE / READ (docs/protocol.md §11.6),
    /// report OBSERVED hashes a tick after APPLIED, and turn human edits, found by diffing the scene
    /// against what the orchestrator last had, into EDIT operations. Every method runs on the
    /// editor's main thread (the glue's EditorApplication.update, or the simulator's loop).
    /// </summary>
    public sealed class UnityAdapter
    {
        private readonly IUnityScene _scene;
        private readonly Func<string> _newId;
        private readonly Dictionary<ulong, Provisional> _provisional = new Dictionary<ulong, Provisional>();
        private readonly Queue<(ulong Intent, Func<byte, string, bool>? Route)> _toObserve = new Queue<(ulong, Func<byte, string, bool>?)>();
        private Dictionary<string, object> _known = new Dictionary<string, object>(StringComparer.Ordinal);

        /// <summary>
        /// Adapts <paramref name="scene"/>; <paramref name="newId"/> makes fresh UUIDs (lowercase v4).
        /// <paramref name="generation"/> continues across domain reloads (the glue keeps it in SessionState).
        /// </summary>
        public UnityAdapter(IUnityScene scene, Func<string>? newId = null, long generation = 1)
        {
            _scene = scene;
            Generation = generation;
            _newId = newId ?? (() => Guid.NewGuid().ToString("D"));
            Index = IdentityIndex.Scan(scene, null, _newId);
            Clock.Posed += seconds => { if (Poser != null) Pose.Show(_scene, Poser, seconds); };
        }

        /// <summary>Sends a frame (type, JSON payload); set by whoever owns the link. Returns false when not connected.</summary>
        public Func<byte, string, bool> Send { get; set; } = (_, __) => false;

        /// <summary>
        /// Called with every answer to a request (type, JSON) its session took; for tracing (the
        /// simulator's <c>--trace-applies</c>). Answers go to the session a request came on, not
        /// through <see cref="Send"/>, so wrapping <see cref="Send"/> does not see them.
        /// </summary>
        public Action<byte, string>? Answered { get; set; }

        /// <summary>
        /// The scene's meshes as canonical records and the canonical bytes of their blobs (read from
        /// Unity once per change; answers BLOB_WANT for what SCENE, EDIT and STATE name).
        /// </summary>
        public MeshCache Meshes { get; } = new MeshCache();

        /// <summary>
        /// The scene's textures as image records and the bytes of their encoded files (named once per
        /// change; answers BLOB_WANT for what SCENE, EDIT and STATE name).
        /// </summary>
        public Looks.ImageCache Images { get; } = new Looks.ImageCache();

        /// <summary>Blobs the link received for an APPLY (kept until it is applied); the link fills it.</summary>
        public BlobMemory Received { get; } = new BlobMemory();

        /// <summary>True when this side holds blob <paramref name="id"/> (the link's have/want check).</summary>
        public bool HasBlob(string id) => Meshes.Has(id) || Images.Has(id) || Received.Has(id) || _scene.Rig.Blobs.Has(id);

        /// <summary>The blobs skins and animations name (inverse bind matrices, keyframes; answers BLOB_WANT).</summary>
        public BlobMemory Rigging => _scene.Rig.Blobs;

        /// <summary>The ID index of this domain.</summary>
        public IdentityIndex Index { get; private set; }

        /// <summary>Increases with every domain reload, file load or rebind; sent in HELLO and heartbeats.</summary>
        public long Generation { get; private set; } = 1;

        /// <summary>Intents applied and not yet settled.</summary>
        public IReadOnlyCollection<ulong> ProvisionalIntents => _provisional.Keys;

        /// <summary>The root of the last SCENE report.</summary>
        public string? LastRoot { get; private set; }

        /// <summary>EDIT payloads sent, newest last (at most 100).</summary>
        public List<string> SentEdits { get; } = new List<string>();

        /// <summary>What the host reports changed (Unity: <c>ObjectChangeEvents</c>; the simulator: its writes); see <see cref="ChangeSet"/>.</summary>
        public ChangeSet Changes { get; } = new ChangeSet();

        /// <summary>A human has paused sync: no APPLY is taken, no edit sent.</summary>
        public bool Paused { get; set; }

        /// <summary>The AI intents waiting for a human (PENDING_INTENTS), for the editor window; nothing decides them here.</summary>
        public PendingReview Pending { get; } = new PendingReview();

        /// <summary>The scene time sync (TIME, docs/protocol.md §11.10): the time animations are posed at; off unless WELCOME says so.</summary>
        public SceneClock Clock { get; } = new SceneClock();

        /// <summary>Whether the scene shows a pose (a TIME taken) and at which time; see <see cref="ScenePose"/>.</summary>
        public ScenePose Pose { get; } = new ScenePose();

        /// <summary>
        /// The host's sampler (the glue: AnimationMode); null (the simulator) poses nothing: the core then only
        /// keeps the clock. Set before the first TIME.
        /// </summary>
        public IScenePoser? Poser { get; set; }

        /// <summary>Why the last TIME from the orchestrator was not taken (malformed, or the policy off), for the log; null when it was.</summary>
        public string? TimeRefused { get; private set; }

        /// <summary>What the scene's materials and textures do not sync, and why (NOT_SYNCED, SCENE's <c>not_synced</c>; <see cref="Looks.LookCaveats"/>).</summary>
        public IReadOnlyList<NotSyncedItem> NotSynced { get; private set; } = new NotSyncedItem[0];

        /// <summary>Raised when <see cref="NotSynced"/> changed (the simulator prints it).</summary>
        public event Action? NotSyncedChanged;

        private string _notSyncedJson = NotSyncedItem.PayloadJson(new NotSyncedItem[0]);

        /// <summary>Lists what the known materials do not sync; a changed list is sent as NOT_SYNCED when <paramref name="send"/>.</summary>
        private void UpdateNotSynced(bool send)
        {
            var items = Looks.LookCaveats.Of(_scene, _known.Values.OfType<Material>());
            var json = NotSyncedItem.PayloadJson(items);
            if (json == _notSyncedJson) return;
            NotSynced = items;
            _notSyncedJson = json;
            if (send) Send(MessageType.NotSynced, json);
            NotSyncedChanged?.Invoke();
        }

        /// <summary>Records in canonical values: all, or only <paramref name="only"/>.</summary>
        public Protocol.State.Scene Canonical(ISet<string>? only = null) => SceneReader.Canonical(_scene, Index, Meshes, Images, only);

        // ---- attach ---------------------------------------------------------------------------

        /// <summary>
        /// Scans and stamps; returns the SCENE payloads (one per part, in order) and makes the current
        /// scene the known one.
        /// </summary>
        public IReadOnlyList<string> Attach(string? file = null, bool unsaved = false) => Attach(file, unsaved, new ulong[0]);

        private IReadOnlyList<string> Attach(string? file, bool unsaved, IReadOnlyList<ulong> dropped)
        {
            Pose.Leave(Poser); // a new session reads the records, at rest; the next TIME poses again
            Changes.Take(); // what was reported so far is in the read below
            Pending.Reset(); // a new session: the orchestrator tells what is pending once it has the scene
            Index = IdentityIndex.Scan(_scene, Index, _newId);
            var canonical = Canonical();
            _known = Records(canonical);
            UpdateNotSynced(send: false); // SCENE carries it
            LastRoot = Hex.Encode(SceneHasher.Hash(canonical).Root);
            var parts = SceneParts.Split(canonical);
            var payloads = new List<string>(parts.Count);
            for (int i = 0; i < parts.Count; i++)
            {
                var sb = new StringBuilder("{\"generation\": ").Append(Generation)
                    .Append(", \"root\": \"").Append(LastRoot).Append('"')
                    .Append(", \"part\": ").Append(i).Append(", \"parts\": ").Append(parts.Count);
                if (i == 0)
                {
                    sb.Append(", \"stamped\": ").Append(Index.Stamped)
                      .Append(", \"unsaved\": ").Append(unsaved ? "true" : "false")
                      .Append(", \"ambiguous\": [").Append(string.Join(", ", Index.Reassigned.Select(id => "\"" + id + "\""))).Append(']')
                      .Append(", \"dropped_intents\": [").Append(string.Join(", ", dropped)).Append(']');
                    if (file != null) JsonText.AppendString(sb.Append(", \"file\": "), file);
                    if (NotSynced.Count > 0) sb.Append(", \"not_synced\": ").Append(_notSyncedJson, 10, _notSyncedJson.Length - 11); // the list inside {"items": …}
                }
                payloads.Add(sb.Append(", \"scene\": ").Append(SceneJsonWriter.Write(parts[i], Space.Canonical)).Append('}').ToString());
            }
            return payloads;
        }

        /// <summary>
        /// After a domain reload or a scene load: handles are new, so rescan by ID, bump the
        /// generation (the link re-handshakes with it) and drop what was provisional (the
        /// orchestrator rolls those intents back). Returns the new SCENE payload and the dropped intents.
        /// </summary>
        public (IReadOnlyList<string> Scene, IReadOnlyList<ulong> Dropped) Rebind(string? file = null)
        {
            var dropped = _provisional.Keys.OrderBy(i => i).ToList();
            _provisional.Clear();
            _editsOverProvisional.Clear();
            Generation++;
            return (Attach(file, false, dropped), dropped);
        }

        /// <summary>
        /// WELCOME named the data directory's project: a scene that does not carry it (unstamped, or
        /// let in by a human's <c>vibesync pair --replace</c>) is stamped with it. Stamping is not an
        /// edit: nothing is reported, the user saves it with the scene.
        /// </summary>
        public void Welcomed(string projectId, int schema, bool sceneTime = false)
        {
            Clock.Start(sceneTime);
            var stamp = new ProjectStamp(projectId, schema);
            if (_scene.Project != stamp) _scene.Project = stamp;
        }

        // ---- commands -----------------------------------------------------------------------------

        /// <summary>
        /// One frame from the orchestrator: answers it through <paramref name="reply"/>, the session it
        /// came on (a request is answered only there: on a later session its answer would answer
        /// nothing), or <see cref="Send"/> when none is given. The OBSERVED of an APPLY goes the same way.
        /// </summary>
        public void Handle(Frame frame, Func<byte, string, bool>? reply = null)
        {
            var route = reply ?? Send;
            if (frame.Type == MessageType.PendingIntents) // read strictly from its bytes, answered even when it is not JSON
            {
                Reply(route, frame, Pending.Take(Encoding.UTF8.GetString(frame.Payload.ToArray())));
                return;
            }
            if (frame.Type == MessageType.Time) // a pose, not a command: not answered, never an edit
            {
                TimeRefused = Clock.Take(Encoding.UTF8.GetString(frame.Payload.ToArray()));
                return;
            }
            JsonObject o;
            try { o = JsonFields.AsObject(JsonParser.Parse(Encoding.UTF8.GetString(frame.Payload.ToArray())), "payload"); }
            catch (Exception e) when (e is JsonParseException or JsonFieldException) { return; }
            if (frame.Type != MessageType.Apply && frame.Type != MessageType.Rollback && frame.Type != MessageType.Finalize && frame.Type != MessageType.Read) return;
            (byte Type, string Body) answer;
            try
            {
                // Records are read and written at rest: a pose shows the animations, the records hold the start frame.
                answer = Pose.AtRest(_scene, Poser, () =>
                {
                    switch (frame.Type)
                    {
                        case MessageType.Apply: return Apply(o, reply);
                        case MessageType.Rollback: return Rollback(Intent(o, "intent"));
                        case MessageType.Finalize: return Finalize(o);
                        default: ReportEditsFirst(); return Read(o);
                    }
                });
            }
            // Whatever a command meets that its checks did not foresee is that command's error,
            // answered to the orchestrator (an engine fault there), never the editor's crash.
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
            {
                answer = Error("ENGINE_ERROR", $"{MessageType.Name(frame.Type)} failed in Unity: {e.GetType().Name}: {e.Message}");
            }
            Reply(route, frame, answer);
        }

        private void Reply(Func<byte, string, bool> route, Frame frame, (byte Type, string Body) answer)
        {
            var json = Replies.Ack(frame.Sequence, answer.Body);
            if (route(answer.Type, json)) Answered?.Invoke(answer.Type, json);
        }

        private static (byte, string) Error(string code, string message) =>
            (MessageType.Error, Replies.ErrorMembers(code, message));

        private static ulong? Intent(JsonObject o, string field) =>
            o.Get(field) is JsonNumber { IsInteger: true } n && n.Value >= 0 ? (ulong)n.Value : (ulong?)null;

        /// <summary>
        /// APPLY: all operations or none; APPLIED at once, OBSERVED on the next tick through
        /// <paramref name="observedTo"/> (the session the APPLY came on; <see cref="Send"/> when null).
        /// </summary>
        public (byte Type, string Body) Apply(JsonObject o, Func<byte, string, bool>? observedTo = null) =>
            Pose.AtRest(_scene, Poser, () => ApplyAtRest(o, observedTo));

        private (byte Type, string Body) ApplyAtRest(JsonObject o, Func<byte, string, bool>? observedTo)
        {
            if (Intent(o, "intent") is not ulong intent) return Error("MALFORMED", "APPLY needs an intent id (a whole number)");
            if (Paused) return Error("PAUSED", "sync is paused in Unity");
            if (_scene.State != "ready") return Error("BUSY", $"Unity is {_scene.State}: nothing is applied until it is ready");
            IReadOnlyList<Operation> operations;
            // A mesh in the inline form (arrays) becomes blobs kept with what the link received for this APPLY.
            try { operations = OperationReader.ReadOperations(o.Get("operations") ?? throw new JsonFieldException("operations", "missing field"), Received); }
            catch (Exception e) when (e is IntentRefusedException or JsonFieldException)
            {
                return Error("MALFORMED", e.Message);
            }
            ReportEditsFirst(); // EDIT before APPLIED: a human's edit of what this overwrites is not lost under it
            Provisional p;
            try { p = Applier().Apply(intent, operations); }
            catch (ApplyException e) { return Error(e.Code, e.Message); }
            // A second APPLY of an intent still provisional is a micro-intent the orchestrator
            // coalesced into it: it extends the intent, and a rollback undoes both.
            if (_provisional.TryGetValue(intent, out var earlier))
            {
                earlier.Absorb(p);
                p = earlier;
            }
            _provisional[intent] = p;
            Refresh(p.Touched);
            _toObserve.Enqueue((intent, observedTo));
            return (MessageType.Applied, $"\"intent\": {intent}, \"undo\": \"unity/{Generation}/{intent}\"");
        }

        /// <summary>ROLLBACK: restores exactly what the intent overwrote.</summary>
        public (byte Type, string Body) Rollback(ulong? intent) => Pose.AtRest(_scene, Poser, () => RollbackAtRest(intent));

        private (byte Type, string Body) RollbackAtRest(ulong? intent)
        {
            if (intent is not ulong i || !_provisional.TryGetValue(i, out var p))
                return Error("UNKNOWN_INTENT", $"intent {intent} is not provisional here (never applied, or already settled)");
            ReportEditsFirst(); // EDIT before the ACK, as for APPLY
            _provisional.Remove(i);
            Applier().Rollback(p);
            Refresh(p.Touched);
            NoteEditsOverProvisional(Array.Empty<Operation>());
            return (MessageType.Ack, $"\"intent\": {i}");
        }

        /// <summary>FINALIZE: the intents are permanent (what a provisional delete kept is removed, created assets are saved).</summary>
        public (byte Type, string Body) Finalize(JsonObject o) => Pose.AtRest(_scene, Poser, () => FinalizeAtRest(o));

        private (byte Type, string Body) FinalizeAtRest(JsonObject o)
        {
            var ids = o.Get("intents") is JsonArray a ? a.Items.OfType<JsonNumber>().Where(n => n.IsInteger && n.Value >= 0).Select(n => (ulong)n.Value).ToList() : new List<ulong>();
            var missing = ids.Where(i => !_provisional.ContainsKey(i)).ToList();
            foreach (var i in ids.Where(_provisional.ContainsKey))
            {
                Applier().Finalize(_provisional[i]);
                _provisional.Remove(i);
            }
            NoteEditsOverProvisional(Array.Empty<Operation>());
            return missing.Count > 0 ? Error("UNKNOWN_INTENT", "not provisional here: " + string.Join(", ", missing)) : (MessageType.Ack, "\"intents\": [" + string.Join(", ", ids) + "]");
        }

        /// <summary>
        /// The human edits the host has reported are sent before a READ is answered (what the answer
        /// will show of them), and before an APPLY or ROLLBACK writes: their refresh takes what they
        /// wrote as known, so an edit of the same records still unreported would never be sent (see
        /// <see cref="ReportEdits"/>). A value that cannot be read fails the READ itself, which says why.
        /// </summary>
        private void ReportEditsFirst()
        {
            try { ReportEdits(); }
            catch (Exception e) when (e is ArgumentException or BlobFormatException) { Changes.Everything(); }
        }

        private (byte Type, string Body) Read(JsonObject o)
        {
            ISet<string>? only = o.Get("uuids") is JsonArray a ? new HashSet<string>(a.Items.OfType<JsonString>().Select(s => s.Value), StringComparer.Ordinal) : null;
            Protocol.State.Scene scene;
            string root;
            // A value Unity holds beyond what VibeSync represents (±1e12, NaN, set in Unity itself) cannot
            // be hashed or named: the read is refused, the orchestrator treats it as an engine fault; never a crash.
            try
            {
                scene = Canonical(only);
                root = Hex.Encode(SceneHasher.Hash(scene).Root);
            }
            catch (Exception e) when (e is ArgumentException or BlobFormatException) { return Error("READ_FAILED", "Unity holds a value VibeSync cannot represent: " + e.Message); }
            return (MessageType.State, "\"root\": \"" + root + "\", \"scene\": " + SceneJsonWriter.Write(scene, Space.Canonical));
        }

        private OperationApplier Applier() => new OperationApplier(_scene, Index, Meshes, Images, Received);

        // ---- saving and human activity ------------------------------------------------------------

        private readonly List<Provisional> _heldForSave = new List<Provisional>();
        // The human's edits of provisional records, as reported (oldest first): a save writes them back over
        // the values it rolls back to, so neither the saved scene nor the open one loses them.
        private readonly List<Operation> _editsOverProvisional = new List<Operation>();
        private Provisional? _keptForSave;
        private HashSet<string> _humanActive = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>
        /// Provisional changes are not the truth yet and must never reach a saved scene: the glue's
        /// AssetModificationProcessor calls this before Unity writes, <see cref="AfterSave"/> after.
        /// A human's edit of a provisional record is the truth to be: it is reported first (as before
        /// an APPLY, docs/protocol.md §11.6) and written back over the rolled-back values, so the file
        /// holds what the orchestrator journals once it rolls back the speculation the human overrode.
        /// Returns how many intents were taken out (0: nothing to say to the user).
        /// </summary>
        public int BeforeSave()
        {
            _posedBeforeSave = Pose.At;
            Pose.Leave(Poser); // a saved scene holds the records, never a pose
            _heldForSave.AddRange(_provisional.Values.OrderBy(p => p.Intent));
            if (_heldForSave.Count == 0) return 0;
            ReportEditsFirst(); // before the rollback writes over an edit still unreported
            var applier = Applier();
            for (int i = _heldForSave.Count - 1; i >= 0; i--) applier.Rollback(_heldForSave[i]);
            _keptForSave = PutBackEdits(applier);
            foreach (var p in _heldForSave) Refresh(p.Touched);
            return _heldForSave.Count;
        }

        /// <summary>
        /// Re-applies what <see cref="BeforeSave"/> took out, then the human's edits of those records
        /// again, for good: the scene is as it was before the save, and a rollback still restores the
        /// values from before the intent.
        /// </summary>
        public void AfterSave()
        {
            var applier = Applier();
            if (_keptForSave != null) applier.Rollback(_keptForSave);
            foreach (var p in _heldForSave)
            {
                try { _provisional[p.Intent] = applier.Apply(p.Intent, p.Operations); }
                catch (ApplyException) { _provisional.Remove(p.Intent); } // the scene changed under the save; the orchestrator verifies and rolls back
            }
            if (_keptForSave != null && PutBackEdits(applier) is { } again) applier.Finalize(again);
            _keptForSave = null;
            foreach (var p in _heldForSave) Refresh(p.Touched);
            _heldForSave.Clear();
            if (_posedBeforeSave is double at && Poser != null) Pose.Show(_scene, Poser, at);
            _posedBeforeSave = null;
        }

        /// <summary>The human's edits of provisional records written again, or null when there are none or one is refused.</summary>
        private Provisional? PutBackEdits(OperationApplier applier)
        {
            if (_editsOverProvisional.Count == 0) return null;
            try { return applier.Apply(0, _editsOverProvisional.ToList()); }
            catch (ApplyException) { return null; } // the file then holds the authoritative values alone; the edits were reported
        }

        /// <summary>Keeps the edits just reported of what is provisional (for a save), and only while it is.</summary>
        private void NoteEditsOverProvisional(IEnumerable<Operation> reported)
        {
            var touched = new HashSet<string>(_provisional.Values.SelectMany(p => p.Touched), StringComparer.Ordinal);
            _editsOverProvisional.RemoveAll(op => !touched.Contains(op.Uuid));
            _editsOverProvisional.AddRange(reported.Where(op => touched.Contains(op.Uuid)));
        }

        private double? _posedBeforeSave;

        /// <summary>
        /// The objects a human is working on now (the glue: the selection while a transform tool is
        /// in use); HUMAN_ACTIVE is sent when the set changes, so an AI intent on them waits.
        /// </summary>
        public void SetHumanActive(IEnumerable<string> ids)
        {
            var now = new HashSet<string>(ids.Where(Index.Contains), StringComparer.Ordinal);
            var started = now.Where(id => !_humanActive.Contains(id)).OrderBy(id => id, StringComparer.Ordinal).ToList();
            var ended = _humanActive.Where(id => !now.Contains(id)).OrderBy(id => id, StringComparer.Ordinal).ToList();
            if (started.Count > 0) Send(MessageType.HumanActive, "{\"uuids\": [" + string.Join(", ", started.Select(id => "\"" + id + "\"")) + "], \"active\": true}");
            if (ended.Count > 0) Send(MessageType.HumanActive, "{\"uuids\": [" + string.Join(", ", ended.Select(id => "\"" + id + "\"")) + "], \"active\": false}");
            _humanActive = now;
        }

        // ---- the tick -------------------------------------------------------------------------------

        /// <summary>
        /// One main-thread tick: OBSERVED for intents applied since the last tick, then human edits
        /// (a diff against what the orchestrator has). Returns the EDIT payload sent, if any.
        /// </summary>
        public string? Tick()
        {
            while (_toObserve.Count > 0)
            {
                var (intent, route) = _toObserve.Dequeue(); // a closed session's route sends nothing
                if (_provisional.TryGetValue(intent, out var p) && Observed(p) is { } observed) (route ?? Send)(MessageType.Observed, observed);
            }
            return ReportEdits();
        }

        /// <summary>
        /// The human edits the host has reported since the last look, read and sent as EDIT. Run on
        /// every tick and before a READ is answered: the orchestrator then hears of a human's edit
        /// before it sees it in an answer (it also catches up with an engine whose answer differs,
        /// issue #20 §2); and before an APPLY or ROLLBACK writes, so an edit they overwrite still
        /// becomes an intent. Returns the EDIT payload sent, if any.
        /// </summary>
        private string? ReportEdits()
        {
            if (Paused || _scene.State != "ready") return null;
            if (Pose.At is double at && Poser != null)
            {
                if (!Changes.Pending) return null; // a pose is never an edit: nothing is read while the scene shows one
                // Something changed: read it at rest. A human's edit ends the pose; the adapter's own writes pose again.
                Pose.Leave(Poser);
                var sent = ReportEditsAtRest();
                if (sent == null) Pose.Show(_scene, Poser, at);
                return sent;
            }
            return ReportEditsAtRest();
        }

        private string? ReportEditsAtRest()
        {
            var (everything, handles) = Changes.Take();
            if (!everything && handles.Count == 0) return null; // the host reported nothing: nothing changed
            List<Operation> ops;
            try
            {
                // A joint a human moved moves its rest: its skin's bind matrices and bind poses follow (read below as update_skin).
                if (_scene.Rig.Skins.Count > 0) VibeSync.Unity.Rigging.SkinReadBack.Follow(_scene, Index);
                // What the host reported, read alone: an edit costs its records, not the scene.
                if (!everything && Reported(handles) is { } few)
                {
                    ops = ChangeDiff.Operations(few.Known, few.Current);
                    foreach (var pair in few.Current) _known[pair.Key] = pair.Value;
                }
                else
                {
                    // A mesh holding a value VibeSync cannot name (NaN, beyond ±1e12, set in Unity itself) cannot be
                    // reported: nothing is diffed until it is fixed; the orchestrator's READ says why.
                    var current = Records(Canonical());
                    ops = ChangeDiff.Operations(_known, current);
                    _known = current;
                    UpdateNotSynced(send: true); // a texture's file, wrap or binding may have changed
                }
            }
            catch (BlobFormatException)
            {
                Changes.Everything(); // read again, whole, once it is fixed
                return null;
            }
            foreach (var gone in ops.OfType<DeleteObject>()) Index.Tombstones.Add(gone.Uuid);
            if (ops.Count == 0) return null;
            NoteEditsOverProvisional(ops);
            var sb = new StringBuilder("{\"operations\": [");
            for (int i = 0; i < ops.Count; i++) OperationWriter.Append(i > 0 ? sb.Append(", ") : sb, ops[i]);
            var payload = sb.Append("]}").ToString();
            Send(MessageType.Edit, payload);
            SentEdits.Add(payload);
            if (SentEdits.Count > 100) SentEdits.RemoveAt(0);
            return payload;
        }

        /// <summary>
        /// The known records the host's reported changes name, read again (the few changed, not the
        /// scene), or null when only the whole diff can tell: an object the index does not know (a
        /// creation), one gone, or one that now uses a mesh or material the orchestrator has not been sent.
        /// </summary>
        private (Dictionary<string, object> Known, Dictionary<string, object> Current)? Reported(HashSet<int> handles)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var handle in handles)
            {
                if (!(Index.IdOf(handle) is { } id) || _scene.Find(handle) is not { } found || !_known.ContainsKey(id)) return null;
                ids.Add(id);
                // A SkinnedMeshRenderer's blend shape weights are its mesh record's morph weights: read that record too.
                if (found.Skinned != null && found.Mesh is string mesh && _known.ContainsKey(mesh)) ids.Add(mesh);
                // A joint's rest and a renderer's bones are its skin's: read the skin records that name them too.
                if (found.Kind == ObjectKind.Joint || found.Skinned != null)
                    foreach (var skin in _scene.Rig.Skins)
                        if (skin.Joints.Contains(id) || _scene.Rig.SkinOf(id) == skin.Uuid) ids.Add(skin.Uuid);
            }
            var current = Records(Canonical(ids));
            var known = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (!current.TryGetValue(id, out var now)) return null;
                if (now is SceneObject o && o.Uses().Any(u => u != null && !_known.ContainsKey(u))) return null;
                known[id] = _known[id];
            }
            return (known, current);
        }

        /// <summary>The OBSERVED payload, or null when what the intent touched cannot be hashed (the orchestrator's READ then says why).</summary>
        private string? Observed(Provisional p)
        {
            SceneHashes hashes;
            try { hashes = SceneHasher.Hash(Canonical(p.Touched)); }
            catch (Exception e) when (e is ArgumentException or BlobFormatException) { return null; }
            var records = hashes.Objects.Concat(hashes.Materials).Concat(hashes.Meshes).Concat(hashes.Images).Select(kv => $"\"{kv.Key}\": \"{Hex.Encode(kv.Value)}\"");
            return $"{{\"intent\": {p.Intent}, \"records\": {{{string.Join(", ", records)}}}}}";
        }

        /// <summary>What the adapter changed itself is known, not a human's edit: no echo.</summary>
        private void Refresh(IEnumerable<string> ids)
        {
            var set = new HashSet<string>(ids, StringComparer.Ordinal);
            var now = Records(Canonical(set));
            static bool Look(object? r) => r is Material || r is Image;
            bool looks = set.Any(id => (_known.TryGetValue(id, out var k) && Look(k)) || (now.TryGetValue(id, out var r) && Look(r)));
            foreach (var id in set)
                if (now.TryGetValue(id, out var r)) _known[id] = r; else _known.Remove(id);
            if (looks) UpdateNotSynced(send: true);
        }

        private static Dictionary<string, object> Records(Protocol.State.Scene s)
        {
            var d = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var o in s.Objects) d[o.Uuid] = o;
            foreach (var m in s.Materials) d[m.Uuid] = m;
            foreach (var m in s.Meshes) d[m.Uuid] = m;
            foreach (var i in s.Images) d[i.Uuid] = i;
            foreach (var k in s.Skins) d[k.Uuid] = k;
            foreach (var a in s.Animations) d[a.Uuid] = a;
            return d;
        }
    }
}
