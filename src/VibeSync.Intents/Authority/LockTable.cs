using VibeSync.Intents.Validation;

namespace VibeSync.Intents.Authority;

/// <summary>
/// HUMAN_ACTIVE locks: a person actively editing an object (dragging it, in an edit mode) holds
/// one on its uuid, taken and released by the adapter that sees the editing. AI intents touching
/// a locked uuid wait. Not thread-safe: owned by the pipeline's single thread.
/// </summary>
public sealed class LockTable
{
    private readonly Dictionary<string, string> _holders = new(StringComparer.Ordinal); // uuid → who

    /// <summary>Locked uuids and who holds them.</summary>
    public IReadOnlyDictionary<string, string> Held => _holders;

    /// <summary>A human starts editing <paramref name="uuid"/>.</summary>
    /// <exception cref="UnauthorizedAccessException">The actor is not a human: only people hold these locks.</exception>
    public void Acquire(string uuid, Actor actor)
    {
        if (actor.Kind < ActorKind.Human) throw new UnauthorizedAccessException($"{actor} cannot hold a HUMAN_ACTIVE lock");
        _holders[uuid] = actor.ToString();
    }

    /// <summary>The human stopped editing.</summary>
    public bool Release(string uuid) => _holders.Remove(uuid);

    /// <summary>Drops every lock (a human's emergency unlock). Returns what was held, for the journal.</summary>
    /// <exception cref="UnauthorizedAccessException">Anyone but a human with the emergency override.</exception>
    public IReadOnlyDictionary<string, string> EmergencyUnlock(Actor actor)
    {
        if (actor.Kind != ActorKind.EmergencyOverride) throw new UnauthorizedAccessException($"{actor} cannot unlock: emergency unlock is a human's override");
        var released = new Dictionary<string, string>(_holders, StringComparer.Ordinal);
        _holders.Clear();
        return released;
    }

    /// <summary>The first of <paramref name="uuids"/> that is locked, if any.</summary>
    public string? FirstLocked(IEnumerable<string> uuids) => uuids.FirstOrDefault(_holders.ContainsKey);
}
