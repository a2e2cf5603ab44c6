// Design rationale: adapters are told, never asked. Each engine's session hears PENDING_INTENTS when
// it attaches (if anything is pending: a session starts knowing none) and after every change of the
// pending set, one send at a time so they arrive in order; what an engine acknowledged is remembered
// per session, so a change that leaves the list as it was sends nothing.
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Validation;
using VibeSync.Link;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.Link;

namespace VibeSync.Orchestrator.Sync;

/// <summary>
/// Tells the attached adapters which AI intents wait for a human and where the console shows each
/// (PENDING_INTENTS, docs/protocol.md §11.9). The adapters only show them: nothing they send
/// approves or denies an intent.
/// </summary>
internal sealed class PendingNotices
{
    private readonly LinkServer _link;
    private readonly Func<IReadOnlyList<PendingIntentInfo>> _pending;
    private readonly LinkLog _log;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly object _gate = new();
    private readonly Dictionary<string, string?> _known = new();  // engine → the payload its session acknowledged (null: none yet)
    private readonly Dictionary<string, int> _attachments = new(); // engine → attaches so far: an answer from an older session counts for nothing
    private int _consolePort;

    public PendingNotices(LinkServer link, Func<IReadOnlyList<PendingIntentInfo>> pending, LinkLog log, TimeSpan timeout)
    {
        _link = link;
        _pending = pending;
        _log = log;
        _timeout = timeout;
    }

    /// <summary>The control API is listening: the console's URL is known and notices may go.</summary>
    public Task ConsoleOnAsync(int port)
    {
        Volatile.Write(ref _consolePort, port);
        return SendAsync();
    }

    /// <summary>An engine's session reported its scene: it knows of no pending intent yet.</summary>
    public Task AttachedAsync(string engine)
    {
        lock (_gate)
        {
            _known[engine] = null;
            _attachments[engine] = _attachments.GetValueOrDefault(engine) + 1;
        }
        return SendAsync();
    }

    /// <summary>The pending set changed (filed, approved, denied, decided after waiting).</summary>
    public Task ChangedAsync() => SendAsync();

    /// <summary>What an adapter is told now: AI intents no human has approved, the first 100 by id.</summary>
    public PendingIntents Current(int port)
    {
        var ai = _pending().Where(p => p.Actor.Kind == ActorKind.Ai && !p.Approved).ToList();
        var listed = ai.Take(PendingIntents.MaxIntents).Select(p => new PendingIntent(p.Id, PendingIntents.Clip(p.Actor.ToString(), PendingIntents.MaxActor),
            PhaseNames.Name(p.Class), PendingIntents.ClipRationale(p.Rationale))).ToList();
        return new PendingIntents(PendingIntents.ConsoleOn(port), listed, ai.Count);
    }

    private async Task SendAsync()
    {
        await _sending.WaitAsync().ConfigureAwait(false);
        try
        {
            int port = Volatile.Read(ref _consolePort);
            if (port == 0) return; // before the control API listens; it sends once it does
            var now = Current(port);
            var json = now.ToJson();
            List<(string Engine, int Attachment)> toTell;
            lock (_gate)
            {
                toTell = new();
                foreach (var (engine, known) in _known)
                {
                    if (known == json) continue;
                    if (known == null && now.Total == 0) { _known[engine] = json; continue; } // it knows none, and none are pending
                    toTell.Add((engine, _attachments[engine]));
                }
            }
            foreach (var (engine, attachment) in toTell)
            {
                try
                {
                    var reply = await _link.RequestAsync(engine, MessageType.PendingIntents, json, _timeout).ConfigureAwait(false);
                    if (!reply.Ok)
                    {
                        _log.Write("pending_refused", reply.Error.Code, engine, null, "the adapter refused PENDING_INTENTS: " + reply.Error.Message);
                        continue;
                    }
                    lock (_gate)
                        if (_attachments[engine] == attachment) _known[engine] = json;
                }
                catch (EngineUnavailableException) { } // gone: its next session is told when it attaches
            }
        }
        finally { _sending.Release(); }
    }
}
