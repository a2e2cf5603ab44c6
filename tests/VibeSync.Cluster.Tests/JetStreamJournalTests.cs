using NATS.Client.Core;
using NATS.Client.JetStream;
using VibeSync.Protocol.Intents;

namespace VibeSync.Cluster.Tests;

/// <summary>The journal on a 3-replica JetStream stream, against three real nats-server processes.</summary>
public sealed class JetStreamJournalTests : IAsyncLifetime
{
    private NatsCluster _cluster = null!;
    private NatsConnection _nats = null!;
    private NatsJSContext _js = null!;

    public async Task InitializeAsync()
    {
        _cluster = await NatsCluster.StartAsync();
        _nats = _cluster.Connect();
        _js = new NatsJSContext(_nats);
    }

    public async Task DisposeAsync()
    {
        await _nats.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task appends_are_acknowledged_and_replayed_in_order_with_the_chain_verified()
    {
        var names = new ClusterNames("ORDER");
        var heads = new List<string>();
        await using (var journal = await JetStreamJournal.OpenAsync(_js, names))
        {
            for (ulong i = 1; i <= 40; i++)
            {
                var result = await journal.AppendAsync(Entries.Final(i));
                Assert.Equal(i, result.Sequence);
            }
            heads.Add(journal.RealityHead);
            await journal.WriteCheckpointAsync(40, "scene"u8.ToArray());
        }
        var stream = await _js.GetStreamAsync(names.Stream);
        Assert.Equal(3, stream.Info.Config.NumReplicas);
        Assert.Equal(40UL, stream.Info.State.LastSeq);

        await using var reopened = await JetStreamJournal.OpenAsync(_js, names);
        Assert.Equal(40UL, reopened.LastSequence);
        Assert.Equal(heads[0], reopened.RealityHead);
        Assert.Equal(40, reopened.Recovery.FinalCount);
        Assert.Equal(40UL, reopened.Recovery.MaxIntentId);
        Assert.Equal(40UL, reopened.Recovery.CheckpointSequence);
        Assert.Equal("scene"u8.ToArray(), reopened.Recovery.CheckpointState);
        var records = reopened.ReadAll();
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), records.Select(r => r.Sequence));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => $"edit {i}"), records.Select(r => r.Entry.Rationale));
        for (int i = 1; i < records.Count; i++) Assert.Equal(records[i - 1].EntryHash, records[i].ParentHash);
        Assert.Equal(41UL, (await reopened.AppendAsync(Entries.Final(41))).Sequence); // and it writes on from there
    }

    [Fact]
    public async Task the_same_records_make_the_same_reality_head_as_the_local_wal()
    {
        var dir = Directory.CreateTempSubdirectory("vibesync-wal-").FullName;
        try
        {
            string local;
            await using (var wal = WriteAheadLog.Open(dir))
            {
                for (ulong i = 1; i <= 10; i++) await wal.AppendAsync(Entries.Final(i));
                local = wal.RealityHead;
            }
            await using var journal = await JetStreamJournal.OpenAsync(_js, new ClusterNames("SAMEHEAD"));
            for (ulong i = 1; i <= 10; i++) await journal.AppendAsync(Entries.Final(i));
            Assert.Equal(local, journal.RealityHead);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task a_message_that_is_not_a_verified_record_refuses_to_open()
    {
        var names = new ClusterNames("TAMPER");
        await using (var journal = await JetStreamJournal.OpenAsync(_js, names))
            for (ulong i = 1; i <= 3; i++) await journal.AppendAsync(Entries.Final(i));
        (await _js.PublishAsync(names.Subject, "not a record"u8.ToArray())).EnsureSuccess();

        var e = await Assert.ThrowsAsync<WalCorruptException>(() => JetStreamJournal.OpenAsync(_js, names));
        Assert.Contains("message 4", e.Message);
    }

    [Fact]
    public async Task a_second_writer_with_a_stale_expected_sequence_is_refused_and_writes_nothing()
    {
        var names = new ClusterNames("FENCE");
        await using var leader = await JetStreamJournal.OpenAsync(_js, names);
        for (ulong i = 1; i <= 3; i++) await leader.AppendAsync(Entries.Final(i));
        await using var stale = await JetStreamJournal.OpenAsync(_js, names); // saw 3 records
        await leader.AppendAsync(Entries.Final(4));                            // the stream moves on without it

        var refused = await Assert.ThrowsAsync<WalFailedException>(() => stale.AppendAsync(Entries.Final(100)));
        Assert.Contains("not the leader", refused.Message);
        Assert.NotNull(stale.Failure);
        await Assert.ThrowsAsync<WalFailedException>(() => stale.AppendAsync(Entries.Final(101))); // fail-stop: no second try

        var stream = await _js.GetStreamAsync(names.Stream);
        Assert.Equal(4UL, stream.Info.State.LastSeq);
        await using var reader = await JetStreamJournal.OpenAsync(_js, names);
        Assert.DoesNotContain(reader.ReadAll(), r => r.Entry.IntentId >= 100);
        Assert.Equal(5UL, (await leader.AppendAsync(Entries.Final(5))).Sequence); // the real leader is unaffected
    }

    [Fact]
    public async Task a_deposed_writer_cannot_write_the_first_record_of_an_empty_stream()
    {
        var names = new ClusterNames("FIRST");
        await using var stale = await JetStreamJournal.OpenAsync(_js, names);  // saw an empty stream
        await using var leader = await JetStreamJournal.OpenAsync(_js, names); // so did the one that leads
        Assert.Equal(1UL, (await leader.AppendAsync(Entries.Final(1))).Sequence);

        // Its expected last sequence is 0: nats-server 2.9.10 checks it (the header is sent, and 0 is compared like any other value).
        var refused = await Assert.ThrowsAsync<WalFailedException>(() => stale.AppendAsync(Entries.Final(100)));
        Assert.Contains("not the leader", refused.Message);
        var stream = await _js.GetStreamAsync(names.Stream);
        Assert.Equal(1L, (long)stream.Info.State.Messages);
        await using var reader = await JetStreamJournal.OpenAsync(_js, names); // the stream still verifies as one chain
        Assert.Equal(new ulong[] { 1 }, reader.ReadAll().Select(r => r.Entry.IntentId));
    }

    [Fact]
    public async Task two_writers_racing_for_the_first_record_of_an_empty_stream_leave_exactly_one()
    {
        var names = new ClusterNames("RACE");
        await using var a = await JetStreamJournal.OpenAsync(_js, names);
        await using var b = await JetStreamJournal.OpenAsync(_js, names);
        var results = await Task.WhenAll(new[] { (a, 1UL), (b, 2UL) }.Select(async w =>
        {
            try { await w.Item1.AppendAsync(Entries.Final(w.Item2)); return true; }
            catch (WalFailedException) { return false; }
        }));
        Assert.Single(results, won => won);
        var stream = await _js.GetStreamAsync(names.Stream);
        Assert.Equal(1L, (long)stream.Info.State.Messages);
        await using var reader = await JetStreamJournal.OpenAsync(_js, names);
        Assert.Single(reader.ReadAll());
    }

    [Fact]
    public async Task a_ranged_read_returns_only_the_range_with_its_chain_anchored_on_the_record_before_it()
    {
        var names = new ClusterNames("RANGE");
        await using var journal = await JetStreamJournal.OpenAsync(_js, names);
        for (ulong i = 1; i <= 12; i++) await journal.AppendAsync(Entries.Final(i));
        var all = journal.ReadAll();
        var range = journal.ReadRange(4, 9);
        Assert.Equal(new ulong[] { 5, 6, 7, 8, 9 }, range.Select(r => r.Sequence));
        Assert.Equal(all[3].EntryHash, range[0].ParentHash);
        Assert.Equal(all[8].EntryHash, range[^1].EntryHash);
        Assert.Equal(new ulong[] { 1, 2 }, journal.ReadRange(0, 2).Select(r => r.Sequence));
        Assert.Equal(new ulong[] { 11, 12 }, journal.ReadRange(10, 99).Select(r => r.Sequence)); // not past the last record
        Assert.Empty(journal.ReadRange(12, 12));
        Assert.Null(journal.NewestCheckpoint());
        await journal.WriteCheckpointAsync(7, "seven"u8.ToArray());
        Assert.Equal(7UL, journal.NewestCheckpoint()!.Sequence);
        Assert.Equal("seven"u8.ToArray(), journal.NewestCheckpoint()!.State);
    }

    [Fact]
    public async Task a_standby_follows_the_stream_and_writes_once_it_stops_following()
    {
        var names = new ClusterNames("FOLLOW");
        await using var leader = await JetStreamJournal.OpenAsync(_js, names);
        await using var standby = await JetStreamJournal.OpenAsync(_js, names);
        var seen = new List<ulong>();
        standby.Durable += (sequence, _) => { lock (seen) seen.Add(sequence); };
        standby.StartFollowing();
        for (ulong i = 1; i <= 5; i++) await leader.AppendAsync(Entries.Final(i));
        await Until(() => standby.LastSequence == 5);
        Assert.Equal(leader.RealityHead, standby.RealityHead);
        await Assert.ThrowsAsync<NotLeaderException>(() => standby.AppendAsync(Entries.Final(99)));

        await leader.DisposeAsync();
        await standby.StopFollowingAsync();
        Assert.Equal(6UL, (await standby.AppendAsync(Entries.Final(6))).Sequence);
        lock (seen) Assert.Equal(new ulong[] { 1, 2, 3, 4, 5, 6 }, seen);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
