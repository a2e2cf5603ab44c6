// Design rationale (docs/protocol.md §12.2, forwarding): a blob one engine sends is usually what
// the other engine's next APPLY names. Sending it on only after it is stored and the intent
// admitted makes two transfers of tens of MB one after the other; reading it from the file it is
// being written to, as it arrives, overlaps them. Nothing is held in memory for it (the file is the
// buffer), and the last byte goes out only once the store has verified and published the blob, so
// a receiver never completes a blob the orchestrator refused (it verifies the name itself anyway).
using VibeSync.Protocol.Blobs;

namespace VibeSync.Blobs;

/// <summary>How far a blob arriving over the link has come: written to its file, verified and published, or failed.</summary>
public sealed class BlobArrival
{
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BlobShape? _shape;
    private long _written;
    private bool _complete, _failed;

    internal BlobArrival(string path, string published)
    {
        Path = path;
        Published = published;
    }

    /// <summary>The file being written (<c>.partial/&lt;id&gt;</c>).</summary>
    internal string Path { get; }

    /// <summary>Where the file is once the blob is published.</summary>
    internal string Published { get; }

    internal void Advance(BlobShape shape, long written) => Change(() => { _shape = shape; _written = written; });

    internal void Finish(bool complete) => Change(() => { if (!_complete && !_failed) { _complete = complete; _failed = !complete; } });

    private void Change(Action change)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            change();
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
    }

    /// <summary>The state now, and a task that completes at the next change.</summary>
    internal (BlobShape? Shape, long Written, bool Complete, bool Failed, Task Changed) Now()
    {
        lock (_gate) return (_shape, _written, _complete, _failed, _changed.Task);
    }
}

/// <summary>
/// Reads a blob while it arrives (<see cref="BlobStore.Follow"/>): bytes as they are written, the
/// last one only once the blob verified and is in the store. One chunk buffer is the caller's; the
/// file is read in place.
/// </summary>
public sealed class BlobFollower : IDisposable
{
    private const int FileHeader = 4 + BlobId.HeaderSize;
    private readonly BlobArrival _arrival;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _file;

    internal BlobFollower(BlobArrival arrival) { _arrival = arrival; }

    /// <summary>
    /// The blob's shape, once its first chunk arrived; null when the transfer failed or nothing came
    /// within <paramref name="idle"/>.
    /// </summary>
    public async Task<BlobShape?> ShapeAsync(TimeSpan idle, CancellationToken cancel)
    {
        while (true)
        {
            var now = _arrival.Now();
            if (now.Failed) return null;
            if (now.Shape != null) return now.Shape;
            if (!await ChangedAsync(now.Changed, idle, cancel).ConfigureAwait(false)) return null;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="buffer"/>'s length of the payload at <paramref name="offset"/>,
    /// waiting for the bytes to arrive. Returns the bytes read (&gt; 0), or 0 when the transfer
    /// failed or made no progress for <paramref name="idle"/>: the caller says BLOB_GONE, or serves
    /// the blob from the store if it is there.
    /// </summary>
    public async Task<int> ReadAsync(long offset, Memory<byte> buffer, TimeSpan idle, CancellationToken cancel)
    {
        while (true)
        {
            var now = _arrival.Now();
            if (now.Failed || now.Shape == null) return 0;
            long length = now.Shape.ByteLength;
            // The last chunk waits for the verdict (it follows its last byte at once): a receiver never
            // holds a whole blob the store refused.
            long limit = now.Complete ? length : now.Written < length ? now.Written : offset;
            if (limit > offset && Open(now.Complete))
            {
                int n = (int)Math.Min(buffer.Length, limit - offset);
                RandomAccess.Read(_file!, buffer.Span[..n], FileHeader + offset);
                return n;
            }
            if (now.Complete) return 0; // published, yet not readable here: the caller falls back to the store
            if (!await ChangedAsync(now.Changed, idle, cancel).ConfigureAwait(false)) return 0;
        }
    }

    /// <summary>Opens the file once: the partial one (kept across its rename into place) or, if already published, the store's.</summary>
    private bool Open(bool complete)
    {
        if (_file != null) return true;
        foreach (var path in complete ? new[] { _arrival.Published } : new[] { _arrival.Path, _arrival.Published })
            try
            {
                _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return true;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
        return false;
    }

    private static async Task<bool> ChangedAsync(Task changed, TimeSpan idle, CancellationToken cancel)
    {
        try
        {
            await changed.WaitAsync(idle, cancel).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException) { return false; }
    }

    /// <inheritdoc />
    public void Dispose() => _file?.Dispose();
}
