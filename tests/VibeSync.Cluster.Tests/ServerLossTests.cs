using System.Diagnostics;
using NATS.Client.JetStream;

namespace VibeSync.Cluster.Tests;

/// <summary>Killing NATS servers under a stream of appends: one lost is a stall, two lost stop writes until a quorum returns.</summary>
public sealed class ServerLossTests
{
    [Fact]
    public async Task killing_one_nats_server_during_appends_loses_nothing_and_fails_nothing()
    {
        await using var cluster = await NatsCluster.StartAsync();
        await using var nats = cluster.Connect();
        var js = new NatsJSContext(nats);
        var names = new ClusterNames("ONEDOWN");
        await using var journal = await JetStreamJournal.OpenAsync(js, names);
        // The stream's Raft leader is the worst one to lose: its followers must elect a new one.
        var leader = (await js.GetStreamAsync(names.Stream)).Info.Cluster?.Leader;
        int victim = leader is { Length: > 1 } ? int.Parse(leader[1..]) : 0;

        var acknowledged = new List<ulong>();
        var stall = TimeSpan.Zero;
        for (ulong i = 1; i <= 150; i++)
        {
            if (i == 50) cluster.Kill(victim);
            var clock = Stopwatch.StartNew();
            var result = await journal.AppendAsync(Entries.Final(i)); // none may fail
            if (clock.Elapsed > stall) stall = clock.Elapsed;
            acknowledged.Add(result.Sequence);
        }
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (ulong)i), acknowledged);
        Assert.True(stall < TimeSpan.FromSeconds(15), $"the longest stall was {stall}");

        await using var reopened = await JetStreamJournal.OpenAsync(js, names);
        Assert.Equal(150UL, reopened.LastSequence);
        Assert.Equal(journal.RealityHead, reopened.RealityHead);
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (ulong)i), reopened.ReadAll().Select(r => r.Entry.IntentId));
    }

    [Fact]
    public async Task killing_two_nats_servers_stops_appends_with_a_clear_error_and_they_resume_when_a_quorum_returns()
    {
        await using var cluster = await NatsCluster.StartAsync();
        await using var nats = cluster.Connect();
        var js = new NatsJSContext(nats);
        var names = new ClusterNames("TWODOWN");
        await using var journal = await JetStreamJournal.OpenAsync(js, names, new JetStreamJournalOptions { AckTimeout = TimeSpan.FromSeconds(4) });
        for (ulong i = 1; i <= 10; i++) await journal.AppendAsync(Entries.Final(i));

        cluster.Kill(1);
        cluster.Kill(2);
        var refused = await Assert.ThrowsAsync<WalFailedException>(() => journal.AppendAsync(Entries.Final(11)));
        Assert.Contains("did not acknowledge", refused.Message);
        Assert.Contains("quorum", refused.Message);

        cluster.Start(1); // a quorum again: the next append goes through (after the stream elects a leader)
        WalAppendResult? resumed = null;
        var clock = Stopwatch.StartNew();
        var errors = new List<string>();
        while (resumed == null && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try { resumed = await journal.AppendAsync(Entries.Final(12)); }
            catch (WalFailedException e) { errors.Add($"{clock.Elapsed.TotalSeconds:0.0}s {e.Message}"); }
        }
        Assert.True(resumed != null, string.Join("\n", errors));

        await using var reopened = await JetStreamJournal.OpenAsync(js, names);
        var intents = reopened.ReadAll().Select(r => r.Entry.IntentId).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), intents.Take(10)); // everything acknowledged is there
        Assert.Equal(12UL, intents[^1]);
        Assert.Equal(resumed!.Sequence, reopened.LastSequence);
        Assert.Equal(journal.RealityHead, reopened.RealityHead);
    }
}
