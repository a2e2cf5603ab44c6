// Design rationale (issue #22 §3, DESIGN.md §13): the journal lives in a JetStream stream with 3
// replicas, so losing the orchestrator's machine loses nothing a quorum acknowledged. Each message
// is one WAL record, byte for byte as a segment holds it (RecordFrame): the same sequence numbers
// (stream sequence = record sequence), the same entry hashes and chain, verified again on every
// read. Appends are serial, like the WAL's writer: record N+1 names record N's hash, and every
// publish carries "expected last sequence = N", so JetStream itself refuses a writer whose view is
// stale — a deposed leader (fencing) — and no two writers can interleave records. A publish
// whose ack is lost is retried with the same message id (JetStream's dedup answers with the first
// ack) and, past the stall budget, the append fails and the next one first reads what landed.
using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Intents;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Wal.Format;
using VibeSync.Wal.Reality;

namespace VibeSync.Cluster;

/// <summary>How a <see cref="JetStreamJournal"/> waits and whom it asks before writing.</summary>
public sealed record JetStreamJournalOptions
{
    /// <summary>
    /// How long one append may stall waiting for JetStream's acknowledgement (a stream-leader
    /// election takes seconds) before it fails; the journal keeps working once JetStream answers.
    /// </summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Asked before every append: completes when this node may write, throws
    /// <see cref="NotLeaderException"/> when it may not (its lease is lost). Null: no lease.
    /// </summary>
    public Func<CancellationToken, Task>? Fence { get; init; }

    /// <summary>
    /// Awaited before each entry is appended, outside the journal's one-at-a-time order (team mode
    /// copies the blobs the entry names into the object store, so nothing acknowledged names a blob
    /// only this node holds). It has <see cref="AckTimeout"/>; a failure fails that append (nothing
    /// is written), like an append JetStream did not acknowledge. Null: nothing.
    /// </summary>
    public Func<WalEntry, CancellationToken, Task>? BeforeAppend { get; init; }

    /// <summary>Awaited with a checkpoint's state before it is stored (team mode copies the blobs the seeded scene names first). Null: nothing.</summary>
    public Func<byte[], CancellationToken, Task>? BeforeCheckpoint { get; init; }
}

/// <summary>
/// The journal in a replicated JetStream stream: <see cref="IJournal"/> over NATS, with the WAL's
/// records and hash chain. An append completes once JetStream acknowledged the publish, which
/// means a quorum of the stream's replicas stored it (not that it was fsynced: docs/team.md).
/// </summary>
public sealed class JetStreamJournal : IJournal
{
    private readonly INatsJSContext _js;
    private readonly ClusterNames _names;
    private readonly JetStreamJournalOptions _options;
    private readonly INatsObjStore _checkpoints;
    private readonly RealityChain _reality = new();
    private readonly SemaphoreSlim _gate = new(1, 1); // one append or catch-up at a time, in journal order
    private ulong _last;
    private byte[] _lastHash = new byte[RecordFrame.HashSize];
    private ulong _maxIntentId;
    private long _records;
    private bool _uncertain;     // an append's fate is unknown (no ack): read what landed before the next
    private readonly HashSet<string> _unacknowledged = new(StringComparer.Ordinal); // entry hashes of publishes given up on
    private long _strangers;     // records applied that were not one of those
    private Exception? _failure; // permanent: another writer appended (this node is not the leader)
    private bool _closed;
    private CancellationTokenSource? _follow;
    private Task? _following;

    private JetStreamJournal(INatsJSContext js, ClusterNames names, JetStreamJournalOptions options, INatsObjStore checkpoints)
    {
        _js = js;
        _names = names;
        _options = options;
        _checkpoints = checkpoints;
        Recovery = Report(null, 0);
    }

