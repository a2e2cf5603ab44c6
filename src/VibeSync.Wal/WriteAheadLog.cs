// Design rationale: one writer thread owns the file. Appenders encode their entry bodies on their
// own threads (the expensive, parallel part), queue them, and wait; the writer takes everything
// queued, assigns sequence numbers and chain hashes (the serial part), writes it with one pwrite
// and makes it durable with one fsync, and only then completes the appenders' tasks. So one fsync
// covers every append that was waiting for it (group commit), and nothing is acknowledged before
// it is on disk. A dedicated thread rather than the thread pool, because fsync blocks.
using VibeSync.Protocol.Hashing;
using VibeSync.Wal.Checkpoints;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;
using VibeSync.Wal.Format;
using VibeSync.Wal.Reality;
using VibeSync.Wal.Recovery;
using VibeSync.Wal.Storage;

namespace VibeSync.Wal;

/// <summary>
/// VibeSync's write-ahead log: append-only, hash-chained, CRC-framed records in preallocated
/// segment files; an append completes only once it is durable; crash recovery on open.
/// </summary>
public sealed class WriteAheadLog : IJournal, IDisposable
{
    private readonly string _directory;
    private readonly WalOptions _options;
    private readonly WalFileSystem _fs;
    private readonly object _gate = new();
    private readonly Thread _writer;
    private readonly RealityChain _reality;

    private List<PendingAppend> _queue = new();
    private List<PendingAppend> _draining = new();
    private bool _closing;
    private Exception? _failure;

    // Owned by the writer thread after Open.
    private SegmentFile _segment;
    private ulong _segmentNumber;
    private long _writeOffset;
    private long _segmentLength;
    private Task<SegmentFile>? _spare;   // the next segment's file, preallocated and fsynced off the writer's path
    private ulong _spareNumber;
    private ulong _nextSequence;
    private byte[] _lastHash;
    private byte[] _buffer = new byte[64 * 1024];
    private long _durableSequence;

