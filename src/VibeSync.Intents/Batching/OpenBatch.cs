// Design rationale: a batch is the set of intents applied provisionally and not yet verified.
// Its members are kept in the order they were applied, which is the order their FINAL entries are
// journaled and so the order a replay folds them in. Members whose footprints meet form one
// component: a component verifies, finalizes or rolls back as a unit, newest first, so an undo
// token never restores values a later member of the same objects set; disjoint components never
// disturb each other. The batch closes at the earliest deadline any member's class window sets.
using VibeSync.Intents.Validation;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Batching;

/// <summary>
/// One intent in the open batch. Cosmetic micro-intents of the same actor on the same uuids join
/// it while it is the latest on those uuids: their operations are folded into its own, they are
/// applied as they come, and they settle with it. They are journaled only as part of it.
/// </summary>
internal sealed class BatchMember
{
    public BatchMember(ulong id, IntentRequest request, Actor actor, IntentClass cls, string[] footprint)
    {
        Id = id;
        Request = request;
        Actor = actor;
        Class = cls;
        Footprint = footprint;
        Contender = new Contender(id, actor, cls, request.Operations);
    }

    public ulong Id { get; }

    /// <summary>What it does, with every joined micro-intent folded in.</summary>
    public IntentRequest Request { get; private set; }

    public Actor Actor { get; }
    public IntentClass Class { get; }
    public string[] Footprint { get; }
    public Contender Contender { get; }

    /// <summary>The engine where it already happened (a human's edit there), which is not asked to apply it; null for none.</summary>
    public string? Origin { get; init; }

    /// <summary>
    /// The number of its origin's report (<c>EngineReports</c>) it came from, the newest when micro-intents
    /// joined it; 0 when unknown (not an engine's report, or decided again after waiting).
    /// </summary>
    public long Report { get; set; }

    /// <summary>Undo tokens of every apply that returned, in apply order (one or more per engine).</summary>
    public List<(IEnginePort Engine, string Token)> Applied { get; } = new();

    /// <summary>Its apply step still waiting in the queue, which a joining micro-intent folds into.</summary>
    public ApplyStep? Queued { get; set; }

    /// <summary>Completes when its PROVISIONAL entry is durable: nothing of it is applied before.</summary>
    public Task Durable { get; set; } = Task.CompletedTask;

    /// <summary>An upper bound of the bytes its journal entries' bodies take (its PROVISIONAL entry, then what joined micro-intents may add).</summary>
    public long JournalBytes { get; set; }

    /// <summary>Its PROVISIONAL_OK once micro-intents joined it, made once (the answer is the same for each apply).</summary>
    public IntentOutcome? CoalescedOk { get; set; }

    /// <summary>Micro-intents folded into it.</summary>
    public int Joined { get; private set; }

    /// <summary>Conflict resolutions to journal with its final phase.</summary>
    public List<string> Notes { get; } = new();

    /// <summary>Completed with PROVISIONAL_OK, or with the outcome that came first.</summary>
    public TaskCompletionSource<IntentOutcome> Provisional { get; init; } = NewCompletion();

    /// <summary>Completed with the final phase; <see cref="Followers"/> with it.</summary>
    public TaskCompletionSource<IntentOutcome> Settled { get; init; } = NewCompletion();

    /// <summary>The settled answers of the micro-intents that joined it.</summary>
    public List<TaskCompletionSource<IntentOutcome>> Followers { get; } = new();

    /// <summary>Folds a micro-intent's operations into this one's; the journal JSON is rewritten when next needed.</summary>
    public void Join(IntentRequest micro, TaskCompletionSource<IntentOutcome> settled)
    {
        Request = new IntentRequest(Coalescer.Fold(Request.Operations, micro.Operations), Request.BasedOn, Request.Rationale) { Json = "" };
        Followers.Add(settled);
        Joined++;
    }

    /// <summary>The intent as journaled: its JSON, written afresh after micro-intents joined.</summary>
    public IntentRequest Journaled()
    {
        if (Request.Json.Length == 0) Request = Request with { Json = OperationWriter.Write(Request) };
        return Request;
    }

