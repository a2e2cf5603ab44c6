using System.Text.RegularExpressions;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.State;

namespace VibeSync.Orchestrator.Control;

/// <summary>An engine as an AI sees it: its sync phase and a sentence per phase (an engine's own reasons can name anything).</summary>
public sealed record AgentEngine(string Engine, string Phase, string Reason);

/// <summary>
/// Reality and the pipeline as an AI sees them: the root and counts of what it may see
/// (<see cref="AiVisibility.View(RealityScene)"/>), intents it may know of, locks and DIRTY
/// objects it sees. The root is the hash of <c>GET /v1/state</c> as an AI reads it, so no
/// comparison tells it that anything else exists.
/// </summary>
public sealed record AgentSync(string RealityRoot, int Objects, int Materials, int Meshes, IReadOnlyList<ulong> Pending, string? SafeMode,
    IReadOnlyList<string> Locks, IReadOnlyList<AgentEngine> Engines, ulong WalSequence, IReadOnlyList<string> Dirty, string ProjectId);

/// <summary><c>GET /v1/status</c> for the AI credential.</summary>
public sealed record AgentStatus(AgentSync Sync);

/// <summary>
/// A journal entry as an AI sees it: IDs it may know of (and those its own intent named), no
/// verification hashes (a hash over records it does not see would betray them; whether the
/// engines matched is <see cref="Verified"/>), the rationale and class only of AI intents.
/// </summary>
public sealed record AgentJournalEntry(ulong Sequence, ulong Intent, string Phase, long TimestampMs, string Engine, string Actor, IReadOnlyList<string> Uuids,
    string? Class, string? Rationale, string? RollbackReason, bool? Verified);

/// <summary>
/// What the control API answers a request bearing the AI credential (<c>keys/ai.token</c>): the
/// same facts as for a human, seen through <see cref="AiVisibility"/>. An intent that touched only
/// records an AI may not know of does not exist for it (the same 404 as a wrong number); IDs it
/// may not know of are left out of lists and written <c>(unknown)</c> in sentences.
/// </summary>
internal sealed partial class AgentView
{
    private const string Unknown = "(unknown)";
    private readonly OrchestratorService _service;

    public AgentView(OrchestratorService service) => _service = service;

    [GeneratedRegex("(?:h-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex IdPattern();

    /// <summary>The IDs written in a text (an intent's JSON: what its submitter named).</summary>
    public static HashSet<string> IdsIn(string? text) =>
        text == null ? new HashSet<string>(StringComparer.Ordinal) : IdPattern().Matches(text).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary><paramref name="text"/> with every ID an AI may not know of, and did not name itself, written <c>(unknown)</c>.</summary>
    public static string? Redact(string? text, RealityScene reality, IReadOnlySet<string> named) =>
        text == null ? null : IdPattern().Replace(text, m => named.Contains(m.Value) || AiVisibility.Knows(reality, m.Value) ? m.Value : Unknown);

    /// <summary>
    /// An intent's answer to its AI submitter: sentences with IDs it did not name and may not know
    /// of written <c>(unknown)</c>; a FINAL answer does not count the other intents verified with it.
    /// </summary>
    public IntentAnswer Answer(IntentAnswer answer, IReadOnlySet<string> named)
    {
        var reality = _service.Pipeline.Reality;
        string reason = answer.Phase switch
        {
            "FINAL" => "verified in every engine",
            "PENDING" when answer.Reason.StartsWith("safe mode (", StringComparison.Ordinal) => "safe mode: automation waits until a human resumes",
            _ => Redact(answer.Reason, reality, named)!,
        };
        return answer with { Reason = reason };
    }

    /// <summary>Reality, or the scene an engine holds, as an AI sees it.</summary>
    public async Task<Scene> StateAsync(string which)
    {
        var reality = _service.Pipeline.Reality;
        return which == "reality" ? AiVisibility.View(reality) : AiVisibility.View(await _service.StateAsync(which).ConfigureAwait(false), reality.Concealed);
    }

    public AgentStatus Status()
    {
        var reality = _service.Pipeline.Reality;
        var view = AiVisibility.View(reality);
        var full = _service.Status().Sync;
        return new AgentStatus(new AgentSync(Protocol.Hashing.SceneHasher.RootHex(view), view.Objects.Count, view.Materials.Count, view.Meshes.Count,
            full.Pending.Where(id => _service.JournalIndex.Read(0, 1, id, entries => Known(entries, reality)).Count > 0).ToArray(),
            full.SafeMode == null ? null : "automation waits until a human resumes (vibesync resume)",
            full.Locks.Where(u => AiVisibility.Sees(reality, u)).ToArray(),
            full.Engines.Select(e => new AgentEngine(e.Engine, e.Phase, PhaseSentence(e.Phase))).ToArray(),
            full.WalSequence, full.Dirty.Where(u => AiVisibility.Sees(reality, u)).ToArray(), full.ProjectId));
    }

    private static string PhaseSentence(string phase) => phase switch
    {
        "live" => "holds Reality as it is now",
        "syncing" => "being brought to Reality",
        "blocked" => "blocked until a human acts (vibesync status)",
        "refused" => "its file was refused; a human must pair it (vibesync status)",
        _ => "not connected",
    };

    /// <summary>The journal as an AI sees it: entries after <paramref name="since"/> of intents it may know of, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<AgentJournalEntry> Journal(ulong since, int limit, ulong? intent = null)
    {
        var reality = _service.Pipeline.Reality;
        return _service.JournalIndex.Read(since, limit, intent, entries => Known(entries, reality)).Select(x => Entry(x.Entry, x.Named, reality)).ToList();
    }

    private static AgentJournalEntry Entry(JournalEntry e, IReadOnlySet<string> named, RealityScene reality)
    {
        // An AI intent's own words and IDs are the AI's: shown back as it wrote them.
        bool ai = IsAi(e.Actor);
        return new AgentJournalEntry(e.Sequence, e.Intent, e.Phase, e.TimestampMs, e.Engine, e.Actor,
            e.Uuids.Where(u => named.Contains(u) || AiVisibility.Knows(reality, u)).ToArray(),
            ai ? e.Class : null,
            ai ? Redact(e.Rationale, reality, named) : null,
            e.RollbackReason,
            e.ExpectedHash is { } expected && e.ObservedHash is { } observed ? expected == observed : null);
    }

    /// <summary>
    /// An intent an AI may know of (given all its entries): every AI's, one with an entry touching a
    /// record it may know of, and one that touched no record at all (a seed, a pairing note).
    /// </summary>
    private static bool Known(IEnumerable<JournalEntry> entries, RealityScene reality)
    {
        bool none = true;
        foreach (var e in entries)
        {
            if (IsAi(e.Actor) || e.Uuids.Any(u => AiVisibility.Knows(reality, u))) return true;
            none &= e.Uuids.Count == 0;
        }
        return none;
    }

    private static bool IsAi(string actor) => actor.StartsWith("ai:", StringComparison.Ordinal);
}
