namespace VibeSync.Link.Sessions;

/// <summary>
/// Connections that have not authenticated yet, oldest first, at most a fixed number. On loopback
/// every local process connects from 127.0.0.1, so an address cannot tell an honest adapter's
/// reconnect from a flooder: nothing here is kept per address. When a newcomer finds the pool
/// full, the oldest idle stranger — no whole first frame, nothing waiting in its socket, connected
/// for longer than a HELLO takes to arrive — is closed to make room. An honest adapter sends its
/// HELLO as it connects, so it is not idle and is not chosen; a connection held open without a
/// HELLO (or with half of one) is. When no stranger is idle (each has work queued) the accept loop
/// waits for one to finish, so new connections wait in the kernel's queue, their HELLOs with them,
/// instead of being turned away; only after that wait is the newcomer closed. A flood of idle
/// connections cannot keep an adapter out, and each connection's junk costs only that connection.
/// </summary>
internal sealed class StrangerPool
{
    private readonly int _max;
    private readonly LinkedList<Session> _waiting = new();
    private readonly Dictionary<Session, LinkedListNode<Session>> _nodes = new();
    private TaskCompletionSource _left = NewSignal();

    public StrangerPool(int max) => _max = Math.Max(1, max);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Admits a new connection, waiting up to <paramref name="patience"/> for room; returns the
    /// connection to close to keep within the limit: an idle stranger it displaced, or the
    /// newcomer itself (then not admitted), or null.
    /// </summary>
    public async Task<Session?> AdmitAsync(Session newcomer, TimeSpan patience, CancellationToken cancel)
    {
        var until = DateTime.UtcNow + patience;
        while (true)
        {
            Task left;
            lock (_waiting)
            {
                Session? evicted = null;
                if (_waiting.Count >= _max)
                {
                    LinkedListNode<Session>? idle = null;
                    int looked = 0;
                    for (var n = _waiting.First; n != null && looked < 64; n = n.Next, looked++) // a bounded look: each is a system call
                        if (n.Value.Idle) { idle = n; break; }
                    if (idle != null)
                    {
                        evicted = idle.Value;
                        _nodes.Remove(evicted);
                        _waiting.Remove(idle);
                    }
                }
                if (_waiting.Count < _max)
                {
                    _nodes[newcomer] = _waiting.AddLast(newcomer);
                    return evicted;
                }
                left = _left.Task;
            }
            var wait = until - DateTime.UtcNow;
            if (wait <= TimeSpan.Zero) return newcomer;
            await Task.WhenAny(left, Task.Delay(wait < TimeSpan.FromMilliseconds(20) ? wait : TimeSpan.FromMilliseconds(20), cancel)).ConfigureAwait(false); // idle strangers age into candidates too
            cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The connection authenticated, or ended: it is a stranger no more.</summary>
    public void Leave(Session session)
    {
        TaskCompletionSource? signal = null;
        lock (_waiting)
            if (_nodes.Remove(session, out var node))
            {
                _waiting.Remove(node);
                signal = _left;
                _left = NewSignal();
            }
        signal?.TrySetResult();
    }
}
