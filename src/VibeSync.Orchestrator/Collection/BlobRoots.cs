// Design rationale (issue #17 item 1, docs/protocol.md §12.3): a blob may be collected only when
// nothing that can still be used names it: Reality, the newest checkpoint (what a restart starts
// from), every journal entry the log still holds (replayed over the checkpoint, pending intents
// restored from it), the uploads agents may still name, and every git snapshot (pinned). Names are
// found as JSON string values that are blob names: old and new record forms alike, and a value that
// only looks like one (a based_on hash) keeps at most a blob that happens to bear that name.
using System.Text;
using System.Text.Json;
using VibeSync.Protocol.Blobs;
using VibeSync.Wal;
using VibeSync.Wal.Checkpoints;

namespace VibeSync.Orchestrator.Collection;

/// <summary>The blobs that must not be collected, as the files of a data directory name them.</summary>
public static class BlobRoots
{
    /// <summary>How young a blob nothing names yet is kept anyway: it may belong to an intent or a link message about to be journaled.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    /// <summary>Every blob id named in a JSON text (its string values that are blob names); malformed JSON names what it holds up to where it breaks.</summary>
    public static void AddNamedIn(ReadOnlySpan<byte> json, ISet<string> into)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length == 64 && reader.GetString() is { } s && BlobId.IsValid(s)) into.Add(s);
        }
        catch (JsonException) { }
    }

    /// <summary>
    /// The roots in <paramref name="dataDirectory"/>'s files: the newest checkpoint's scene, every
    /// entry the log holds (those after the checkpoint, and older ones until <c>wal compact</c>
    /// removes their segments), and the snapshot pins. For <c>vibesync blobs collect</c>, with no serve running.
    /// </summary>
    public static HashSet<string> InFiles(string dataDirectory, PinnedBlobs pins)
    {
        var wal = Path.Combine(dataDirectory, "wal");
        return Directory.Exists(wal)
            ? Of(Checkpoint.Latest(wal)?.State, WriteAheadLog.ReadAll(wal, out _), pins)
            : Of(null, Array.Empty<Wal.Entries.WalRecord>(), pins);
    }

    /// <summary>
    /// The roots in serve's journal, whichever stands behind <see cref="IJournal"/> (the local WAL or,
    /// in team mode, the JetStream stream, where DIR/wal does not exist): its newest checkpoint, every
    /// record it holds (read through <paramref name="named"/>, which reads only what was appended
    /// since its last read), and the snapshot pins.
    /// </summary>
    public static HashSet<string> InJournal(IJournal journal, PinnedBlobs pins, JournalRoots named) =>
        WithCheckpointAndPins(named.Refresh(journal), journal.NewestCheckpoint()?.State, pins);

    /// <summary>Every blob id one journal record names (in its operations).</summary>
    public static void AddNamedIn(Wal.Entries.WalRecord record, ISet<string> into)
    {
        if (record.Entry.OperationJson is { } json) AddNamedIn(Encoding.UTF8.GetBytes(json), into);
    }

    private static HashSet<string> Of(byte[]? checkpoint, IReadOnlyList<Wal.Entries.WalRecord> records, PinnedBlobs pins)
    {
        var roots = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in records) AddNamedIn(record, roots);
        return WithCheckpointAndPins(roots, checkpoint, pins);
    }

    private static HashSet<string> WithCheckpointAndPins(HashSet<string> roots, byte[]? checkpoint, PinnedBlobs pins)
    {
        if (checkpoint != null) AddNamedIn(checkpoint, roots);
        roots.UnionWith(pins.Ids);
        return roots;
    }
}