    /// <summary>
    /// Opens the journal: creates the stream and the checkpoint store if absent (3 replicas, file
    /// storage), reads every record, verifying CRCs, entry hashes and the chain, and reports.
    /// </summary>
    /// <exception cref="WalCorruptException">A record does not verify or the chain is broken.</exception>
    public static async Task<JetStreamJournal> OpenAsync(INatsJSContext js, ClusterNames names, JetStreamJournalOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new JetStreamJournalOptions();
        var wait = options.AckTimeout * 2; // through a meta or stream leader election
        await Transient.RetryAsync(async ct => { await EnsureStreamAsync(js, names, ct).ConfigureAwait(false); return true; }, wait, cancellationToken).ConfigureAwait(false);
        var store = await Transient.RetryAsync(ct => new NatsObjContext(js).CreateObjectStoreAsync(
            new NatsObjConfig(names.CheckpointBucket) { NumberOfReplicas = names.Replicas, Storage = NatsObjStorageType.File }, ct).AsTask(), wait, cancellationToken).ConfigureAwait(false);
        var journal = new JetStreamJournal(js, names, options, store);
        await Transient.RetryAsync(async ct => { await journal.CatchUpAsync(ct).ConfigureAwait(false); return true; }, wait, cancellationToken).ConfigureAwait(false);
        await Transient.RetryAsync(async ct => { await journal.RefreshRecoveryAsync(ct).ConfigureAwait(false); return true; }, wait, cancellationToken).ConfigureAwait(false);
        return journal;
    }

    /// <summary>The stream the journal's records are in.</summary>
    public string Stream => _names.Stream;

    /// <inheritdoc />
    public RecoveryReport Recovery { get; private set; }

    /// <inheritdoc />
    public ulong LastSequence => Volatile.Read(ref _last);

    /// <inheritdoc />
    public string RealityHead { get { lock (_reality) return Hex.Encode(_reality.Head); } }

    /// <inheritdoc />
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <inheritdoc />
    public event Action<ulong, WalEntry>? Durable;

    /// <inheritdoc />
    public Task<WalAppendResult> AppendAsync(EncodedEntry encoded)
    {
        if (encoded.BodyBytes > WriteAheadLog.MaxEntryBytes) throw new WalEntryTooLargeException(encoded.BodyBytes, WriteAheadLog.MaxEntryBytes);
        return _options.BeforeAppend is null ? AppendInOrderAsync(encoded) : PrepareThenAppendAsync(encoded, _options.BeforeAppend);
    }