    public static TaskCompletionSource<IntentOutcome> NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Operations waiting to be applied in every engine for a member, and who waits for their PROVISIONAL_OK.</summary>
internal sealed class ApplyStep
{
    public ApplyStep(BatchMember member, IReadOnlyList<Operation> operations, TaskCompletionSource<IntentOutcome> answer)
    {
        Member = member;
        Operations = operations;
        Answers.Add(answer);
    }

    public BatchMember Member { get; }

    /// <summary>The member's PROVISIONAL entry: the step is applied only once it is durable.</summary>
    public Task Durable => Member.Durable;

    public IReadOnlyList<Operation> Operations { get; private set; }
    public List<TaskCompletionSource<IntentOutcome>> Answers { get; } = new(1); // mostly one: a step per micro-intent that came after its member's last apply

    /// <summary>A micro-intent that joined before this step was applied rides along: one engine call for both.</summary>
    public void Fold(IReadOnlyList<Operation> more, TaskCompletionSource<IntentOutcome> answer)
    {
        Operations = Coalescer.Fold(Operations, more);
        Answers.Add(answer);
    }
}

/// <summary>The members applied and not yet verified, indexed by the uuids their footprints cover.</summary>
internal sealed class OpenBatch
{
    private readonly List<BatchMember> _members = new();
    private readonly Dictionary<string, Slot> _byUuid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatchMember> _lastWriter = new(StringComparer.Ordinal); // uuid.property → latest cosmetic writer

    /// <summary>The members on one uuid, and the first of each kind the conflict table asks about.</summary>
    private sealed class Slot
    {
        public readonly List<BatchMember> Members = new();
        public BatchMember? Human, Other, Structural, Destructive;

        public void Note(BatchMember m)
        {
            if (m.Contender.IsHuman) Human ??= m; else Other ??= m;
            if (m.Class == IntentClass.Structural) Structural ??= m;
            if (m.Class == IntentClass.Destructive) Destructive ??= m;
        }
    }

    public IReadOnlyList<BatchMember> Members => _members;
    public bool IsEmpty => _members.Count == 0;

    /// <summary>When the batch must close: the earliest of its members' class windows.</summary>
    public DateTimeOffset? Deadline { get; private set; }

    public void Add(BatchMember member, DateTimeOffset deadline)
    {
        _members.Add(member);
        foreach (var u in member.Footprint)
        {
            if (!_byUuid.TryGetValue(u, out var slot)) _byUuid[u] = slot = new Slot();
            slot.Members.Add(member);
            slot.Note(member);
        }
        if (Deadline == null || deadline < Deadline) Deadline = deadline;
    }

    /// <summary>
    /// The members that decide the conflict table for a newcomer with this footprint: for each uuid,
    /// the first human and the first non-human member, the first structural and destructive one,
    /// and the latest writer of each property the newcomer sets. Rolling back any of them rolls
    /// back its whole component, so the first of each kind stands for all; keeping the list this
    /// short keeps admission O(footprint) however many micro-intents a batch has coalesced.
    /// </summary>
    public List<BatchMember> Representatives(IEnumerable<string> footprint, IEnumerable<string> properties)
    {
        var found = new List<BatchMember>();
        foreach (var u in footprint)
        {
            if (!_byUuid.TryGetValue(u, out var slot)) continue;
            // In this order, each once; no array of the four per uuid.
            AddOnce(found, slot.Human);
            AddOnce(found, slot.Other);
            AddOnce(found, slot.Structural);
            AddOnce(found, slot.Destructive);
        }
        foreach (var p in properties)
            if (_lastWriter.TryGetValue(p, out var writer) && !found.Contains(writer)) found.Add(writer);
        return found;
    }

    private static void AddOnce(List<BatchMember> found, BatchMember? m)
    {
        if (m != null && !found.Contains(m)) found.Add(m);
    }

    /// <summary>The member that is the latest on every one of <paramref name="footprint"/>'s uuids and covers no others, if there is one.</summary>
    public BatchMember? LatestExactlyOn(string[] footprint)
    {
        BatchMember? latest = null;
        foreach (var u in footprint)
        {
            if (!_byUuid.TryGetValue(u, out var slot)) return null;
            var last = slot.Members[^1];
            if (latest == null) latest = last;
            else if (!ReferenceEquals(latest, last)) return null;
        }
        return latest != null && latest.Footprint.AsSpan().SequenceEqual(footprint) ? latest : null;
    }

