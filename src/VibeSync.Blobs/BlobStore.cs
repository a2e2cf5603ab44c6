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
public sealed class BlobStore : IBlobStore
{
    private static readonly byte[] Magic = "VSB1"u8.ToArray();
    private const int FileHeader = 4 + BlobId.HeaderSize;
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _incoming;

    private BlobStore(string directory)
    {
        Directory = directory;
        _incoming = Path.Combine(directory, ".incoming");
    }

    /// <summary>The store's directory.</summary>
    public string Directory { get; }

    /// <summary>Opens (creating it 0700 if needed) the store in <paramref name="directory"/>.</summary>
    public static BlobStore Open(string directory)
    {
        var store = new BlobStore(directory);
        CreateDirectory(directory);
        CreateDirectory(store._incoming);
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
        var path = PathOf(id);
        if (File.Exists(path)) return id;
        var shard = Path.GetDirectoryName(path)!;
        if (!System.IO.Directory.Exists(shard))
        {
            CreateDirectory(shard);
            DirectorySync.Fsync(Directory); // the new shard's entry
        }
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
            try { File.Move(temp, path, overwrite: false); }
            catch (IOException) when (File.Exists(path)) { File.Delete(temp); return id; } // stored meanwhile by another put
            DirectorySync.Fsync(shard);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
        return id;
    }

    /// <inheritdoc />
    /// <remarks>Durable when it returns; the bytes are verified against <paramref name="id"/>.</remarks>
    void IBlobSink.Put(string id, BlobShape shape, ReadOnlySpan<byte> payload) => Put(shape, payload, id);

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
    /// Removes every blob that <paramref name="reachable"/> does not name and that is older than
    /// <paramref name="grace"/> (a young one may belong to an intent being journaled), and what a
    /// crash left half-written. A reachable blob is never removed.
    /// </summary>
    public Collection Collect(IReadOnlySet<string> reachable, TimeSpan grace)
    {
        var cutoff = DateTime.UtcNow - grace;
        int kept = 0, removed = 0;
        long freed = 0;
        foreach (var id in All().ToList())
        {
            var info = new FileInfo(PathOf(id));
            if (reachable.Contains(id) || info.LastWriteTimeUtc > cutoff) { kept++; continue; }
            freed += info.Length;
            info.Delete();
            removed++;
        }
        foreach (var temp in System.IO.Directory.EnumerateFiles(_incoming))
            if (File.GetLastWriteTimeUtc(temp) <= cutoff) File.Delete(temp);
        return new Collection(kept, removed, freed);
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(path);
        else System.IO.Directory.CreateDirectory(path, DirMode);
    }
}
