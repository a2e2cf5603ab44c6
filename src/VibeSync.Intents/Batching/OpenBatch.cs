// Design rationale: a batch is the set of intents applied provisionally and not yet verified.
// Its members are kept in the order they were applied, which is the order their FINAL entries are
// journaled and so the order a replay folds them in. Members whose footprints meet form one
// component: a component verifies, finalizes or rolls back as a unit, newest first, so an undo
// token never restores values a later member of the same objects set; disjoint components never
// disturb each other. The batch closes at the earliest deadline any member's class window sets.
using VibeSync.Intents.Operations;
using VibeSync.Intents.Validation;
using VibeSync.Intents.Pipeline;
using VibeSync.Wal.Entries;

namespace VibeSync.Intents.Batching;

/// <summary>One intent in the open batch.</summary>
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
    public IntentRequest Request { get; }
    public Actor Actor { get; }
    public IntentClass Class { get; }
    public string[] Footprint { get; }
    public Contender Contender { get; }

    /// <summary>Undo tokens of the engines whose apply returned, in apply order.</summary>
    public List<(IEnginePort Engine, string Token)> Applied { get; } = new();

    /// <summary>True once every engine applied it (PROVISIONAL_OK from all).</summary>
    public bool IsApplied { get; set; }

    /// <summary>Conflict resolutions to journal with its final phase.</summary>
    public List<string> Notes { get; } = new();

    /// <summary>Completed with PROVISIONAL_OK, or with the outcome that came first.</summary>
    public TaskCompletionSource<IntentOutcome> Provisional { get; init; } = NewCompletion();

    /// <summary>Completed with the final phase.</summary>
    public TaskCompletionSource<IntentOutcome> Settled { get; init; } = NewCompletion();

    public static TaskCompletionSource<IntentOutcome> NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The members applied and not yet verified, indexed by the uuids their footprints cover.</summary>
internal sealed class OpenBatch
{
    private readonly List<BatchMember> _members = new();
    private readonly Dictionary<string, List<BatchMember>> _byUuid = new(StringComparer.Ordinal);

    public IReadOnlyList<BatchMember> Members => _members;
    public bool IsEmpty => _members.Count == 0;

    /// <summary>When the batch must close: the earliest of its members' class windows.</summary>
    public DateTimeOffset? Deadline { get; private set; }

    public void Add(BatchMember member, DateTimeOffset deadline)
    {
        _members.Add(member);
        foreach (var u in member.Footprint)
        {
            if (!_byUuid.TryGetValue(u, out var list)) _byUuid[u] = list = new List<BatchMember>();
            list.Add(member);
        }
        if (Deadline == null || deadline < Deadline) Deadline = deadline;
    }

    /// <summary>Members whose footprints meet <paramref name="footprint"/>, in batch order.</summary>
    public List<BatchMember> Overlapping(IEnumerable<string> footprint)
    {
        var found = new HashSet<BatchMember>();
        foreach (var u in footprint)
            if (_byUuid.TryGetValue(u, out var list)) found.UnionWith(list);
        return _members.Where(found.Contains).ToList();
    }

    /// <summary>The members connected to <paramref name="seeds"/> through shared uuids, in batch order.</summary>
    public List<BatchMember> ComponentsOf(IEnumerable<BatchMember> seeds)
    {
        var found = new HashSet<BatchMember>();
        var work = new Stack<BatchMember>(seeds);
        while (work.Count > 0)
        {
            var m = work.Pop();
            if (!found.Add(m)) continue;
            foreach (var u in m.Footprint)
                foreach (var other in _byUuid[u])
                    if (!found.Contains(other)) work.Push(other);
        }
        return _members.Where(found.Contains).ToList();
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
        foreach (var m in set)
            foreach (var u in m.Footprint)
                if (_byUuid.TryGetValue(u, out var list) && list.Remove(m) && list.Count == 0) _byUuid.Remove(u);
        if (_members.Count == 0) Deadline = null;
    }

    public void Clear()
    {
        _members.Clear();
        _byUuid.Clear();
        Deadline = null;
    }
}
