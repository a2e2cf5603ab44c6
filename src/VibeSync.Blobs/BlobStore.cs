// Design rationale (DESIGN §11, issue #17): heavy content lives beside the WAL as files named by
// their blob ID, and a blob is on disk — written, fsynced, renamed into place, its directory
// fsynced — before the put returns, so any journal entry that names it can be acknowledged after.
// A put verifies the name against the bytes: the store never holds a blob under a wrong name, so a
// reader that trusts the name trusts the content. Collection removes only what nothing reachable
// names, and never a young blob (it may belong to an intent being journaled right now).
//
//   DIR/blobs/                    0700
//     3d/3d93f9…(64 hex)          0600  one blob: "VSB1" ‖ 11-byte blob header (docs/protocol.md §12) ‖ payload
//     .incoming/                  0700  files being written (a crash leaves them; collection removes them)
//     .partial/<id>               0600  a blob arriving over the link, as far as it came ("VSB1" ‖ header ‖ prefix):
//                                       the next transfer of it resumes there; completed, it is renamed into place
using System.Buffers.Binary;
using VibeSync.Protocol.Blobs;
using VibeSync.Wal.Storage;

namespace VibeSync.Blobs;

/// <summary>What a collection did.</summary>
/// <param name="Kept">Blobs left in place (reachable, or younger than the grace period).</param>
/// <param name="Removed">Blobs removed.</param>
/// <param name="BytesFreed">Their bytes.</param>
public sealed record Collection(int Kept, int Removed, long BytesFreed);

/// <summary>
/// The content-addressed store of blobs under a data directory. Thread-safe: puts of the same
/// blob race harmlessly (the same bytes land under the same name).
/// </summary>
public sealed class BlobStore : IBlobStore, IBlobShapes, IBlobPrefixes, IBlobIndexBounds
{
    /// <summary>Index bounds remembered at most; beyond, the memo starts afresh (it only saves reads).</summary>
    private const int MaxIndexBounds = 4096;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, uint> _indexBounds = new(StringComparer.Ordinal);
    private static readonly byte[] Magic = "VSB1"u8.ToArray();
    private const int FileHeader = 4 + BlobId.HeaderSize;
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _incoming;
    private readonly string _partial;
    private readonly HashSet<string> _arriving = new(StringComparer.Ordinal); // blobs a transfer is writing to .partial now
    private readonly Dictionary<string, BlobArrival> _arrivals = new(StringComparer.Ordinal); // their progress, for forwarding (under _arriving's lock)
    private readonly object _collecting = new(); // a put that finds its blob held refreshes it under this; collection decides each blob under it

    private BlobStore(string directory)
    {
        Directory = directory;
        _incoming = Path.Combine(directory, ".incoming");
        _partial = Path.Combine(directory, ".partial");
    }

    /// <summary>The store's directory.</summary>
    public string Directory { get; }

    /// <summary>Opens (creating it 0700 if needed) the store in <paramref name="directory"/>.</summary>
    public static BlobStore Open(string directory)
    {
        var store = new BlobStore(directory);
        CreateDirectory(directory);
        CreateDirectory(store._incoming);
        CreateDirectory(store._partial);
        return store;
    }

    /// <summary>The file a blob lives in.</summary>
    public string PathOf(string id) => Path.Combine(Directory, id[..2], id);

    /// <summary>True when the store holds <paramref name="id"/>.</summary>
    public bool Has(string id) => BlobId.IsValid(id) && File.Exists(PathOf(id));

