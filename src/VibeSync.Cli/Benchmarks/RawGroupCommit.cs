namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// The baseline the WAL is measured against: the same group commit (appenders queue, one writer
/// thread writes everything queued and calls FileStream.Flush(true) once), with none of the WAL's
/// own work: no encoding, no CRC, no hash chain. Their ratio is what the WAL costs.
/// </summary>
internal sealed class RawGroupCommit : IDisposable
{
    private readonly FileStream _file;
    private readonly object _gate = new();
    private readonly Thread _writer;
    private List<(byte[] data, TaskCompletionSource done)> _queue = new();
    private List<(byte[] data, TaskCompletionSource done)> _draining = new();
    private bool _closing;
    private byte[] _buffer = new byte[1 << 20];

    public RawGroupCommit(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        _writer = new Thread(Loop) { IsBackground = true, Name = "raw-baseline-writer" };
        _writer.Start();
    }

    public Task AppendAsync(byte[] data)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _queue.Add((data, done));
            if (_queue.Count == 1) Monitor.Pulse(_gate);
        }
        return done.Task;
    }

    private void Loop()
    {
        while (true)
        {
            List<(byte[] data, TaskCompletionSource done)> batch;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_closing) Monitor.Wait(_gate);
                if (_queue.Count == 0) return;
                batch = _queue;
                _queue = _draining;
                _draining = batch;
            }
            int used = 0;
            foreach (var (data, _) in batch)
            {
                if (_buffer.Length < used + data.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                data.CopyTo(_buffer, used);
                used += data.Length;
            }
            _file.Write(_buffer, 0, used);
            _file.Flush(flushToDisk: true);
            foreach (var (_, done) in batch) done.SetResult();
            batch.Clear();
        }
    }

    public void Dispose()
    {
        lock (_gate) { _closing = true; Monitor.PulseAll(_gate); }
        _writer.Join();
        _file.Dispose();
    }
}
