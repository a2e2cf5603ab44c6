// Design rationale (issue #22 §3, TEAM.md §4): `serve --cluster` is serve as today with the
// journal in JetStream, preceded by a standby phase and watched by a fail-stop. The substance is
// here, not in ServeCommand or OrchestratorService: a standby follows the stream (its journal's
// records, chain and Reality head stay current) until it wins the lease, reads the tail, and only
// then starts the orchestrator over the same journal. A leader that loses its lease, or whose
// journal was fenced, stops: a deposed leader that kept serving engines could only mislead them.
using System.Runtime.InteropServices;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using VibeSync.Cluster;
using VibeSync.Cluster.ApiRelay;
using VibeSync.Orchestrator;

namespace VibeSync.Cli.Cluster;

/// <summary>Runs one orchestrator node of a team-mode cluster: standby until it leads, then serve.</summary>
internal static class ClusterServe
{
    /// <summary>Exit code of a leader that stopped because it lost its lease (fail-stop).</summary>
    public const int LostLeadership = 3;

    /// <summary>The error in <paramref name="urls"/>, <paramref name="node"/> or <paramref name="prefix"/>, or null when they are valid.</summary>
    public static string? Invalid(string urls, string? node, string? prefix = null)
    {
        if (prefix != null && !System.Text.RegularExpressions.Regex.IsMatch(prefix, "^[A-Z][A-Z0-9_]{0,31}$"))
            return "--cluster-prefix takes 1–32 of A-Z 0-9 _, starting with a letter";
        if (node is null || !VibeSync.Protocol.Link.EngineInstance.IsName(node)) return "--node NAME is required with --cluster; NAME matches [a-z0-9][a-z0-9_-]{0,31}";
        foreach (var url in urls.Split(','))
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var u) || u.Scheme is not ("nats" or "tls") || u.Port <= 0)
                return $"--cluster takes nats://HOST:PORT URLs separated by commas; '{url}' is not one";
        return null;
    }

    public static async Task<int> RunAsync(ServeOptions options, string urls, string node, CancellationToken cancel, string? prefix = null)
    {
        var stopped = new TaskCompletionSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stopped.TrySetResult(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stopped.TrySetResult(); });
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _ = stopped.Task.ContinueWith(_ => stopping.Cancel(), TaskScheduler.Default);
        var status = new ClusterStatusFile(options.DataDirectory, node);

        await using var nats = new NatsConnection(new NatsOpts { Url = urls, Name = $"vibesync-{node}", MaxReconnectRetry = -1 });
        var js = new NatsJSContext(nats);
        var names = prefix is null ? new ClusterNames() : new ClusterNames(prefix);
        LeaderLease lease;
        JetStreamJournal journal;
        BlobReplica blobs;
        ClusterSnapshots snapshots;
        try
        {
            Directory.CreateDirectory(options.DataDirectory);
            // The endpoint adapters are told (the key files' rule); port 0 is known only once bound, so it is not advertised.
            var advertised = options.Listen is { Port: > 0 } at ? Orchestrator.Keys.KeyFileEndpoints.For(at).ToString() : null;
            lease = await LeaderLease.OpenAsync(js, names, node, cancellationToken: stopping.Token, endpoint: advertised);
            blobs = await BlobReplica.OpenAsync(js, names, stopping.Token);
            var replica = blobs; // an entry's blobs are in the object store before the entry is appended
            journal = await JetStreamJournal.OpenAsync(js, names, new JetStreamJournalOptions { Fence = lease.EnsureMayWriteAsync,
                BeforeAppend = (entry, ct) => replica.PushAsync(LocalBlobs(options), BlobsNamed(entry.OperationJson is { } json ? System.Text.Encoding.UTF8.GetBytes(json) : null), ct),
                BeforeCheckpoint = (state, ct) => replica.PushAsync(LocalBlobs(options), BlobsNamed(state), ct) }, stopping.Token);
            snapshots = new ClusterSnapshots(await SnapshotStore.OpenAsync(js, names, lease.EnsureMayWriteAsync, stopping.Token), options.DataDirectory);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"error: cannot open the journal on the NATS cluster {urls}: {e.Message}");
            return 1;
        }
        await using var _lease = lease;

        // Standby: follow the stream until this node wins the lease.
        journal.StartFollowing();
        StandbyApi relay;
        try { relay = await StandbyApi.StartAsync(nats, names, options, lease); } // issue #22: the tools work on a standby too
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: cannot serve the control API on 127.0.0.1:{options.ApiPort}: {e.Message}");
            await journal.DisposeAsync();
            return 1;
        }
        Log(options, "api_relay", $"control API 127.0.0.1:{relay.Port} relays every request to the leader");
        var campaign = lease.CampaignAsync(stopping.Token);
        StandbyDoor? door = null;
        if (options.Listen is { } listen && !campaign.IsCompleted)
        {
            try { door = StandbyDoor.Open(options, listen, lease.NotLeaderMessage, () => lease.Holder is { Released: false } h && h.Node != node ? h.Endpoint : null); }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                await relay.DisposeAsync();
                await journal.DisposeAsync();
                return 1;
            }
            Log(options, "standby_door", $"adapters connecting at {door.Endpoint} are refused with NOT_LEADER naming the leader until this node leads");
        }
        string? said = null;
        while (!campaign.IsCompleted && !stopping.IsCancellationRequested)
        {
            status.Write("standby", lease, journal.LastSequence, null);
            if (lease.NotLeaderMessage() != said) // logged when the leader changes, not every round
                Log(options, "standby", $"{said = lease.NotLeaderMessage()}; following {names.Stream} (at record {journal.LastSequence}); this node takes over when the lease expires");
            await Task.WhenAny(campaign, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            if (!campaign.IsCompleted) await CopyBlobsAsync(options, () => blobs.PullAsync(LocalBlobs(options), stopping.Token), "pulled");
            if (!campaign.IsCompleted) await CopyBlobsAsync(options, () => snapshots.FollowAsync(stopping.Token), "pulled", "snapshot");
        }
        if (door != null) await door.DisposeAsync(); // the leader's link binds the same address next
        try { await campaign; }
        catch (OperationCanceledException)
        {
            await relay.DisposeAsync();
            await journal.DisposeAsync();
            status.Write("stopped", lease, journal.LastSequence, null);
            return 0;
        }

        await relay.DisposeAsync(); // the leader's own API takes over (its port is options.ApiPort again)
        await journal.StopFollowingAsync(stopping.Token); // the tail the old leader wrote last
        await CopyBlobsAsync(options, () => blobs.PullAsync(LocalBlobs(options), stopping.Token), "pulled");
        await CopyBlobsAsync(options, async () => { await snapshots.TakeOverAsync(stopping.Token); return 0; }, "pulled", "snapshot");
        Log(options, "leader", $"node {node} leads (term {lease.Holder?.Term}); journal {names.Stream} at record {journal.LastSequence}, Reality head {journal.RealityHead[..16]}…");
        OrchestratorService service;
        try { service = await OrchestratorService.StartAsync(options with { Journal = journal, SnapshotBundles = snapshots }); }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        status.Write("leader", lease, journal.LastSequence, null);
        var responder = ApiRelayResponder.Start(nats, names, service.ApiPort, why => Log(options, "api_relay", why)); // standbys' requests
        Console.Out.WriteLine($"vibesync serve: leader {node}, link 127.0.0.1:{service.LinkPort}, control API 127.0.0.1:{service.ApiPort}, data {options.DataDirectory} (Ctrl-C stops)");
        Console.Out.Flush();

        // Besides each entry's own blobs (copied before it is appended), the leader sweeps new blobs into the object store about once a second.
        var pushed = DateTimeOffset.MinValue;
        while (!stopping.IsCancellationRequested && lease.Lost == null && journal.Failure == null)
        {
            await Task.WhenAny(stopped.Task, Task.Delay(200, CancellationToken.None));
            if (DateTimeOffset.UtcNow - pushed < TimeSpan.FromSeconds(1)) continue;
            await CopyBlobsAsync(options, () => blobs.PushAsync(LocalBlobs(options), stopping.Token), "pushed");
            pushed = DateTimeOffset.UtcNow;
        }
        if (!stopping.IsCancellationRequested)
        {
            var why = lease.Lost ?? journal.Failure!.Message;
            Console.Error.WriteLine($"error: {why}");
            Log(options, "lost_leadership", why);
            status.Write("stopped", lease, journal.LastSequence, why);
            await responder.DisposeAsync();
            await service.DisposeAsync();
            return LostLeadership;
        }
        await responder.DisposeAsync();
        await service.DisposeAsync();
        status.Write("stopped", lease, journal.LastSequence, null);
        return 0; // disposing the lease hands it over at once
    }

    /// <summary>The blob ids a journal entry's operations or a checkpoint's scene name (as blob collection finds its roots).</summary>
    private static IEnumerable<string> BlobsNamed(byte[]? json)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (json != null) VibeSync.Orchestrator.Collection.BlobRoots.AddNamedIn(json, ids);
        return ids;
    }

    private static Blobs.BlobStore LocalBlobs(ServeOptions options) => Blobs.BlobStore.Open(Path.Combine(options.DataDirectory, "blobs"));

    /// <summary>One round of blob copying; a failure is logged and tried again next round (the journal does not wait for it).</summary>
    private static async Task CopyBlobsAsync(ServeOptions options, Func<Task<int>> copy, string verb, string what = "blob")
    {
        try
        {
            int n = await copy();
            if (n > 0) Log(options, what + "s", $"{verb} {n} {what}(s) {(verb == "pushed" ? "to" : "from")} the cluster's object store");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log(options, what + "s_failed", $"{what} copy ({verb}) failed, tried again: {e.Message}");
        }
        catch (OperationCanceledException) { }
    }

    private static void Log(ServeOptions options, string @event, string detail)
    {
        options.Log.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["ts_ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["event"] = "cluster_" + @event, ["detail"] = detail,
        }));
        options.Log.Flush();
    }
}