    /// <summary>
    /// Stores a blob and returns its name once it is durable. When <paramref name="expectedId"/> is
    /// given, the bytes must hash to it. A blob already held is not written again.
    /// </summary>
    /// <exception cref="BlobFormatException">A bad shape or length, an unhashable float, or bytes that do not hash to <paramref name="expectedId"/> (field <c>id</c>); nothing is stored.</exception>
    public string Put(BlobShape shape, ReadOnlySpan<byte> payload, string? expectedId = null)
    {
        string id = BlobId.Of(shape, payload);
        if (expectedId != null && expectedId != id)
            throw new BlobFormatException("id", $"the bytes hash to {id}, not to the name {expectedId} they came with");
        if (Refresh(id)) return id;
        var temp = Path.Combine(_incoming, $"{id}.{Guid.NewGuid():N}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = FileHeader + payload.Length };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode0600;
        try
        {
            using (var file = new FileStream(temp, options))
            {
                Span<byte> header = stackalloc byte[FileHeader];
                Magic.CopyTo(header);
                BlobId.WriteHeader(shape, header[4..]);
                file.Write(header);
                file.Write(payload);
                file.Flush(flushToDisk: true);
            }
            Publish(temp, id);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
        return id;
    }

    /// <summary>
    /// True when <paramref name="id"/> is held; its file is then made young again, so collection
    /// spares it for the grace period: whoever put it is about to journal something naming it.
    /// </summary>
    private bool Refresh(string id)
    {
        var path = PathOf(id);
        lock (_collecting)
        {
            if (!File.Exists(path)) return false;
            try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); }
            catch (FileNotFoundException) { return false; }
            return true;
        }
    }

    /// <summary>
    /// Moves a written, fsynced file into place as blob <paramref name="id"/> and fsyncs its
    /// directory: durable when this returns. With <paramref name="sameWork"/> (an AI's upload), the
    /// same steps are taken whether or not the blob was held already (DESIGN §8: its timing must not say).
    /// </summary>
    private void Publish(string written, string id, bool sameWork = false)
    {
        var path = PathOf(id);
        var shard = Path.GetDirectoryName(path)!;
        if (!System.IO.Directory.Exists(shard))
        {
            CreateDirectory(shard);
            DirectorySync.Fsync(Directory); // the new shard's entry
        }
        else if (sameWork) DirectorySync.Fsync(Directory);
        bool held;
        lock (_collecting)
        {
            // Looked at first, not learnt from a failed move: a first exception costs milliseconds, which an uploader could time.
            held = File.Exists(path);
            if (!held)
                try { File.Move(written, path, overwrite: false); }
                catch (IOException) when (File.Exists(path)) { held = true; } // stored meanwhile by another put
            if (held)
            {
                // The held file is the blob; it is young again.
                File.Delete(written);
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            }
        }
        if (!held || sameWork) DirectorySync.Fsync(shard);
    }

    /// <summary>
    /// Starts a blob of <paramref name="shape"/> whose name is not known yet (an AI agent's
    /// <c>put_blob</c>): its bytes are written to a file as they come and named as they come; the
    /// last one names it (<see cref="BlobUpload.Complete"/>). Nothing is held whole in memory.
    /// </summary>
    /// <exception cref="BlobFormatException">A shape no blob may have.</exception>
    public BlobUpload BeginUpload(BlobShape shape) => new(this, shape, Path.Combine(_incoming, $"upload.{Guid.NewGuid():N}"));

    /// <summary>A blob being uploaded in pieces, in order, whose name the store computes.</summary>
    public sealed class BlobUpload : IDisposable
    {
        private readonly BlobStore _store;
        private readonly string _path;
        private readonly BlobHasher _hasher;
        private FileStream? _file;

        internal BlobUpload(BlobStore store, BlobShape shape, string path)
        {
            _hasher = new BlobHasher(shape); // checks the shape first: nothing is created for a bad one
            _store = store;
            _path = path;
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode0600;
            _file = new FileStream(path, options);
            Span<byte> header = stackalloc byte[FileHeader];
            Magic.CopyTo(header);
            BlobId.WriteHeader(shape, header[4..]);
            _file.Write(header);
        }

        /// <summary>The blob's shape.</summary>
        public BlobShape Shape => _hasher.Shape;

        /// <summary>Bytes taken so far: the offset of the next piece.</summary>
        public long Received => _hasher.Length;

