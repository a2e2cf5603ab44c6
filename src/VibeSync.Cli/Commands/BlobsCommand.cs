using System.CommandLine;
using VibeSync.Blobs;
using VibeSync.Orchestrator.Collection;
using VibeSync.Orchestrator.Data;
using VibeSync.Orchestrator.Snapshots;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync blobs gc|verify</c>: the data directory's content-addressed blob store (docs/protocol.md §12.3).</summary>
internal static class BlobsCommand
{
    public static Command Create() => new("blobs", "The data directory's blob store (DIR/blobs): mesh arrays and other heavy content, named by their SHA-256.")
    {
        Gc(),
        Verify(),
    };

    private static Command Gc()
    {
        var data = DataDirectory.Option();
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be removed; remove nothing." };
        var command = new Command("gc",
            "Remove blobs nothing can use any more: not named by the newest checkpoint, by any entry the WAL still holds, or by any git snapshot " +
            $"(DIR/blobs/{PinnedBlobs.FileName}), and older than {BlobRoots.Grace.TotalMinutes:F0} minutes. serve does this when it starts and after a checkpoint; " +
            "this command needs serve stopped (it holds the data directory). Prints kept, removed and bytes freed.") { data, dryRun };
        command.SetAction(async (parse, cancel) =>
        {
            string dir = parse.GetValue(data)!.FullName;
            bool dry = parse.GetValue(dryRun);
            if (!Directory.Exists(Path.Combine(dir, "blobs"))) { Console.Error.WriteLine($"error: {dir} has no blob store (DIR/blobs)"); return Program.InputError; }
            DataDirectoryLock held;
            try { held = DataDirectoryLock.Acquire(dir); }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"error: {e.Message}; serve collects blobs itself when it starts and after each checkpoint: stop it to collect now");
                return 1;
            }
            using (held)
            {
                var done = await CollectAsync(dir, dry);
                Console.WriteLine($"{(dry ? "dry run: would keep" : "kept")} {done.Kept}, {(dry ? "would remove" : "removed")} {done.Removed} ({done.BytesFreed:N0} bytes)");
                return 0;
            }
        });
        return command;
    }

    /// <summary>Collects the store of <paramref name="dir"/>, whose lock the caller holds.</summary>
    internal static async Task<Collection> CollectAsync(string dir, bool dryRun)
    {
        var store = BlobStore.Open(Path.Combine(dir, "blobs"));
        var pins = PinnedBlobs.Open(dir);
        var roots = BlobRoots.InFiles(dir, pins);
        var snapshots = Path.Combine(dir, "snapshots");
        if (!PinnedBlobs.Exist(dir) && Directory.Exists(Path.Combine(snapshots, ".git")))
        {
            // Made before pins were kept: the snapshots' blobs are read from git history once.
            var ids = await (await SnapshotRepository.OpenAsync(snapshots)).BlobIdsInHistoryAsync();
            roots.UnionWith(ids);
            if (!dryRun) pins.Pin(ids);
        }
        return store.Collect(roots, BlobRoots.Grace, dryRun);
    }

    private static Command Verify()
    {
        var data = DataDirectory.Option();
        var command = new Command("verify", "Check that every blob's bytes still hash to its name (read in pieces). Exit 1 if any is damaged; changes nothing.") { data };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(data)!.FullName;
            if (!Directory.Exists(Path.Combine(dir, "blobs"))) { Console.Error.WriteLine($"error: {dir} has no blob store (DIR/blobs)"); return Program.InputError; }
            var store = BlobStore.Open(Path.Combine(dir, "blobs"));
            int good = 0, bad = 0;
            foreach (var id in store.All())
                if (store.Check(id) is { } problem) { bad++; Console.WriteLine($"DAMAGED {id}: {problem}"); }
                else good++;
            Console.WriteLine($"{good + bad} blob(s): {good} whole, {bad} damaged");
            return bad == 0 ? 0 : 1;
        });
        return command;
    }
}
