using System.Diagnostics;
using NATS.Client.JetStream;

namespace VibeSync.Cluster.Tests;

/// <summary>Leadership by a lease in a JetStream KV bucket.</summary>
public sealed class LeaderLeaseTests : IAsyncLifetime
{
    private NatsCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await NatsCluster.StartAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync().AsTask();

    [Fact]
    public async Task exactly_one_of_two_nodes_leads_and_the_standby_leads_within_5_s_once_the_leader_stops_renewing()
    {
        await using var natsA = _cluster.Connect();
        await using var natsB = _cluster.Connect();
        var names = new ClusterNames("LEASE");
        await using var a = await LeaderLease.OpenAsync(new NatsJSContext(natsA), names, "alpha");
        await using var b = await LeaderLease.OpenAsync(new NatsJSContext(natsB), names, "beta");

        await a.CampaignAsync();
        var standby = b.CampaignAsync();
        await Task.Delay(4000); // longer than the TTL: renewals keep alpha leading
        Assert.False(standby.IsCompleted);
        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        Assert.Equal("not the leader: alpha leads (term 1)", b.NotLeaderMessage());
        await Assert.ThrowsAsync<NotLeaderException>(() => b.EnsureMayWriteAsync(CancellationToken.None));

        var clock = Stopwatch.StartNew();
        await a.StopRenewingAsync(); // what kill -9 does to the renewals
        await standby.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took over after {clock.Elapsed}");
        Assert.True(b.IsLeader);
        Assert.Equal(2UL, b.Holder!.Term);
        await b.EnsureMayWriteAsync(CancellationToken.None);
        await Assert.ThrowsAsync<NotLeaderException>(() => a.EnsureMayWriteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task a_lease_released_by_a_clean_stop_is_taken_at_once_by_exactly_one_standby_and_its_term_never_goes_back()
    {
        // Before, a clean stop deleted the record and the next leader started again at term 1.
        var names = new ClusterNames("LEASEREL");
        await using var natsA = _cluster.Connect();
        await using var natsB = _cluster.Connect();
        await using var natsC = _cluster.Connect();
        var a = await LeaderLease.OpenAsync(new NatsJSContext(natsA), names, "alpha", endpoint: "h1:7420");
        await using var b = await LeaderLease.OpenAsync(new NatsJSContext(natsB), names, "beta");
        await using var c = await LeaderLease.OpenAsync(new NatsJSContext(natsC), names, "gamma");
        await a.CampaignAsync();
        Assert.Equal(1UL, a.Holder!.Term);
        var campaigns = new[] { (Lease: b, Won: b.CampaignAsync()), (Lease: c, Won: c.CampaignAsync()) };
        for (int i = 0; i < 50 && (b.Holder == null || c.Holder == null); i++) await Task.Delay(100);

        var clock = Stopwatch.StartNew();
        await a.DisposeAsync(); // a clean stop: released, not deleted
        var first = await Task.WhenAny(campaigns.Select(x => x.Won));
        await first;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"a released lease was taken after {clock.Elapsed} (the TTL is 3 s: it should be at once)");
        var (winner, other) = campaigns[0].Won == first ? (campaigns[0], campaigns[1]) : (campaigns[1], campaigns[0]);
        Assert.True(winner.Lease.IsLeader);
        Assert.Equal(2UL, winner.Lease.Holder!.Term);
        await Assert.ThrowsAsync<NotLeaderException>(() => a.EnsureMayWriteAsync(CancellationToken.None)); // the released holder writes nothing
        await Task.Delay(1000);
        Assert.False(other.Won.IsCompleted, $"two standbys took one released lease: {other.Won.Status} {other.Won.Exception?.GetBaseException().Message}; {winner.Lease.Node} {winner.Lease.Holder} leader={winner.Lease.IsLeader}, {other.Lease.Node} {other.Lease.Holder} leader={other.Lease.IsLeader}");
        Assert.False(other.Lease.IsLeader);
        Assert.Equal($"not the leader: {winner.Lease.Node} leads (term 2)", other.Lease.NotLeaderMessage());

        await winner.Lease.DisposeAsync(); // released again: the other takes it, term 3
        await other.Won.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3UL, other.Lease.Holder!.Term);

        await other.Lease.DisposeAsync(); // the last node stops: nobody leads, the record stays, released
        await using var natsD = _cluster.Connect();
        await using var d = await LeaderLease.OpenAsync(new NatsJSContext(natsD), names, "delta");
        clock.Restart();
        await d.CampaignAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"a node starting alone waited {clock.Elapsed} for a released lease");
        Assert.Equal(4UL, d.Holder!.Term);
    }

    [Fact]
    public async Task a_standby_learns_the_leaders_endpoint_from_the_lease_and_a_new_leader_advertises_its_own()
    {
        await using var natsA = _cluster.Connect();
        await using var natsB = _cluster.Connect();
        var names = new ClusterNames("LEASEAT");
        await using var a = await LeaderLease.OpenAsync(new NatsJSContext(natsA), names, "alpha", endpoint: "h1:7420");
        await using var b = await LeaderLease.OpenAsync(new NatsJSContext(natsB), names, "beta", endpoint: "h2:7420");

        await a.CampaignAsync();
        var standby = b.CampaignAsync();
        for (int i = 0; i < 50 && b.Holder == null; i++) await Task.Delay(100);
        Assert.Equal(("alpha", "h1:7420"), (b.Holder!.Node, b.Holder.Endpoint));
        Assert.Equal("not the leader: alpha leads (term 1) at h1:7420", b.NotLeaderMessage());

        await a.StopRenewingAsync();
        await standby.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(("beta", "h2:7420", 2UL), (b.Holder!.Node, b.Holder.Endpoint, b.Holder.Term));
        // A third node reads the new leader's endpoint from the KV record.
        await using var natsC = _cluster.Connect();
        await using var c = await LeaderLease.OpenAsync(new NatsJSContext(natsC), names, "gamma");
        using var stop = new CancellationTokenSource();
        var watching = c.CampaignAsync(stop.Token);
        for (int i = 0; i < 50 && c.Holder == null; i++) await Task.Delay(100);
        Assert.Equal(("beta", "h2:7420"), (c.Holder!.Node, c.Holder.Endpoint));
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
    }

    [Fact]
    public async Task a_leader_whose_lease_was_taken_stops_writing_and_its_journal_is_fenced()
    {
        await using var natsA = _cluster.Connect();
        await using var natsB = _cluster.Connect();
        var (jsA, jsB) = (new NatsJSContext(natsA), new NatsJSContext(natsB));
        var names = new ClusterNames("DEPOSED");
        var a = await LeaderLease.OpenAsync(jsA, names, "alpha", TimeSpan.FromSeconds(2));
        await using var b = await LeaderLease.OpenAsync(jsB, names, "beta", TimeSpan.FromSeconds(2));
        await a.CampaignAsync();
        await using var journalA = await JetStreamJournal.OpenAsync(jsA, names, new JetStreamJournalOptions { Fence = a.EnsureMayWriteAsync, AckTimeout = TimeSpan.FromSeconds(3) });
        await journalA.AppendAsync(Entries.Final(1));

        // alpha is partitioned from its lease (its renewals stop) but its process lives on.
        await a.StopRenewingAsync();
        await b.CampaignAsync();
        await using var journalB = await JetStreamJournal.OpenAsync(jsB, names, new JetStreamJournalOptions { Fence = b.EnsureMayWriteAsync });
        await journalB.AppendAsync(Entries.Final(2));

        var refused = await Assert.ThrowsAsync<WalFailedException>(() => journalA.AppendAsync(Entries.Final(3)));
        Assert.Contains("stop", refused.Message);
        var all = journalB.ReadAll();
        Assert.Equal(new ulong[] { 1, 2 }, all.Select(r => r.Entry.IntentId));
    }
}
