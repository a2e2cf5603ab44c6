using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VibeSync.Blobs;
using VibeSync.Orchestrator.Collection;
using VibeSync.Orchestrator.Snapshots;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Link.Tests;

/// <summary>
/// Collection of a data directory's blobs (issue #17 item 1) over real files: a real WAL with a
/// checkpoint, a real git snapshot repository with its pins, the real store. What nothing can use
/// any more and is old goes; everything else stays.
/// </summary>
public sealed class BlobCollectionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-gc-" + Guid.NewGuid().ToString("N"));
    private readonly BlobStore _store;

    public BlobCollectionTests() => _store = BlobStore.Open(Path.Combine(_dir, "blobs"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Put(float seed, bool old = true)
    {
        var values = new[] { seed, 0f, 0f, 1f, seed, 0f, 0f, 0f, seed };
        string id = _store.Put(new BlobShape(BlobElement.F32, 3, 3), System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        if (old) File.SetLastWriteTimeUtc(_store.PathOf(id), DateTime.UtcNow - BlobRoots.Grace - TimeSpan.FromMinutes(1));
        return id;
    }

    private string PutIndices(bool old = true)
    {
        var indices = new uint[] { 0, 1, 2 };
        string id = _store.Put(new BlobShape(BlobElement.U32, 1, 3), System.Runtime.InteropServices.MemoryMarshal.AsBytes(indices.AsSpan()));
        if (old) File.SetLastWriteTimeUtc(_store.PathOf(id), DateTime.UtcNow - BlobRoots.Grace - TimeSpan.FromMinutes(1));
        return id;
    }

    private static Mesh MeshOf(string uuid, string positions, string indices) =>
        new(uuid, 3, new Dictionary<string, string> { ["POSITION"] = positions }, new[] { new MeshPrimitive(0, indices) }, Array.Empty<string>());

    private Collection Collect() => _store.Collect(BlobRoots.InFiles(_dir, PinnedBlobs.Open(_dir)), BlobRoots.Grace);

    [Fact]
    public async Task a_blob_an_entry_names_in_a_journal_outside_the_data_directory_is_a_root()
    {
        // Team mode: serve's journal is a JetStream stream and DIR/wal does not exist. The roots come
        // from the journal serve writes (IJournal), so what only its entries name is kept.
        string named = Put(4f), unnamed = Put(5f);
        await using var journal = WriteAheadLog.Open(Path.Combine(_dir, "elsewhere"));
        await journal.AppendAsync(new WalEntry(1, IntentPhase.Provisional, 1, "both", "human:cli", new Scope(Array.Empty<string>(), IntentClass.Structural),
            OperationJson: $$$"""{"operations": [{"op": "create_mesh", "attributes": {"POSITION": "{{{named}}}"}}]}"""));
        Assert.DoesNotContain(named, BlobRoots.InFiles(_dir, PinnedBlobs.Open(_dir))); // DIR/wal names nothing
        var roots = BlobRoots.InJournal(journal, PinnedBlobs.Open(_dir), new JournalRoots());
        Assert.Contains(named, roots);
        _store.Collect(roots, BlobRoots.Grace);
        Assert.True(_store.Has(named));
        Assert.False(_store.Has(unnamed));
    }

    [Fact]
    public async Task a_blob_only_a_git_snapshot_names_survives_collection_and_a_restore_of_that_snapshot_finds_it()
    {
        string positions = Put(2f), indices = PutIndices(), unnamed = Put(3f);
        var repo = await SnapshotRepository.OpenAsync(Path.Combine(_dir, "snapshots"), PinnedBlobs.Open(_dir));
        var mesh = MeshOf("00000000-0000-4000-8000-00000000000a", positions, indices);
        var commit = await repo.CommitAsync(new Scene(Array.Empty<SceneObject>(), Array.Empty<Material>(), new[] { mesh }), "a snapshot");
        await repo.CommitAsync(Scene.Empty, "Reality moved on: the mesh is gone"); // only history names it now

        var done = Collect();

        Assert.True(_store.Has(positions) && _store.Has(indices), "a blob a snapshot names was collected");
        Assert.False(_store.Has(unnamed), "an old blob nothing names was kept");
        Assert.Equal(1, done.Removed);
        // What a restore does with it: the snapshot's mesh, checked against the store (MeshRules' content check).
        var restored = (await repo.ReadAsync(commit.Id)).Meshes.Single();
        Assert.Equal(mesh.Attributes["POSITION"], restored.Attributes["POSITION"]);
        MeshContent.Check(restored, _store, "meshes[0]");
        // The pins are a file of their own, 0600, read back after a restart without walking git history.
        Assert.Contains(positions, File.ReadAllText(PinnedBlobs.PathIn(_dir)));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PinnedBlobs.PathIn(_dir)));
    }

    [Fact]
    public async Task a_repository_made_before_pins_were_kept_gives_its_blob_names_from_history_once()
    {
        string positions = Put(4f), indices = PutIndices();
        var repo = await SnapshotRepository.OpenAsync(Path.Combine(_dir, "snapshots")); // no pins
        await repo.CommitAsync(new Scene(Array.Empty<SceneObject>(), Array.Empty<Material>(), new[] { MeshOf("00000000-0000-4000-8000-00000000000b", positions, indices) }), "old");
        await repo.CommitAsync(Scene.Empty, "gone");
        Assert.False(PinnedBlobs.Exist(_dir));
        var found = await repo.BlobIdsInHistoryAsync();
        Assert.Contains(positions, found);
        Assert.Contains(indices, found);
    }

    [Fact]
    public async Task a_blob_only_a_wal_entry_after_the_checkpoint_names_survives_and_so_does_one_the_checkpoint_names()
    {
        string inCheckpoint = Put(5f), inEntry = Put(6f), indices = PutIndices(), unnamed = Put(7f), young = Put(8f, old: false);
        var wal = WriteAheadLog.Open(Path.Combine(_dir, "wal"));
        var seeded = await wal.AppendAsync(new WalEntry(1, IntentPhase.Final, 1, "unity", "system:pairing", new Scope(Array.Empty<string>(), IntentClass.Structural)));
        var seed = new Scene(Array.Empty<SceneObject>(), Array.Empty<Material>(), new[] { MeshOf("00000000-0000-4000-8000-00000000000c", inCheckpoint, indices) });
        await wal.WriteCheckpointAsync(seeded.Sequence, Encoding.UTF8.GetBytes(SceneJsonWriter.Write(seed, Space.Canonical)));
        string op = $$"""{"operations": [{"op": "create_mesh", "uuid": "00000000-0000-4000-8000-00000000000d", "vertex_count": 3, "attributes": {"POSITION": "{{inEntry}}"}, "primitives": [{"material": 0, "indices": "{{indices}}"}], "derived": []}]}""";
        await wal.AppendAsync(new WalEntry(2, IntentPhase.Pending, 2, "both", "ai:claude", new Scope(new[] { "00000000-0000-4000-8000-00000000000d" }, IntentClass.Structural), OperationJson: op));
        await wal.DisposeAsync();

        var done = Collect();

        Assert.True(_store.Has(inEntry), "a blob a journal entry after the checkpoint names was collected");
        Assert.True(_store.Has(inCheckpoint) && _store.Has(indices), "a blob the checkpoint names was collected");
        Assert.True(_store.Has(young), "a young blob was collected");
        Assert.False(_store.Has(unnamed), "an old blob nothing names was kept");
        Assert.Equal((4, 1), (done.Kept, done.Removed));
    }

    [Fact]
    public void a_dry_run_removes_nothing_and_says_what_it_would()
    {
        string unnamed = Put(9f);
        var done = _store.Collect(new HashSet<string>(), BlobRoots.Grace, dryRun: true);
        Assert.Equal(1, done.Removed);
        Assert.True(_store.Has(unnamed));
    }

    [Fact]
    public void a_held_blob_put_again_is_young_again_so_collection_spares_it_until_its_intent_is_journaled()
    {
        string id = Put(10f);
        Put(10f, old: false); // the same bytes again (an inline mesh, an upload)
        _store.Collect(new HashSet<string>(), BlobRoots.Grace);
        Assert.True(_store.Has(id));
    }

    /// <summary>For any blobs, any of them named by any root (Reality and uploads given in memory, the WAL, pins), any ages: the reachable and the young stay, the rest go.</summary>
    [Property(MaxTest = 25)]
    public Property collection_never_removes_a_reachable_or_young_blob_and_removes_every_other(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var dir = Path.Combine(_dir, "p" + seed.Get + "-" + Guid.NewGuid().ToString("N")[..6]);
        var store = BlobStore.Open(Path.Combine(dir, "blobs"));
        var blobs = Enumerable.Range(0, random.Next(1, 12)).Select(i =>
        {
            var values = new[] { (float)random.NextDouble(), i, seed.Get };
            string id = store.Put(new BlobShape(BlobElement.F32, 3, 1), System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            bool old = random.Next(2) == 0;
            if (old) File.SetLastWriteTimeUtc(store.PathOf(id), DateTime.UtcNow - BlobRoots.Grace - TimeSpan.FromMinutes(5));
            return (Id: id, Old: old, Root: random.Next(4)); // 0 none, 1 memory, 2 a journal entry, 3 a pin
        }).ToList();
        var pins = PinnedBlobs.Open(dir);
        pins.Pin(blobs.Where(b => b.Root == 3).Select(b => b.Id));
        using (var wal = WriteAheadLog.Open(Path.Combine(dir, "wal")))
            foreach (var b in blobs.Where(b => b.Root == 2))
                wal.AppendAsync(new WalEntry(1, IntentPhase.Provisional, 1, "both", "human:cli", new Scope(Array.Empty<string>(), IntentClass.Structural),
                    OperationJson: $$$"""{"operations": [{"op": "create_mesh", "attributes": {"POSITION": "{{{b.Id}}}"}}]}""")).GetAwaiter().GetResult();
        var roots = BlobRoots.InFiles(dir, PinnedBlobs.Open(dir));
        roots.UnionWith(blobs.Where(b => b.Root == 1).Select(b => b.Id));
        store.Collect(roots, BlobRoots.Grace);
        return blobs.All(b => store.Has(b.Id) == (b.Root != 0 || !b.Old)).Label(string.Join(", ", blobs.Select(b => $"{b.Id[..6]} old={b.Old} root={b.Root} has={store.Has(b.Id)}")));
    }

    /// <summary>
    /// The roots serve's collections find, reading only what was appended since the last (a journal
    /// with a checkpoint, entries before and after it, a PENDING one before it, collections between
    /// rounds of appends, a second checkpoint), are exactly those of a read of the whole journal,
    /// and the journal's records are read once in all, not once per collection.
    /// </summary>
    [Property(MaxTest = 20)]
    public Property the_roots_read_incrementally_are_the_full_reads_and_each_record_is_read_once(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var dir = Path.Combine(_dir, "j" + seed.Get + "-" + Guid.NewGuid().ToString("N")[..6]);
        string Id() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        var pins = PinnedBlobs.Open(dir);
        pins.Pin(new[] { Id() });
        var incremental = new JournalRoots();
        var failures = new List<string>();
        long collections = 0;
        using (var wal = WriteAheadLog.Open(Path.Combine(dir, "wal"), new WalOptions { SegmentSize = 4096 }))
        {
            IJournal journal = wal;
            ulong intent = 0;
            for (int round = 0; round < random.Next(2, 6); round++)
            {
                for (int n = random.Next(0, 40); n > 0; n--)
                {
                    var phase = (IntentPhase)random.Next(1, 5);
                    string? op = random.Next(3) == 0 ? null
                        : $$$"""{"operations": [{"op": "create_mesh", "attributes": {"POSITION": "{{{Id()}}}"}, "primitives": [{"indices": "{{{Id()}}}"}]}], "based_on": "{{{Id()}}}"}""";
                    var written = wal.AppendAsync(new WalEntry(++intent, phase, 1, "both", "ai:claude", new Scope(Array.Empty<string>(), IntentClass.Structural), OperationJson: op)).GetAwaiter().GetResult();
                    if (random.Next(15) == 0)
                    {
                        var scene = new Scene(Array.Empty<SceneObject>(), Array.Empty<Material>(), new[] { MeshOf("00000000-0000-4000-8000-0000000000" + random.Next(10, 99), Id(), Id()) });
                        journal.WriteCheckpointAsync(written.Sequence, Encoding.UTF8.GetBytes(SceneJsonWriter.Write(scene, Space.Canonical))).GetAwaiter().GetResult();
                    }
                }
                var found = BlobRoots.InJournal(journal, pins, incremental);
                collections++;
                var full = new HashSet<string>(pins.Ids, StringComparer.Ordinal); // what reading everything finds
                if (journal.NewestCheckpoint()?.State is { } state) BlobRoots.AddNamedIn(state, full);
                foreach (var record in journal.ReadAll())
                    if (record.Entry.OperationJson is { } json) BlobRoots.AddNamedIn(Encoding.UTF8.GetBytes(json), full);
                if (!found.SetEquals(full)) failures.Add($"round {round}: {found.Count} roots found, the full read {full.Count}");
            }
            if (incremental.RecordsRead != (long)journal.LastSequence)
                failures.Add($"{collections} collections read {incremental.RecordsRead} records of a journal of {journal.LastSequence}");
        }
        return (failures.Count == 0).Label(string.Join("; ", failures));
    }

    [Fact]
    public async Task serves_first_collection_takes_the_start_up_read_and_a_later_one_reads_only_what_was_appended()
    {
        await using var wal = WriteAheadLog.Open(Path.Combine(_dir, "wal"));
        string early = Put(11f), late = Put(12f);
        await wal.AppendAsync(new WalEntry(1, IntentPhase.Pending, 1, "both", "ai:claude", new Scope(Array.Empty<string>(), IntentClass.Structural),
            OperationJson: $$$"""{"operations": [{"op": "create_mesh", "attributes": {"POSITION": "{{{early}}}"}}]}"""));
        for (ulong i = 2; i <= 500; i++)
            await wal.AppendAsync(new WalEntry(i, IntentPhase.Final, 1, "both", "human:cli", new Scope(Array.Empty<string>(), IntentClass.Cosmetic)));
        IJournal journal = wal;
        var named = new JournalRoots();
        named.Add(journal.ReadAll()); // serve's start-up read, handed over
        Assert.Contains(early, BlobRoots.InJournal(journal, PinnedBlobs.Open(_dir), named));
        Assert.Equal(0, named.RecordsRead);
        await wal.AppendAsync(new WalEntry(501, IntentPhase.Provisional, 1, "both", "ai:claude", new Scope(Array.Empty<string>(), IntentClass.Structural),
            OperationJson: $$$"""{"operations": [{"op": "create_mesh", "attributes": {"POSITION": "{{{late}}}"}}]}"""));
        var roots = BlobRoots.InJournal(journal, PinnedBlobs.Open(_dir), named);
        Assert.Equal(1, named.RecordsRead); // one record appended since: one read, not 501
        Assert.Contains(early, roots); // a PENDING intent before it is still a root: a restart restores it from its entry
        Assert.Contains(late, roots);
    }
}
