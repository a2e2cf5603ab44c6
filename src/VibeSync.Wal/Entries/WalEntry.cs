using VibeSync.Protocol.Intents;
namespace VibeSync.Wal.Entries;

/// <summary>What an intent touches and how it is classified.</summary>
/// <param name="Uuids">The VibeSync IDs of every object, material or mesh the intent touches.</param>
/// <param name="IntentClass">The highest class of its operations.</param>
public sealed record Scope(IReadOnlyList<string> Uuids, IntentClass IntentClass);

/// <summary>The state-hash evidence of an intent's outcome.</summary>
/// <param name="ExpectedHash">Hash the orchestrator predicted (hex), if any.</param>
/// <param name="ObservedHash">Hash the engine reported (hex), if any.</param>
/// <param name="Epsilon">Tolerance of the field-wise check.</param>
/// <param name="VerifiedAtMs">Unix ms of the verification, if it happened.</param>
public sealed record Verification(string? ExpectedHash, string? ObservedHash, double Epsilon, long? VerifiedAtMs);

/// <summary>How an intent can be undone, or how it was.</summary>
/// <param name="UndoToken">Engine-side token restoring the prior values.</param>
/// <param name="SnapshotRef">Git commit of the safety snapshot taken first.</param>
/// <param name="Kind">SOFT or HARD, for a rollback.</param>
/// <param name="Reason">HASH_MISMATCH, IDENTITY_BREAK, ENGINE_FAULT, …</param>
public sealed record RollbackInfo(string? UndoToken, string? SnapshotRef, string? Kind, string? Reason);

/// <summary>
/// One journaled fact about an intent (DESIGN §5's schema). A phase change is a new entry with
/// the same <see cref="IntentId"/>.
/// </summary>
/// <param name="IntentId">Monotonic intent number assigned by the orchestrator.</param>
/// <param name="Phase">The phase this entry records.</param>
/// <param name="TimestampMs">Wall-clock Unix ms (advisory; order is the log's).</param>
/// <param name="Engine">blender, unity, both, or orchestrator.</param>
/// <param name="Actor">Who asked: e.g. <c>human:blender</c>, <c>ai:claude</c>, <c>system</c>.</param>
/// <param name="Scope">Touched IDs and class.</param>
/// <param name="Verification">Hash evidence, when verified.</param>
/// <param name="Rollback">Undo information.</param>
/// <param name="Rationale">Why (mandatory for AI actors upstream).</param>
/// <param name="OperationJson">The typed operation(s), as JSON; null on phase-only entries.</param>
public sealed record WalEntry(
    ulong IntentId,
    IntentPhase Phase,
    long TimestampMs,
    string Engine,
    string Actor,
    Scope Scope,
    Verification? Verification = null,
    RollbackInfo? Rollback = null,
    string? Rationale = null,
    string? OperationJson = null);

/// <summary>An entry as it stands in the log, with its position and chain hashes.</summary>
/// <param name="Sequence">Record number, dense from 1.</param>
/// <param name="BatchStart">Sequence of the first record made durable by the same write.</param>
/// <param name="ParentHash">Entry hash of the previous record (zeros for the first).</param>
/// <param name="EntryHash">SHA-256 over this record's payload before the hash.</param>
/// <param name="Entry">The entry.</param>
/// <param name="Segment">Segment file number.</param>
/// <param name="Offset">Byte offset of the record in its segment.</param>
public sealed record WalRecord(
    ulong Sequence, ulong BatchStart, byte[] ParentHash, byte[] EntryHash, WalEntry Entry, ulong Segment, long Offset);

/// <summary>An entry with its body encoded once (<see cref="WriteAheadLog.Encode"/>): its size is known before it is appended.</summary>
public sealed class EncodedEntry
{
    internal EncodedEntry(WalEntry entry, byte[] body)
    {
        Entry = entry;
        Body = body;
    }

    /// <summary>The entry.</summary>
    public WalEntry Entry { get; }

    /// <summary>Its body's size in bytes, as the log would write it.</summary>
    public int BodyBytes => Body.Length;

    internal byte[] Body { get; }
}