    private async Task<WalAppendResult> PrepareThenAppendAsync(EncodedEntry encoded, Func<WalEntry, CancellationToken, Task> before)
    {
        var clock = Stopwatch.StartNew();
        using (var budget = new CancellationTokenSource(_options.AckTimeout))
        {
            try { await before(encoded.Entry, budget.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is not OutOfMemoryException && e is not WalFailedException)
            {
                throw JournalErrors.Unavailable(clock.Elapsed, e);
            }
        }
        return await AppendInOrderAsync(encoded).ConfigureAwait(false);
    }

    private async Task<WalAppendResult> AppendInOrderAsync(EncodedEntry encoded)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed) throw new ObjectDisposedException(nameof(JetStreamJournal));
            if (_failure is { } failed) throw new WalFailedException("the JetStream journal refuses appends: " + failed.Message, failed);
            if (_follow != null) throw new NotLeaderException("this journal follows the stream as a standby; it does not write");
            var clock = Stopwatch.StartNew();
            using var budget = new CancellationTokenSource(_options.AckTimeout);
            try
            {
                if (_options.Fence is { } fence) await fence(budget.Token).ConfigureAwait(false);
                if (_uncertain)
                {
                    await CatchUpLockedAsync(budget.Token).ConfigureAwait(false);
                    _uncertain = false;
                }
            }
            catch (Exception e) when (e is OperationCanceledException && budget.IsCancellationRequested || Transient.Is(e))
            {
                throw JournalErrors.Unavailable(clock.Elapsed, e);
            }
            catch (NotLeaderException e)
            {
                throw Fail(e); // the lease is gone: fail-stop, as a deposed leader must
            }
            while (true)
            {
                ulong sequence = _last + 1;
                var frame = RecordFrame.Encode(encoded, sequence, _lastHash, out var hash);
                if (await PublishAsync(sequence, frame, hash, clock, budget.Token).ConfigureAwait(false)) return new WalAppendResult(sequence, hash);
                // Only this node's own unacknowledged records landed meanwhile: the entry goes after them.
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Publishes record <paramref name="sequence"/> until JetStream acknowledges it (true: applied), or
    /// finds that only records of this node's own earlier, unacknowledged appends landed before it
    /// (false: encode it again after them), or fails.
    /// </summary>
    private async Task<bool> PublishAsync(ulong sequence, byte[] frame, byte[] hash, Stopwatch clock, CancellationToken budget)
    {
        var options = new NatsJSPubOpts
        {
            MsgId = $"{_names.Stream}-{sequence}-{Hex.Encode(hash)[..24]}",
            ExpectedStream = _names.Stream,
            // 0 for the first record is checked too: 2.9.10 compares any value the header carries (measured);
            // JetStreamJournalTests' first-record tests keep that true for the server this runs on.
            ExpectedLastSequence = sequence - 1,
        };
        Exception? last = null;
        while (true)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(budget);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                var ack = await _js.PublishAsync(_names.Subject, frame, opts: options, cancellationToken: attempt.Token).ConfigureAwait(false);
                if (ack.Error is { } error) throw new NatsJSApiException(error);
                if (ack.Seq != sequence)
                    throw Fail(new WalFailedException($"JetStream stored record {sequence} as message {ack.Seq}: the stream is not this journal's; appends stop", null));
                Apply(sequence, frame);
                return true;
            }
            catch (NatsJSApiException e) when (e.Error.ErrCode == JournalErrors.WrongLastSequence)
            {
                // Either this very record landed on an attempt whose ack was lost, or someone else wrote.
                long strangers = _strangers;
                try { await CatchUpLockedAsync(budget).ConfigureAwait(false); }
                catch (Exception c) when (c is OperationCanceledException && budget.IsCancellationRequested || Transient.Is(c))
                {
                    _uncertain = true; // which it was is read before the next append, not guessed now
                    _unacknowledged.Add(Hex.Encode(hash));
                    throw JournalErrors.Unavailable(clock.Elapsed, c);
                }
                if (_last >= sequence && LandedHash(sequence).SequenceEqual(hash)) return true;
                // A publish given up on (no ack within the budget) may still land, after the next append's catch-up read
                // the stream: that is this node's own record, not another writer's.
                if (_last >= sequence && _strangers == strangers) return false;
                throw Fail(new NotLeaderException($"not the leader: another orchestrator appended to {_names.Stream} (it is at record {_last}, " +
                    $"this node expected {sequence - 1}); this node stops writing"));
            }
            catch (Exception e) when (e is not WalFailedException && e is not NotLeaderException && !budget.IsCancellationRequested)
            {
                last = e; // no responders, a timeout, a reconnect: JetStream is electing or a server is gone
                try { await Task.Delay(200, budget).ConfigureAwait(false); } catch (OperationCanceledException) { }
            }
            catch (Exception e) when (e is OperationCanceledException or NatsException && budget.IsCancellationRequested)
            {
                last = e;
            }
            if (budget.IsCancellationRequested)
            {
                _uncertain = true;
                _unacknowledged.Add(Hex.Encode(hash));
                throw JournalErrors.Unavailable(clock.Elapsed, last ?? new TimeoutException("no acknowledgement"));
            }
        }
    }

    private Exception Fail(Exception e)
    {
        Volatile.Write(ref _failure, e);
        return e is WalFailedException ? e : new WalFailedException(e.Message, e);
    }

    private byte[] _landedHash = Array.Empty<byte>();
    private ulong _landedAt;

    private byte[] LandedHash(ulong sequence) => _landedAt == sequence ? _landedHash : Array.Empty<byte>();

    /// <summary>Verifies and takes in the record at the journal's next sequence, then tells <see cref="Durable"/>.</summary>
    private void Apply(ulong sequence, byte[] frame)
    {
        var record = RecordFrame.Decode(frame, _last + 1, _lastHash, $"stream {_names.Stream} message {sequence}");
        lock (_reality) _reality.Apply(record.Sequence, record.Entry.IntentId, record.Entry.Phase, record.EntryHash);
        _lastHash = record.EntryHash;
        _maxIntentId = Math.Max(_maxIntentId, record.Entry.IntentId);
        _records++;
        if (!_unacknowledged.Remove(Hex.Encode(record.EntryHash))) _strangers++;
        _landedAt = sequence;
        _landedHash = record.EntryHash;
        Volatile.Write(ref _last, sequence);
        Durable?.Invoke(sequence, record.Entry);
    }

    /// <summary>Reads and applies every record the stream holds past this journal's last one.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false); }
        finally { _gate.Release(); }
    }

    private async Task CatchUpLockedAsync(CancellationToken cancellationToken)
    {
        var stream = await _js.GetStreamAsync(_names.Stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        ulong end = stream.Info.State.LastSeq;
        if (end > _last) await ReadAsync(_last + 1, end, Apply, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads messages <paramref name="from"/>..<paramref name="to"/> of the stream in order.</summary>
    private async Task ReadAsync(ulong from, ulong to, Action<ulong, byte[]> each, CancellationToken cancellationToken)
    {
        var consumer = await _js.CreateOrderedConsumerAsync(_names.Stream, new NatsJSOrderedConsumerOpts
        {
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = from,
        }, cancellationToken).ConfigureAwait(false);
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ulong sequence = message.Metadata?.Sequence.Stream ?? throw new InvalidOperationException("a JetStream message without metadata");
            each(sequence, message.Data ?? Array.Empty<byte>());
            if (sequence >= to) break;
        }
    }

    /// <inheritdoc />
    public async Task WriteCheckpointAsync(ulong sequence, byte[] state)
    {
        if (sequence == 0 || sequence > LastSequence)
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"a checkpoint needs a durable sequence (1..{LastSequence})");
        if (_options.BeforeCheckpoint is { } before)
        {
            using var budget = new CancellationTokenSource(_options.AckTimeout);
            await before(state, budget.Token).ConfigureAwait(false);
        }
        var bytes = new byte[8 + state.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, sequence);
        state.CopyTo(bytes, 8);
        await _checkpoints.PutAsync(CheckpointName, bytes).ConfigureAwait(false);
    }

    private const string CheckpointName = "reality";

    /// <summary>Recomputes <see cref="Recovery"/> from the records read so far and the newest checkpoint.</summary>
    public async Task RefreshRecoveryAsync(CancellationToken cancellationToken = default)
    {
        var (at, state) = await ReadCheckpointAsync(cancellationToken).ConfigureAwait(false);
        Recovery = at > 0 ? Report(state, at) : Report(null, 0);
    }

    /// <summary>The checkpoint in the store, if it covers only records this journal has read (else sequence 0).</summary>
    private async Task<(ulong Sequence, byte[] State)> ReadCheckpointAsync(CancellationToken cancellationToken)
    {
        byte[]? saved = null;
        try { saved = await _checkpoints.GetBytesAsync(CheckpointName, cancellationToken).ConfigureAwait(false); }
        catch (NatsObjNotFoundException) { }
        ulong at = saved is { Length: >= 8 } ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(saved) : 0;
        return at > 0 && at <= LastSequence ? (at, saved![8..]) : (0, Array.Empty<byte>());
    }

    private RecoveryReport Report(byte[]? state, ulong checkpointSequence)
    {
        lock (_reality)
            return new RecoveryReport(_records, _last, null, _reality.ToRollBack.ToList(),
                _reality.Open.Where(p => p.Value == IntentPhase.Pending).Select(p => p.Key).ToList(), Hex.Encode(_reality.Head),
                _reality.FinalCount, 0, _maxIntentId, checkpointSequence, state);
    }

    /// <inheritdoc />
    public IReadOnlyList<WalRecord> ReadAll() => LastSequence == 0 ? Array.Empty<WalRecord>() : Task.Run(ReadAllAsync).GetAwaiter().GetResult();

    /// <summary>Every record from the first to <see cref="LastSequence"/>, chain verified.</summary>
    /// <exception cref="WalCorruptException">A record does not verify or the chain is broken.</exception>
    public Task<IReadOnlyList<WalRecord>> ReadAllAsync() => ReadRangeAsync(0, LastSequence);

    /// <inheritdoc />
    public IReadOnlyList<WalRecord> ReadRange(ulong after, ulong through) => Task.Run(() => ReadRangeAsync(after, through)).GetAwaiter().GetResult();

    /// <summary>
    /// The records after <paramref name="after"/> through <paramref name="through"/> (at most
    /// <see cref="LastSequence"/>); record <paramref name="after"/> is read too, checked, and anchors the chain.
    /// </summary>
    /// <exception cref="WalCorruptException">A record does not verify or the chain is broken.</exception>
    public async Task<IReadOnlyList<WalRecord>> ReadRangeAsync(ulong after, ulong through)
    {
        var records = new List<WalRecord>();
        through = Math.Min(through, LastSequence);
        if (through <= after) return records;
        var parent = new byte[RecordFrame.HashSize];
        ulong next = after == 0 ? 1 : after;
        using var timeout = new CancellationTokenSource(_options.AckTimeout * 3);
        await ReadAsync(next, through, (sequence, frame) =>
        {
            string where = $"stream {_names.Stream} message {sequence}";
            var record = next == after ? RecordFrame.DecodeAnchor(frame, next, where) : RecordFrame.Decode(frame, next, parent, where);
            parent = record.EntryHash;
            if (next++ > after) records.Add(record);
        }, timeout.Token).ConfigureAwait(false);
        return records;
    }

    /// <inheritdoc />
    public JournalCheckpoint? NewestCheckpoint() => Task.Run(async () =>
    {
        var saved = await ReadCheckpointAsync(CancellationToken.None).ConfigureAwait(false);
        return saved.Sequence > 0 ? new JournalCheckpoint(saved.Sequence, saved.State) : null;
    }).GetAwaiter().GetResult();

    /// <summary>
    /// Standby: applies every record other writers append, as they arrive (the journal index and
    /// Reality's head stay current), until <see cref="StopFollowingAsync"/>. Appends are refused meanwhile.
    /// </summary>
    public void StartFollowing()
    {
        _follow = new CancellationTokenSource();
        var token = _follow.Token;
        _following = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await _gate.WaitAsync(token).ConfigureAwait(false);
                    try { await CatchUpLockedAsync(token).ConfigureAwait(false); }
                    finally { _gate.Release(); }
                    await Task.Delay(100, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested) { }
                catch (WalCorruptException e) { Fail(e); return; }
                catch (Exception) { await Task.Delay(500, CancellationToken.None).ConfigureAwait(false); } // JetStream unavailable: try again
            }
        });
    }

    /// <summary>Stops following, reads the tail and recomputes <see cref="Recovery"/>: the journal may then write.</summary>
    public async Task StopFollowingAsync(CancellationToken cancellationToken = default)
    {
        if (_follow is { } follow)
        {
            await follow.CancelAsync().ConfigureAwait(false);
            try { await _following!.ConfigureAwait(false); } catch (OperationCanceledException) { }
            _follow = null;
            follow.Dispose();
        }
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        await RefreshRecoveryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the journal's stream if it does not exist (3 replicas, file storage, no deletes or purges).</summary>
    internal static async Task EnsureStreamAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken)
    {
        var config = new StreamConfig(names.Stream, new[] { names.Subject })
        {
            NumReplicas = names.Replicas,
            Storage = StreamConfigStorage.File,
            DenyDelete = true,
            DenyPurge = true,
            DuplicateWindow = TimeSpan.FromMinutes(2),
        };
        try { await js.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false); }
        catch (NatsJSApiException e) when (e.Error.ErrCode == 10058) { } // already exists (with another config): use it as it is
    }

    /// <summary>Waits for an append in flight, then refuses further ones. The connection is the caller's.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_follow is { } follow)
        {
            await follow.CancelAsync().ConfigureAwait(false);
            try { await _following!.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        await _gate.WaitAsync().ConfigureAwait(false);
        _closed = true;
        _gate.Release();
    }
}