    private WriteAheadLog(string directory, WalOptions options, ScanResult scan, SegmentFile segment, ulong segmentNumber,
        long writeOffset, RecoveryReport report)
    {
        _directory = directory;
        _options = options;
        _fs = options.FileSystem;
        _reality = scan.Reality;
        _segment = segment;
        _segmentNumber = segmentNumber;
        _writeOffset = writeOffset;
        _segmentLength = segment.Length;
        _nextSequence = scan.LastSequence + 1;
        _durableSequence = (long)scan.LastSequence;
        _lastHash = (byte[])scan.LastEntryHash.Clone();
        Recovery = report;
        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "vibesync-wal-writer" };
        _writer.Start();
    }

    /// <summary>The directory holding the segment files.</summary>
    public string Directory => _directory;

    /// <summary>What opening the log found: torn tail cut, intents to roll back, Reality head.</summary>
    public RecoveryReport Recovery { get; }

    /// <summary>Sequence of the last durable record.</summary>
    public ulong LastSequence => (ulong)Interlocked.Read(ref _durableSequence);

    /// <summary>Head of the FINAL chain after every durable record, hex.</summary>
    public string RealityHead { get { lock (_reality) return Hex.Encode(_reality.Head); } }

    /// <summary>Why the log stopped accepting appends, if it did.</summary>
    public Exception? Failure { get { lock (_gate) return _failure; } }

    /// <summary>
    /// Opens (creating if needed) the log in <paramref name="directory"/> and recovers it: a torn
    /// tail of the last segment is cut (and reported); corruption anywhere else refuses to open.
    /// </summary>
    /// <exception cref="WalCorruptException">Corruption or a broken chain; nothing was changed.</exception>
    public static WriteAheadLog Open(string directory, WalOptions? options = null)
    {
        options ??= new WalOptions();
        options.Validate();
        var fs = options.FileSystem;
        directory = Path.GetFullPath(directory);
        if (fs.EnsurePrivateDirectory(directory)) fs.SyncDirectory(Path.GetDirectoryName(directory)!);
        foreach (var leftover in System.IO.Directory.EnumerateFiles(directory, "*" + SegmentNames.TempExtension))
            fs.Delete(leftover); // a roll that crashed before its rename: never part of the log

        var checkpoint = Checkpoint.Latest(directory);
        var scan = LogScanner.Scan(directory, null, fs, checkpoint);
        if (scan.Corruption != null) throw new WalCorruptException(scan.Corruption);

        SegmentFile segment;
        ulong number;
        long offset;
        if (scan.Segments == 0)
        {
            number = 1;
            segment = CreateSegment(directory, fs, number, 1, new byte[RecordLayout.HashSize], options.SegmentSize);
            offset = RecordLayout.SegmentHeaderSize;
        }
        else
        {
            number = scan.LastSegment;
            segment = fs.OpenExisting(SegmentNames.PathOf(directory, number), writable: true);
            offset = scan.WriteOffset;
            if (scan.Torn is { } torn)
            {
                // Cut the tail: zero what the unacknowledged write left, restore the preallocated size.
                long end = Math.Min(segment.Length, torn.Offset + torn.Bytes);
                if (end > torn.Offset) segment.Write(new byte[end - torn.Offset], torn.Offset);
            }
            if (segment.Length < options.SegmentSize)
                segment.SetLength(options.SegmentSize); // a file cut short (copied, truncated) gets its preallocation back
            if (scan.Torn != null || segment.Length != options.SegmentSize) segment.Flush();
        }

        var report = new RecoveryReport(scan.Records, scan.LastSequence, scan.Torn, scan.Reality.ToRollBack.ToList(),
            scan.Reality.Open.Where(p => p.Value == IntentPhase.Pending).Select(p => p.Key).ToList(),
            Hex.Encode(scan.Reality.Head), scan.Reality.FinalCount, Math.Max(scan.Segments, 1), scan.MaxIntentId,
            checkpoint?.Sequence ?? 0, checkpoint?.State);
        return new WriteAheadLog(directory, options, scan, segment, number, offset, report);
    }

    /// <summary>
    /// The most bytes an entry's body may take: a record is one intent, and the log refuses a
    /// larger one (<see cref="WalEntryTooLargeException"/>) rather than write it.
    /// </summary>
    public const int MaxEntryBytes = RecordLayout.MaxPayload - RecordLayout.PayloadOverhead;

    /// <summary>
    /// Encodes <paramref name="entry"/>'s body once, so a caller can see its size (against
    /// <see cref="MaxEntryBytes"/>, or a budget of its own) before appending it.
    /// </summary>
    /// <exception cref="ArgumentException">The operation is not valid JSON.</exception>
    public static EncodedEntry Encode(WalEntry entry) => new(entry, EntryBody.Encode(entry));

    /// <summary>
    /// Told of every record once it is durable, in log order, before its appender hears of it:
    /// an index kept as the log is written (the journal reads of the control API). Runs on the
    /// log's writer thread, so it must be quick and must not append.
    /// </summary>
    public event Action<ulong, WalEntry>? Durable;

    /// <summary>
    /// Appends <paramref name="entry"/>. The task completes once the record is durable (written
    /// and fsynced, together with every other append that was waiting), never before.
    /// </summary>
    /// <exception cref="WalEntryTooLargeException">Its body is over <see cref="MaxEntryBytes"/>; nothing was appended.</exception>
    /// <exception cref="WalFailedException">The log stopped after an I/O error (fail-stop).</exception>
    /// <exception cref="ObjectDisposedException">The log is closed.</exception>
    public Task<WalAppendResult> AppendAsync(WalEntry entry) => AppendAsync(Encode(entry));

    /// <summary>Appends an entry encoded with <see cref="Encode"/>; as <see cref="AppendAsync(WalEntry)"/>.</summary>
    /// <exception cref="WalEntryTooLargeException">Its body is over <see cref="MaxEntryBytes"/>; nothing was appended.</exception>
    /// <exception cref="WalFailedException">The log stopped after an I/O error (fail-stop).</exception>
    /// <exception cref="ObjectDisposedException">The log is closed.</exception>
    public Task<WalAppendResult> AppendAsync(EncodedEntry encoded)
    {
        var (entry, body) = (encoded.Entry, encoded.Body);
        if (body.Length > MaxEntryBytes) throw new WalEntryTooLargeException(body.Length, MaxEntryBytes);
        var pending = new PendingAppend(entry, body);
        lock (_gate)
        {
            if (_failure != null) throw new WalFailedException("the write-ahead log stopped after an I/O error: " + _failure.Message, _failure);
            if (_closing) throw new ObjectDisposedException(nameof(WriteAheadLog));
            _queue.Add(pending);
            if (_queue.Count == 1) Monitor.Pulse(_gate);
        }
        return pending.Completion.Task;
    }

    /// <summary>
    /// Records that <paramref name="state"/> (the caller's Reality, opaque to the log) reflects every
    /// record up to <paramref name="sequence"/>, a durable position. The next open starts from the
    /// newest checkpoint: it reads only the segments from there on, which bounds start-up time.
    /// The log's own bookkeeping at that sequence is recomputed from the previous checkpoint on a
    /// pool thread, so appends carry on meanwhile.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The sequence is 0 or not durable yet.</exception>
    public Task<Checkpoint> WriteCheckpointAsync(ulong sequence, byte[] state)
    {
        if (sequence == 0 || sequence > LastSequence)
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"a checkpoint needs a durable sequence (1..{LastSequence})");
        return Task.Run(() =>
        {
            var previous = Checkpoint.Latest(_directory);
            if (previous != null && previous.Sequence > sequence) previous = null;
            var scan = LogScanner.Scan(_directory, null, _fs, previous, stopAfter: sequence);
            if (scan.Corruption != null) throw new WalCorruptException(scan.Corruption);
            if (scan.LastSequence != sequence) throw new InvalidOperationException($"sequence {sequence} was not found in the log");
            var checkpoint = new Checkpoint(sequence, scan.LastEntryHash, scan.Reality.Head.ToArray(), scan.Reality.FinalCount,
                scan.Reality.LastFinalSequence, scan.MaxIntentId, scan.Reality.Open.ToList(), state);
            checkpoint.Save(_directory, _fs);
            return checkpoint;
        });
    }

    /// <summary>
    /// Deletes the segments whose every record is covered by the newest checkpoint, up to the first
    /// that holds an entry of an intent still open at it; everything else is kept as evidence.
    /// Returns the deleted segment files. Safe while the log is open: the writer only ever touches
    /// the last segment, and a checkpoint is never past it.
    /// </summary>
    /// <exception cref="WalCorruptException">A segment it would delete is corrupt; nothing was deleted.</exception>
    public static IReadOnlyList<string> Compact(string directory) => Compact(directory, out _);

    /// <summary>
    /// As <see cref="Compact(string)"/>; <paramref name="keptFor"/> names the open intent whose entry
    /// stopped it early (null when the checkpoint's reach did).
    /// </summary>
    /// <exception cref="WalCorruptException">A segment it would delete is corrupt; nothing was deleted.</exception>
    public static IReadOnlyList<string> Compact(string directory, out CompactionHold? keptFor)
    {
        keptFor = null;
        var checkpoint = Checkpoint.Latest(directory);
        var deleted = new List<string>();
        if (checkpoint is null) return deleted;
        var segments = SegmentNames.List(directory);
        var header = new byte[RecordLayout.SegmentHeaderSize];
        int covered = 0; // segments [0, covered) hold only records at or before the checkpoint
        ulong lastCovered = 0;
        for (int i = 0; i + 1 < segments.Count; i++)
        {
            // Segment i holds sequences [first(i), first(i+1)); it is covered once first(i+1) − 1 ≤ checkpoint.
            using var next = WalFileSystem.Os.OpenExisting(SegmentNames.PathOf(directory, segments[i + 1]), writable: false);
            if (RandomAccess.Read(next.Handle, header, 0) != header.Length || !SegmentHeader.TryRead(header, out var h, out _)) break;
            if (h.FirstSequence - 1 > checkpoint.Sequence) break;
            covered = i + 1;
            lastCovered = h.FirstSequence - 1;
        }
        if (covered > 0 && checkpoint.OpenIntents.Count > 0 && HeldBy(directory, checkpoint, lastCovered) is { } hold)
        {
            // Start-up recovery restores a PENDING intent from its own entry (its operations); the
            // checkpoint keeps only its id. So its entry, and everything after it, stays.
            keptFor = hold;
            covered = segments.IndexOf(hold.Segment);
        }
        for (int i = 0; i < covered; i++)
        {
            var path = SegmentNames.PathOf(directory, segments[i]);
            File.Delete(path);
            deleted.Add(path);
        }
        if (deleted.Count > 0) WalFileSystem.Os.SyncDirectory(directory);
        return deleted;
    }

    /// <summary>The oldest entry through <paramref name="through"/> of an intent open at <paramref name="checkpoint"/>, if any.</summary>
    private static CompactionHold? HeldBy(string directory, Checkpoint checkpoint, ulong through)
    {
        var open = checkpoint.OpenIntents.ToDictionary(p => p.Key, p => p.Value);
        CompactionHold? oldest = null;
        var scan = LogScanner.Scan(directory, (ReadOnlySpan<byte> _, in RecordCodec.Header h, ulong segment, long _) =>
        {
            if (oldest is null && open.TryGetValue(h.IntentId, out var phase)) oldest = new CompactionHold(h.IntentId, phase, h.Sequence, segment);
        }, stopAfter: through);
        if (scan.Corruption is { } bad) throw new WalCorruptException(bad); // what it cannot read, it cannot judge unneeded
        return oldest;
    }

    Task IJournal.WriteCheckpointAsync(ulong sequence, byte[] state) => WriteCheckpointAsync(sequence, state);

    IReadOnlyList<WalRecord> IJournal.ReadAll() => LastSequence > 0 ? ReadAll(_directory, out _) : Array.Empty<WalRecord>();

    JournalCheckpoint? IJournal.NewestCheckpoint() => Checkpoint.Latest(_directory) is { } c ? new JournalCheckpoint(c.Sequence, c.State) : null;

    IReadOnlyList<WalRecord> IJournal.ReadRange(ulong after, ulong through)
    {
        var records = ReadThrough(_directory, after, Math.Min(through, LastSequence), out var scan);
        if (scan.Corruption is { } bad) throw new WalCorruptException(bad);
        return records;
    }

    /// <summary>Reads every good record of a log directory without opening it for writing.</summary>
    public static IReadOnlyList<WalRecord> ReadAll(string directory, out ScanResult scan)
    {
        var records = new List<WalRecord>();
        scan = LogScanner.Scan(directory, (ReadOnlySpan<byte> r, in RecordCodec.Header h, ulong s, long o) => records.Add(LogScanner.Decode(r, h, s, o)));
        return records;
    }

    /// <summary>
    /// Reads the good records after sequence <paramref name="after"/> through <paramref name="through"/>,
    /// scanning (and checking) the log from the segment that holds record <paramref name="after"/> + 1
    /// (segments before it are not read: the chain is anchored by that segment header's parent hash,
    /// as the oldest segment's is after compaction) and stopping at <paramref name="through"/>: what
    /// replaying Reality up to one entry, or reading what was appended since a sequence, costs.
    /// </summary>
    public static IReadOnlyList<WalRecord> ReadThrough(string directory, ulong after, ulong through, out ScanResult scan)
    {
        var records = new List<WalRecord>();
        scan = LogScanner.Scan(directory, (ReadOnlySpan<byte> r, in RecordCodec.Header h, ulong s, long o) =>
        {
            if (h.Sequence > after) records.Add(LogScanner.Decode(r, h, s, o)); // only what is read for is decoded
        }, stopAfter: through, startNear: after + 1);
        return records;
    }

    /// <summary>Checks a log directory without changing it (what <c>vibesync wal verify</c> does).</summary>
    public static ScanResult Verify(string directory) =>
        LogScanner.Scan(directory, null, from: Checkpoint.Latest(directory), everySegment: true);

    private void WriterLoop()
    {
        while (true)
        {
            List<PendingAppend> batch;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_closing) Monitor.Wait(_gate);
                if (_queue.Count == 0) return;
                batch = _queue;
                _queue = _draining;
                _draining = batch;
            }
            try
            {
                if (Failure is { } failed) throw failed;
                Commit(batch);
            }
            catch (Exception e)
            {
                Exception failure;
                lock (_gate)
                {
                    _failure ??= e;
                    failure = new WalFailedException("write-ahead log append failed; the log refuses further appends: " + _failure.Message, _failure);
                    foreach (var p in _queue) p.Completion.TrySetException(failure);
                    _queue.Clear();
                }
                foreach (var p in batch) p.Completion.TrySetException(failure);
            }
            batch.Clear();
        }
    }

    /// <summary>Writes the batch in chunks of at most MaxBatchBytes, each made durable by one fsync.</summary>
    private void Commit(List<PendingAppend> batch)
    {
        int i = 0;
        var hashes = new byte[batch.Count][];
        while (i < batch.Count)
        {
            int start = i, used = 0;
            ulong batchStart = _nextSequence;
            while (i < batch.Count)
            {
                int size = RecordLayout.RecordSize(batch[i].Body.Length);
                if (used > 0 && used + size > _options.MaxBatchBytes) break;
                if (_writeOffset + used + size > _segmentLength)
                {
                    if (used > 0) break;      // write what we have first; roll on the next chunk
                    Roll(size);
                    batchStart = _nextSequence;
                }
                if (_buffer.Length < used + size) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, used + size));
                var e = batch[i].Entry;
                hashes[i] = new byte[RecordLayout.HashSize];
                RecordCodec.Write(_buffer.AsSpan(used, size), batch[i].Body, e.Phase, _nextSequence, batchStart,
                    e.IntentId, e.TimestampMs, _lastHash, hashes[i]);
                _lastHash = hashes[i];
                _nextSequence++;
                used += size;
                i++;
            }
            _segment.Write(_buffer.AsSpan(0, used), _writeOffset);
            _segment.Flush();
            _writeOffset += used;
            if (_spare == null && _writeOffset > _segmentLength / 2) PrepareSpare();

            // Durable from here on: account for it, then release the appenders.
            ulong sequence = batchStart;
            lock (_reality)
                for (int k = start; k < i; k++, sequence++)
                    _reality.Apply(sequence, batch[k].Entry.IntentId, batch[k].Entry.Phase, hashes[k]);
            Interlocked.Exchange(ref _durableSequence, (long)(sequence - 1));
            if (Durable is { } durable)
            {
                sequence = batchStart;
                for (int k = start; k < i; k++, sequence++) durable(sequence, batch[k].Entry);
            }
            sequence = batchStart;
            for (int k = start; k < i; k++, sequence++)
                batch[k].Completion.TrySetResult(new WalAppendResult(sequence, hashes[k]));
        }
    }

    /// <summary>
    /// Starts making the next segment's file in the background once this one is half full:
    /// preallocating and fsyncing it are the slow part of a roll (issue #20 §4), and need neither
    /// the next sequence nor the chain's hash. It stays a temp file, which recovery deletes, until
    /// the roll writes its header and renames it.
    /// </summary>
    private void PrepareSpare()
    {
        ulong number = _segmentNumber + 1;
        long size = _options.SegmentSize;
        string temp = TempPathOf(_directory, number);
        var fs = _fs;
        _spareNumber = number;
        _spare = Task.Run(() =>
        {
            var file = Preallocate(fs, temp, SegmentNames.PathOf(_directory, number), size);
            try { file.Flush(); return file; }
            catch { file.Dispose(); TryDelete(fs, temp); throw; }
        });
    }

    /// <summary>The prepared spare when it is the segment wanted and big enough; else null (and it is dropped).</summary>
    private SegmentFile? TakeSpare(ulong number, long size)
    {
        if (_spare is not { } spare) return null;
        _spare = null;
        SegmentFile file;
        try { file = spare.GetAwaiter().GetResult(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; } // the roll tries again itself and reports what fails
        if (_spareNumber == number && file.Length >= size) return file;
        file.Dispose();
        TryDelete(_fs, TempPathOf(_directory, _spareNumber));
        return null;
    }

    private static string TempPathOf(string directory, ulong number) => Path.ChangeExtension(SegmentNames.PathOf(directory, number), SegmentNames.TempExtension);

    /// <summary>Closes the current segment and starts the next: tmp file, preallocate (usually done already, <see cref="PrepareSpare"/>), header, fsync, rename, fsync dir.</summary>
    private void Roll(int needed)
    {
        ulong next = _segmentNumber + 1;
        long size = Math.Max(_options.SegmentSize, RecordLayout.SegmentHeaderSize + (long)needed);
        var file = TakeSpare(next, size) is { } spare
            ? Seal(_directory, _fs, spare, next, _nextSequence, _lastHash)
            : CreateSegment(_directory, _fs, next, _nextSequence, _lastHash, size);
        _segment.Dispose();
        _segment = file;
        _segmentNumber = next;
        _segmentLength = file.Length;
        _writeOffset = RecordLayout.SegmentHeaderSize;
    }

    private static SegmentFile CreateSegment(string directory, WalFileSystem fs, ulong number, ulong firstSequence, byte[] parentHash, long size) =>
        Seal(directory, fs, Preallocate(fs, TempPathOf(directory, number), SegmentNames.PathOf(directory, number), size), number, firstSequence, parentHash);

    private static SegmentFile Preallocate(WalFileSystem fs, string temp, string final, long size)
    {
        try
        {
            return fs.CreatePreallocated(temp, size);
        }
        catch (IOException e)
        {
            TryDelete(fs, temp);
            throw new IOException($"cannot preallocate WAL segment {final} ({size} bytes): {e.Message}", e);
        }
    }

    /// <summary>Makes a preallocated temp file segment <paramref name="number"/>: header, fsync, rename, fsync the directory.</summary>
    private static SegmentFile Seal(string directory, WalFileSystem fs, SegmentFile file, ulong number, ulong firstSequence, byte[] parentHash)
    {
        string final = SegmentNames.PathOf(directory, number);
        string temp = Path.ChangeExtension(final, SegmentNames.TempExtension);
        try
        {
            var header = new byte[RecordLayout.SegmentHeaderSize];
            new SegmentHeader(number, firstSequence, parentHash).Write(header);
            file.Write(header, 0);
            file.Flush();
            fs.Rename(temp, final);
            fs.SyncDirectory(directory);
            return file;
        }
        catch
        {
            file.Dispose();
            TryDelete(fs, temp);
            throw;
        }
    }

    private static void TryDelete(WalFileSystem fs, string path)
    {
        try { fs.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Completes every queued append, then closes the files.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closing) return;
            _closing = true;
            Monitor.PulseAll(_gate);
        }
        _writer.Join();
        _segment.Dispose();
        if (_spare is { } spare) // never sealed: a temp file, which is no part of the log
        {
            try { spare.GetAwaiter().GetResult().Dispose(); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            TryDelete(_fs, TempPathOf(_directory, _spareNumber));
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class PendingAppend
    {
        public PendingAppend(WalEntry entry, byte[] body) { Entry = entry; Body = body; }
        public WalEntry Entry { get; }
        public byte[] Body { get; }
        public TaskCompletionSource<WalAppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
