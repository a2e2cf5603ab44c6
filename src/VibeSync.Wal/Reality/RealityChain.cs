using VibeSync.Protocol.Crypto;
using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Reality;

/// <summary>
/// Folds records into what they establish: the Reality chain (only FINAL entries advance it:
/// head = SHA-256(head ‖ entry_hash), from 32 zero bytes) and the intents still open — the last
/// phase of every intent that has not reached an end (PENDING or PROVISIONAL).
/// </summary>
public sealed class RealityChain
{
    private readonly byte[] _head = new byte[Sha256.Size];
    private readonly SortedDictionary<ulong, IntentPhase> _open = new();

    /// <summary>Head of the chain of FINAL entries (32 zero bytes before the first).</summary>
    public ReadOnlySpan<byte> Head => _head;

    /// <summary>Number of FINAL entries folded in.</summary>
    public long FinalCount { get; private set; }

    /// <summary>Sequence of the last FINAL entry, 0 if none.</summary>
    public ulong LastFinalSequence { get; private set; }

    /// <summary>Intents whose latest phase is PENDING or PROVISIONAL, by intent id.</summary>
    public IReadOnlyDictionary<ulong, IntentPhase> Open => _open;

    /// <summary>Intents left PROVISIONAL: after a crash, these are to be rolled back.</summary>
    public IEnumerable<ulong> ToRollBack => _open.Where(p => p.Value == IntentPhase.Provisional).Select(p => p.Key);

    /// <summary>Folds one record in; records must come in log order.</summary>
    public void Apply(ulong sequence, ulong intentId, IntentPhase phase, ReadOnlySpan<byte> entryHash)
    {
        if (phase == IntentPhase.Final)
        {
            Span<byte> input = stackalloc byte[2 * Sha256.Size];
            _head.CopyTo(input);
            entryHash.CopyTo(input[Sha256.Size..]);
            Sha256.Hash(input, _head);
            FinalCount++;
            LastFinalSequence = sequence;
        }
        if (phase is IntentPhase.Pending or IntentPhase.Provisional) _open[intentId] = phase;
        else _open.Remove(intentId);
    }

    /// <summary>Restores a chain saved in a checkpoint.</summary>
    internal void Restore(ReadOnlySpan<byte> head, long finalCount, ulong lastFinalSequence, IEnumerable<KeyValuePair<ulong, IntentPhase>> open)
    {
        head.CopyTo(_head);
        FinalCount = finalCount;
        LastFinalSequence = lastFinalSequence;
        _open.Clear();
        foreach (var p in open) _open[p.Key] = p.Value;
    }
}
