// Design rationale (issue #22 §3, DESIGN.md §13): exactly one orchestrator writes, decided by a
// lease in a 3-replica JetStream KV bucket — an existing consensus, never a home-made one. The
// holder renews it with a compare-and-set on the key's revision; a standby takes it with a
// compare-and-set once it has seen the same revision for a whole TTL on its own monotonic clock,
// so no two machines' wall clocks are compared. The holder counts its TTL from when it *sent* the
// renewal that the standby then observes, so it stops writing no later than a standby may take
// over; JetStream's expected-last-sequence check on every journal publish fences any straggler.
// A holder that cannot renew (no KV quorum) pauses writes at expiry rather than failing them: if
// its next renewal succeeds nobody took over, and if it fails on the revision it has lost.
// A clean stop marks the record released (compare-and-set) instead of deleting it, so a standby
// takes over at once and the term goes on from the last one: operators read the term in status
// and logs as monotonic. Fencing never depended on the term: every change of holder is a
// compare-and-set on the revision, and the journal checks its expected last sequence.
using System.Diagnostics;
using System.Text.Json;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace VibeSync.Cluster;

/// <summary>What the lease's key holds.</summary>
/// <param name="Node">The leader's node name.</param>
/// <param name="Term">Raised by one on every change of leader, a clean release included: never goes back while the bucket lives.</param>
/// <param name="TtlMs">How long the lease lasts unrenewed.</param>
public sealed record LeaseHolder(string Node, ulong Term, int TtlMs)
{
    /// <summary>Where the leader takes adapters over TLS (HOST:PORT, its <c>--listen</c>), so standbys can name it; null when it does not listen.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Its leader stopped cleanly and gave it up: anyone may take it at once, with the next term.</summary>
    public bool Released { get; init; }
}

/// <summary>
/// Leadership among orchestrators: <see cref="CampaignAsync"/> until this node leads, then renew in
/// the background; <see cref="EnsureMayWriteAsync"/> fences each write.
/// </summary>
public sealed class LeaderLease : IAsyncDisposable
{
    private const string Key = "leader";
    private readonly INatsKVStore _store;
    private readonly string _node;
    private readonly TimeSpan _ttl;
    private readonly string? _endpoint;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ulong _revision;            // of our own last renewal
    private long _freshUntilMs = long.MinValue; // on _clock: TTL after the send of the last acknowledged renewal
    private volatile string? _lost;     // why leadership is gone for good
    private Task? _renewing;

    private LeaderLease(INatsKVStore store, string node, TimeSpan ttl, string? endpoint)
    {
        _store = store;
        _node = node;
        _ttl = ttl;
        _endpoint = endpoint;
    }

    /// <summary>
    /// Opens (creating if needed, 3 replicas) the lease bucket for <paramref name="node"/>, which
    /// advertises <paramref name="endpoint"/> (HOST:PORT for adapters) in the record while it leads.
    /// </summary>
    public static async Task<LeaderLease> OpenAsync(INatsJSContext js, ClusterNames names, string node, TimeSpan? ttl = null,
        CancellationToken cancellationToken = default, string? endpoint = null)
    {
        var kv = new NatsKVContext(js);
        var store = await Transient.RetryAsync(ct => kv.CreateStoreAsync(new NatsKVConfig(names.LeaseBucket)
        {
            NumberOfReplicas = names.Replicas,
            History = 1,
            Storage = NatsKVStorageType.File,
        }, ct).AsTask(), TimeSpan.FromSeconds(40), cancellationToken).ConfigureAwait(false);
        return new LeaderLease(store, node, ttl ?? TimeSpan.FromSeconds(3), endpoint);
    }

    /// <summary>This node's name.</summary>
    public string Node => _node;

    /// <summary>The holder last seen (ours while leading); null before anyone led.</summary>
    public LeaseHolder? Holder { get; private set; }