        /// <summary>True once every byte of the shape was taken.</summary>
        public bool Whole => Received == Shape.ByteLength;

        /// <summary>Takes the next piece. A piece that fails leaves the upload unusable: dispose it.</summary>
        /// <exception cref="BlobFormatException">Past the shape's length (<c>length</c>), or a float that cannot be named (<c>value[i]</c>).</exception>
        public void Append(ReadOnlySpan<byte> piece)
        {
            if (_file == null) throw new ObjectDisposedException(nameof(BlobUpload));
            _hasher.Append(piece);
            _file.Write(piece);
        }

        /// <summary>Names the whole blob, makes it durable in the store (the same work whether it was held or not) and returns its name.</summary>
        /// <exception cref="BlobFormatException">Not every byte was given (<c>length</c>).</exception>
        public string Complete()
        {
            if (_file == null) throw new ObjectDisposedException(nameof(BlobUpload));
            string id = _hasher.Finish();
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            _file = null;
            _store.Publish(_path, id, sameWork: true);
            return id;
        }

        /// <summary>Drops what was written unless it was completed.</summary>
        public void Dispose()
        {
            _hasher.Dispose();
            if (_file == null) return;
            _file.Dispose();
            _file = null;
            try { File.Delete(_path); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Where a blob arriving over the link is written (docs/protocol.md §12.2): the bytes kept of
    /// an earlier, interrupted transfer are resumed; completed (verified by the link's assembler),
    /// the file is fsynced and renamed into place, its directory fsynced. One transfer of a blob
    /// at a time resumes; a second one at the same moment writes a file of its own from 0.
    /// </summary>
    public IIncomingBlob Receive(string id)
    {
        if (!BlobId.IsValid(id)) throw new ArgumentException($"'{id}' is not a blob name (64 lowercase hex digits)", nameof(id));
        bool resumable;
        lock (_arriving)
        {
            // A session replaced by a reconnect lets go of its transfers as it ends: wait a moment for it.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(1);
            while (!(resumable = _arriving.Add(id)) && DateTime.UtcNow < until) Monitor.Wait(_arriving, TimeSpan.FromMilliseconds(50));
        }
        return resumable
            ? new ArrivingBlob(this, Path.Combine(_partial, id), id, resumable: true)
            : new ArrivingBlob(this, Path.Combine(_incoming, $"{id}.{Guid.NewGuid():N}"), id, resumable: false);
    }

    /// <summary>
    /// A reader of <paramref name="id"/> while it arrives over the link (docs/protocol.md §12.2,
    /// forwarding), or null when no transfer of it is writing to the store now.
    /// </summary>
    public BlobFollower? Follow(string id)
    {
        lock (_arriving) return BlobId.IsValid(id) && _arrivals.TryGetValue(id, out var arrival) ? new BlobFollower(arrival) : null;
    }

    /// <summary>Bytes kept of an interrupted transfer of <paramref name="id"/> (0: none).</summary>
    public long PartialLength(string id)
    {
        var info = new FileInfo(Path.Combine(_partial, id));
        return BlobId.IsValid(id) && info.Exists ? Math.Max(0, info.Length - FileHeader) : 0;
    }

    /// <summary>Opens a held blob's payload for reading in pieces (the link sends it in chunks; nothing holds it whole); the stream is at the payload's first byte.</summary>
    /// <exception cref="FileNotFoundException">No such blob.</exception>
    /// <exception cref="InvalidDataException">Its file's header is damaged.</exception>
    public (BlobShape Shape, FileStream Payload) OpenPayload(string id)
    {
        if (!BlobId.IsValid(id)) throw new FileNotFoundException($"'{id}' is not a blob name (64 lowercase hex digits)");
        FileStream file;
        try { file = new FileStream(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan); }
        catch (DirectoryNotFoundException) { throw new FileNotFoundException($"no blob {id}"); }
        try
        {
            Span<byte> head = stackalloc byte[FileHeader];
            file.ReadExactly(head);
            var shape = ShapeOf(head, id);
            if (file.Length != FileHeader + shape.ByteLength) throw new InvalidDataException($"blob {id} is damaged: {file.Length - FileHeader} bytes, its header says {shape.ByteLength}");
            return (shape, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A blob arriving over the link, written to a file as it comes (never held whole in memory).</summary>
    private sealed class ArrivingBlob : IIncomingBlob
    {
        private readonly BlobStore _store;
        private readonly string _path;
        private readonly string _id;
        private readonly bool _resumable;
        private FileStream? _file;
        private bool _done;
        private BlobArrival? _arrival; // followers' view of this transfer; dropped when it restarts or fails

        public ArrivingBlob(BlobStore store, string path, string id, bool resumable)
        {
            _store = store;
            _path = path;
            _id = id;
            _resumable = resumable;
            if (resumable)
            {
                _arrival = new BlobArrival(path, store.PathOf(id));
                lock (store._arriving) store._arrivals[id] = _arrival;
            }
            if (!resumable || !File.Exists(path)) return;
            // What an interrupted transfer kept: its header says what it was for; a damaged one is dropped.
            try
            {
                var head = new byte[FileHeader];
                using (var f = File.OpenRead(path))
                    if (f.Length >= FileHeader && f.Read(head, 0, FileHeader) == FileHeader)
                    {
                        KeptShape = ShapeOf(head, id);
                        Kept = Math.Min(f.Length - FileHeader, KeptShape.ByteLength);
                    }
            }
            catch (InvalidDataException) { KeptShape = null; Kept = 0; }
            if (KeptShape != null && Kept < KeptShape.ByteLength) return;
            // Damaged, or whole but never renamed into place (a crash between the two): sent again from 0.
            KeptShape = null;
            Kept = 0;
            File.Delete(path);
        }

        public long Kept { get; private set; }

        public BlobShape? KeptShape { get; private set; }

        public void ReplayKept(BlobHasher hasher)
        {
            using var f = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            f.Position = FileHeader;
            var buffer = new byte[1 << 20];
            for (long left = Kept; left > 0;)
            {
                int n = f.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n == 0) throw new InvalidDataException($"blob {_id}: the kept part ended early");
                hasher.Append(buffer.AsSpan(0, n));
                left -= n;
            }
        }

        public void Append(BlobShape shape, ReadOnlySpan<byte> data)
        {
            if (_file == null)
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode0600;
                _file = new FileStream(_path, options);
                if (Kept == 0)
                {
                    _file.SetLength(0);
                    Span<byte> header = stackalloc byte[FileHeader];
                    Magic.CopyTo(header);
                    BlobId.WriteHeader(shape, header[4..]);
                    _file.Write(header);
                }
                else
                {
                    _file.SetLength(FileHeader + Kept); // a torn tail beyond what was counted is dropped
                    _file.Position = FileHeader + Kept;
                }
            }
            _file.Write(data);
            if (_arrival != null)
            {
                _file.Flush(); // to the OS, not the disk: a follower reads it from the file now
                _arrival.Advance(shape, _file.Position - FileHeader);
            }
        }

        public void Complete(string id, BlobShape shape)
        {
            if (_file == null) Append(shape, ReadOnlySpan<byte>.Empty); // an empty blob: the header alone
            _file!.Flush(flushToDisk: true);
            _file.Dispose();
            _file = null;
            _store.Publish(_path, id);
            _done = true;
            _arrival?.Finish(complete: true);
            Release();
        }

        public void Discard()
        {
            // Refused, or restarted from 0 (the file is replaced): a follower stops here and says BLOB_GONE.
            _arrival?.Finish(complete: false);
            _arrival = null;
            _file?.Dispose();
            _file = null;
            try { File.Delete(_path); } catch (IOException) { }
            Kept = 0;
            KeptShape = null;
        }

        public void Dispose()
        {
            if (_file != null)
            {
                // Interrupted: what came is kept for the next transfer to resume (fsynced: a resumed blob
                // is still verified whole, but a torn prefix would make an honest sender's blob fail).
                try { _file.Flush(flushToDisk: true); } catch (IOException) { }
                _file.Dispose();
                _file = null;
                if (!_resumable) try { File.Delete(_path); } catch (IOException) { }
            }
            _arrival?.Finish(complete: false); // no-op once complete
            if (!_done) Release();
            _done = true;
        }

        private void Release()
        {
            if (!_resumable) return;
            lock (_store._arriving)
            {
                _store._arriving.Remove(_id);
                _store._arrivals.Remove(_id);
                Monitor.PulseAll(_store._arriving);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Durable when it returns; the bytes are verified against <paramref name="id"/>.</remarks>
    void IBlobSink.Put(string id, BlobShape shape, ReadOnlySpan<byte> payload) => Put(shape, payload, id);

    /// <inheritdoc />
    /// <remarks>Only while the store holds the blob: a collected one is read again when it comes back.</remarks>
    public bool TryGetIndexBound(string id, out uint largest) => _indexBounds.TryGetValue(id, out largest) && Has(id);

    /// <inheritdoc />
    public void RememberIndexBound(string id, uint largest)
    {
        if (_indexBounds.Count >= MaxIndexBounds) _indexBounds.Clear();
        _indexBounds[id] = largest;
    }

    /// <inheritdoc />
    /// <remarks>Verifies the bytes against the name (a damaged file is reported as not held).</remarks>
    public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload)
    {
        shape = null!;
        payload = default;
        if (!Has(id)) return false;
        try
        {
            var (s, bytes) = Read(id);
            shape = s;
            payload = bytes;
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException) { return false; }
    }

    /// <inheritdoc />
    /// <remarks>
    /// From the header alone, not verified against the name: a check of shapes reads 11 bytes, not
    /// the blob. Whatever reads the bytes verifies them (<see cref="TryGet"/>, and every receiver of a
    /// served blob names it on receipt); a file whose length disagrees with its header is not held.
    /// </remarks>
    public bool TryGetShape(string id, out BlobShape shape)
    {
        shape = null!;
        if (!Has(id)) return false;
        try
        {
            using var file = File.OpenRead(PathOf(id));
            Span<byte> head = stackalloc byte[FileHeader];
            file.ReadExactly(head);
            var s = ShapeOf(head, id);
            if (file.Length != FileHeader + s.ByteLength) return false;
            shape = s;
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or EndOfStreamException) { return false; }
    }

    /// <inheritdoc />
    /// <remarks>Not verified, as <see cref="TryGetShape"/>: only what decides nothing but a pass is read this way (an image's header).</remarks>
    public bool TryGetPrefix(string id, int length, out ReadOnlyMemory<byte> prefix)
    {
        prefix = default;
        if (!TryGetShape(id, out var shape)) return false;
        try
        {
            using var file = File.OpenRead(PathOf(id));
            var bytes = new byte[(int)Math.Min(length, shape.ByteLength)];
            file.Position = FileHeader;
            file.ReadExactly(bytes);
            prefix = bytes;
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException) { return false; }
    }

    /// <summary>Reads a blob, verifying that its bytes still hash to its name.</summary>
    /// <exception cref="FileNotFoundException">No such blob.</exception>
    /// <exception cref="InvalidDataException">The file is damaged: its header is wrong or its bytes no longer hash to its name.</exception>
    public (BlobShape Shape, byte[] Payload) Read(string id)
    {
        if (!BlobId.IsValid(id)) throw new FileNotFoundException($"'{id}' is not a blob name (64 lowercase hex digits)");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(PathOf(id)); }
        catch (DirectoryNotFoundException) { throw new FileNotFoundException($"no blob {id}"); }
        var shape = ShapeOf(bytes, id);
        var payload = bytes.AsSpan(FileHeader).ToArray();
        string actual;
        try { actual = BlobId.Of(shape, payload); }
        catch (BlobFormatException e) { throw new InvalidDataException($"blob {id} is damaged: {e.Message}"); }
        if (actual != id) throw new InvalidDataException($"blob {id} is damaged: its bytes hash to {actual}");
        return (shape, payload);
    }

    /// <summary>The shape and payload length of a blob, from its header alone.</summary>
    /// <exception cref="FileNotFoundException">No such blob.</exception>
    public BlobShape ShapeOf(string id)
    {
        Span<byte> head = stackalloc byte[FileHeader];
        using var file = File.OpenRead(PathOf(id));
        file.ReadExactly(head);
        return ShapeOf(head, id);
    }

    private static BlobShape ShapeOf(ReadOnlySpan<byte> bytes, string id)
    {
        if (bytes.Length < FileHeader || !bytes[..4].SequenceEqual(Magic) || bytes[4] != BlobId.Tag)
            throw new InvalidDataException($"blob {id} is damaged: not a VibeSync blob file");
        var shape = new BlobShape((BlobElement)bytes[5], bytes[6], (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(7, 8)));
        try { shape.Check(); }
        catch (BlobFormatException e) { throw new InvalidDataException($"blob {id} is damaged: {e.Message}"); }
        return shape;
    }

    /// <summary>Every blob name held.</summary>
    public IEnumerable<string> All() =>
        System.IO.Directory.EnumerateDirectories(Directory).Where(d => Path.GetFileName(d).Length == 2)
            .SelectMany(System.IO.Directory.EnumerateFiles).Select(Path.GetFileName).Where(BlobId.IsValid)!;

    /// <summary>
    /// Checks one held blob: its file's header and length, and that its bytes still hash to its
    /// name (read in pieces). Null when it is whole; otherwise what is wrong.
    /// </summary>
    public string? Check(string id)
    {
        try
        {
            var (shape, payload) = OpenPayload(id);
            using (payload)
            using (var hasher = new BlobHasher(shape))
            {
                var buffer = new byte[1 << 20];
                int n;
                while ((n = payload.Read(buffer, 0, buffer.Length)) > 0) hasher.Append(buffer.AsSpan(0, n));
                string actual = hasher.Finish();
                return actual == id ? null : $"its bytes hash to {actual}";
            }
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or BlobFormatException or IOException) { return e.Message; }
    }

    /// <summary>
    /// Removes every blob that <paramref name="reachable"/> does not name and that is older than
    /// <paramref name="grace"/> (a young one may belong to an intent being journaled), and what a
    /// crash left half-written. A reachable blob is never removed. With <paramref name="dryRun"/>,
    /// nothing is removed: the answer says what would be.
    /// </summary>
    public Collection Collect(IReadOnlySet<string> reachable, TimeSpan grace, bool dryRun = false)
    {
        var cutoff = DateTime.UtcNow - grace;
        int kept = 0, removed = 0;
        long freed = 0;
        foreach (var id in All().ToList())
        {
            if (reachable.Contains(id)) { kept++; continue; }
            lock (_collecting) // a put of this blob between the look and the delete would lose it
            {
                var info = new FileInfo(PathOf(id));
                if (!info.Exists || info.LastWriteTimeUtc > cutoff) { kept++; continue; }
                freed += info.Length;
                if (!dryRun) info.Delete();
                removed++;
            }
        }
        if (!dryRun)
            foreach (var temp in System.IO.Directory.EnumerateFiles(_incoming).Concat(System.IO.Directory.EnumerateFiles(_partial)))
                if (File.GetLastWriteTimeUtc(temp) <= cutoff) File.Delete(temp);
        return new Collection(kept, removed, freed);
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(path);
        else System.IO.Directory.CreateDirectory(path, DirMode);
    }
}
