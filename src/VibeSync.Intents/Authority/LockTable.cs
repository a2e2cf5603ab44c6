using System.Collections.Immutable;
using VibeSync.Intents.Validation;

namespace VibeSync.Intents.Authority;

/// <summary>
/// HUMAN_ACTIVE locks: a person actively editing an object (dragging it, in an edit mode) holds
/// one on its uuid, taken and released by the adapter that sees the editing. AI intents touching
/// a locked uuid wait. Changed only by its owner (the pipeline's spine); any thread may read
/// <see cref="Held"/>, an immutable snapshot replaced on every change.
/// </summary>
public sealed class LockTable
{
    private volatile ImmutableSortedDictionary<string, string> _holders = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal); // uuid → who

    /// <summary>Locked uuids and who holds them: a snapshot that never changes under its reader.</summary>
    public ImmutableSortedDictionary<string, string> Held => _holders;

    /// <summary>A human starts editing <paramref name="uuid"/>.</summary>
    /// <exception cref="UnauthorizedAccessException">The actor is not a human: only people hold these locks.</exception>
    public void Acquire(string uuid, Actor actor)
    {
        if (actor.Kind < ActorKind.Human) throw new UnauthorizedAccessException($"{actor} cannot hold a HUMAN_ACTIVE lock");
        _holders = _holders.SetItem(uuid, actor.ToString());
    }

    /// <summary>The human stopped editing.</summary>
    public bool Release(string uuid)
    {
        var before = _holders;
        _holders = before.Remove(uuid);
        return before.Count != _holders.Count;
    }

    /// <summary>Drops every lock <paramref name="holder"/> holds (its session ended: it is editing nothing any more). Returns the uuids.</summary>
    public IReadOnlyList<string> ReleaseAllOf(string holder)
    {
        var held = _holders.Where(h => h.Value == holder).Select(h => h.Key).ToArray();
        if (held.Length > 0) _holders = _holders.RemoveRange(held);
        return held;
    }

    /// <summary>Drops every lock (a human's emergency unlock). Returns what was held, for the journal.</summary>
    /// <exception cref="UnauthorizedAccessException">Anyone but a human with the emergency override.</exception>
    public IReadOnlyDictionary<string, string> EmergencyUnlock(Actor actor)
    {
        if (actor.Kind != ActorKind.EmergencyOverride) throw new UnauthorizedAccessException($"{actor} cannot unlock: emergency unlock is a human's override");
        var released = _holders;
        _holders = released.Clear();
        return released;
    }

    /// <summary>The first of <paramref name="uuids"/> that is locked, if any.</summary>
    public string? FirstLocked(IEnumerable<string> uuids) => uuids.FirstOrDefault(_holders.ContainsKey);
}