    /// <summary>True while this node holds a fresh lease.</summary>
    public bool IsLeader => _lost == null && _renewing != null && _clock.ElapsedMilliseconds < Interlocked.Read(ref _freshUntilMs);

    /// <summary>Why this node stopped leading (fail-stop), if it did.</summary>
    public string? Lost => _lost;

    /// <summary>
    /// Waits until this node holds the lease: at once when nobody does (no record, or one its last
    /// holder released), else once the holder's revision has stood still for a whole TTL. Then renews
    /// it in the background every TTL/3.
    /// </summary>
    public async Task CampaignAsync(CancellationToken cancellationToken = default)
    {
        ulong seenRevision = 0;
        long seenAtMs = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                long sent = _clock.ElapsedMilliseconds;
                NatsKVEntry<byte[]> entry = default;
                bool found = false;
                try { entry = await _store.GetEntryAsync<byte[]>(Key, cancellationToken: cancellationToken).ConfigureAwait(false); found = true; }
                catch (NatsKVKeyNotFoundException) { }
                catch (NatsKVKeyDeletedException) { }
                ulong revision;
                if (!found)
                {
                    var mine = new LeaseHolder(_node, 1, (int)_ttl.TotalMilliseconds) { Endpoint = _endpoint };
                    revision = await _store.CreateAsync(Key, Encode(mine), cancellationToken: cancellationToken).ConfigureAwait(false);
                    Lead(mine, revision, sent);
                    return;
                }
                var holder = Decode(entry.Value);
                Holder = holder;
                if (holder.Released || (entry.Revision == seenRevision && _clock.ElapsedMilliseconds - seenAtMs >= Math.Max(holder.TtlMs, (int)_ttl.TotalMilliseconds)))
                {
                    // Released, or its holder stopped renewing for a whole TTL: take it, on that very revision.
                    // Every standby sees a release within one poll of the others: a random pause spreads their
                    // compare-and-sets apart, which nats-server before 2.9.21 needs (below).
                    if (holder.Released) await Task.Delay(Random.Shared.Next(0, (int)(_ttl.TotalMilliseconds / 6)), cancellationToken).ConfigureAwait(false);
                    var mine = new LeaseHolder(_node, holder.Term + 1, (int)_ttl.TotalMilliseconds) { Endpoint = _endpoint };
                    sent = _clock.ElapsedMilliseconds;
                    revision = await _store.UpdateAsync(Key, Encode(mine), entry.Revision, cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (!await StillMineAsync(revision, cancellationToken).ConfigureAwait(false)) continue;
                    Lead(mine, revision, sent);
                    return;
                }
                if (entry.Revision != seenRevision)
                    (seenRevision, seenAtMs) = (entry.Revision, _clock.ElapsedMilliseconds); // alive (or new): start its TTL over
            }
            catch (NatsKVCreateException) { } // another node got there first: watch it
            catch (NatsKVWrongLastRevisionException) { }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested) { } // no KV quorum now: keep watching
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250, _ttl.TotalMilliseconds / 6)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the key back after a take: nats-server before 2.9.21 (Debian's 2.9.10 included) checks a
    /// compare-and-set's expected revision before its Raft proposal, not in it, so two takes of one
    /// revision sent within milliseconds can both be acknowledged (nats-server #4320). The later one
    /// is what the key holds; the other sees that here and goes on watching. A take read back before
    /// the other lands is fenced by its first renewal's compare-and-set, and the journal's
    /// expected-last-sequence check stands between the two meanwhile.
    /// </summary>
    private async Task<bool> StillMineAsync(ulong revision, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_ttl / 30, cancellationToken).ConfigureAwait(false); // room for a racing take proposed beside ours to land
            var now = await _store.GetEntryAsync<byte[]>(Key, cancellationToken: cancellationToken).ConfigureAwait(false);
            return now.Revision == revision;
        }
        catch (NatsKVException) { return false; }
    }

    private void Lead(LeaseHolder mine, ulong revision, long sentMs)
    {
        Holder = mine;
        _revision = revision;
        Interlocked.Exchange(ref _freshUntilMs, sentMs + (long)_ttl.TotalMilliseconds);
        _renewing = Task.Run(RenewLoopAsync);
    }

    private async Task RenewLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested && _lost == null)
        {
            try { await Task.Delay(_ttl / 3, token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            long sent = _clock.ElapsedMilliseconds;
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                attempt.CancelAfter(_ttl / 2);
                _revision = await _store.UpdateAsync(Key, Encode(Holder!), _revision, cancellationToken: attempt.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref _freshUntilMs, sent + (long)_ttl.TotalMilliseconds);
            }
            catch (NatsKVWrongLastRevisionException)
            {
                _lost = "not the leader any more: another orchestrator took the lease (this node could not renew it in time); this node stops writing";
            }
            catch (Exception) when (!token.IsCancellationRequested) { } // no KV quorum now: writes pause at expiry, renewal goes on
            catch (OperationCanceledException) { return; } // stopped while a renewal was in flight: stopping is not a failure
        }
    }

    /// <summary>
    /// Completes when this node may write (it holds a fresh lease); waits while a renewal is in
    /// doubt; throws <see cref="NotLeaderException"/> once the lease is lost or was never held.
    /// </summary>
    public async Task EnsureMayWriteAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_lost is { } why) throw new NotLeaderException(why);
            if (_renewing == null) throw new NotLeaderException(NotLeaderMessage());
            if (_clock.ElapsedMilliseconds < Interlocked.Read(ref _freshUntilMs)) return;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>"not the leader: NODE leads" (or that nobody does yet), for refusals on a standby.</summary>
    public string NotLeaderMessage() => Holder switch
    {
        { Released: true } h => $"not the leader: no orchestrator leads right now ({h.Node} released the lease at term {h.Term})",
        { } h when h.Node != _node => $"not the leader: {h.Node} leads (term {h.Term}){(h.Endpoint is { } at ? $" at {at}" : "")}",
        _ => "not the leader: no orchestrator leads yet",
    };

    /// <summary>Stops renewing without giving the lease up (what a crash does: a standby takes over after the TTL).</summary>
    public async Task StopRenewingAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_renewing is { } renewing) await renewing.ConfigureAwait(false);
        _lost ??= "stopped renewing";
    }

    /// <summary>
    /// Stops renewing and, if this node still holds the lease, marks it released (a compare-and-set
    /// on its own last revision) so a standby takes over at once, with the next term.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        bool held = IsLeader;
        await StopRenewingAsync().ConfigureAwait(false);
        if (!held) return;
        var released = Holder! with { Endpoint = null, Released = true }; // no endpoint: nobody is to be sent there
        try
        {
            _revision = await _store.UpdateAsync(Key, Encode(released), _revision).ConfigureAwait(false);
            Holder = released;
        }
        catch (Exception) { } // taken meanwhile or no quorum: the TTL hands it over instead
    }

    private static byte[] Encode(LeaseHolder holder)
    {
        var record = new Dictionary<string, object> { ["node"] = holder.Node, ["term"] = holder.Term, ["ttl_ms"] = holder.TtlMs };
        if (holder.Endpoint is { } endpoint) record["endpoint"] = endpoint; // absent, not null: a record without it reads as before
        if (holder.Released) record["released"] = true;
        return JsonSerializer.SerializeToUtf8Bytes(record);
    }

    private static LeaseHolder Decode(byte[]? value)
    {
        if (value is not { Length: > 0 }) return new LeaseHolder("?", 0, 0);
        using var doc = JsonDocument.Parse(value);
        var root = doc.RootElement;
        return new LeaseHolder(root.GetProperty("node").GetString() ?? "?", root.GetProperty("term").GetUInt64(), root.GetProperty("ttl_ms").GetInt32())
        {
            Endpoint = root.TryGetProperty("endpoint", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null,
            Released = root.TryGetProperty("released", out var r) && r.ValueKind == JsonValueKind.True,
        };
    }
}