    /// <summary>The latest cosmetic writer of <paramref name="property"/> (<c>uuid.property</c>) in this batch.</summary>
    public BatchMember? LastWriterOf(string property) => _lastWriter.TryGetValue(property, out var m) ? m : null;

    /// <summary>Records <paramref name="member"/> as the latest writer of <paramref name="properties"/>.</summary>
    public void Wrote(BatchMember member, IEnumerable<string> properties)
    {
        foreach (var p in properties) _lastWriter[p] = member;
    }

    /// <summary>The members connected to <paramref name="seeds"/> through shared uuids, in batch order.</summary>
    public List<BatchMember> ComponentsOf(IEnumerable<BatchMember> seeds)
    {
        var found = new HashSet<BatchMember>();
        var seenUuids = new HashSet<string>(StringComparer.Ordinal);
        var work = new Stack<BatchMember>(seeds);
        while (work.Count > 0)
        {
            var m = work.Pop();
            if (!found.Add(m)) continue;
            foreach (var u in m.Footprint)
                if (seenUuids.Add(u) && _byUuid.TryGetValue(u, out var slot))
                    foreach (var other in slot.Members)
                        if (!found.Contains(other)) work.Push(other);
        }
        return _members.Where(found.Contains).ToList();
    }

    /// <summary>
    /// The components <paramref name="members"/> form among themselves (a batch in verification,
    /// judged apart from what was admitted behind it), each in their order.
    /// </summary>
    public static List<List<BatchMember>> ComponentsAmong(IReadOnlyList<BatchMember> members)
    {
        var alone = new OpenBatch();
        foreach (var m in members) alone.Add(m, DateTimeOffset.MaxValue);
        return alone.Components();
    }

    /// <summary>Every component, each in batch order.</summary>
    public List<List<BatchMember>> Components()
    {
        var seen = new HashSet<BatchMember>();
        var components = new List<List<BatchMember>>();
        foreach (var m in _members)
        {
            if (seen.Contains(m)) continue;
            var component = ComponentsOf(new[] { m });
            seen.UnionWith(component);
            components.Add(component);
        }
        return components;
    }

    public void Remove(IReadOnlyCollection<BatchMember> gone)
    {
        if (gone.Count == 0) return;
        var set = gone.ToHashSet();
        _members.RemoveAll(set.Contains);
        foreach (var stale in _lastWriter.Where(w => set.Contains(w.Value)).Select(w => w.Key).ToList()) _lastWriter.Remove(stale);
        foreach (var u in set.SelectMany(m => m.Footprint).Distinct(StringComparer.Ordinal).ToList())
        {
            if (!_byUuid.TryGetValue(u, out var slot)) continue;
            slot.Members.RemoveAll(set.Contains);
            if (slot.Members.Count == 0) { _byUuid.Remove(u); continue; }
            var fresh = new Slot();
            foreach (var m in slot.Members) { fresh.Members.Add(m); fresh.Note(m); }
            _byUuid[u] = fresh;
        }
        if (_members.Count == 0) Deadline = null;
    }

    /// <summary>
    /// Takes <paramref name="later"/>'s members behind its own, in their order (a batch admitted
    /// while this one was in verification, folded back to be verified with it).
    /// </summary>
    public void Absorb(OpenBatch later)
    {
        foreach (var m in later._members) Add(m, later.Deadline!.Value);
        foreach (var (property, writer) in later._lastWriter) _lastWriter[property] = writer;
    }

    /// <summary>The members left close at <paramref name="deadline"/> (theirs, after the batch in front of them was settled).</summary>
    public void PostponeTo(DateTimeOffset? deadline)
    {
        if (!IsEmpty && deadline != null) Deadline = deadline;
    }

    public void Clear()
    {
        _members.Clear();
        _byUuid.Clear();
        _lastWriter.Clear();
        Deadline = null;
    }
}
