using System.CommandLine;
using VibeSync.Cli.Chaos;
using VibeSync.Cli.Hosts;

namespace VibeSync.Cli.Commands;

/// <summary>
/// <c>vibesync chaos</c>: a seeded soak of the whole product (serve, real headless Blender, the
/// Unity simulator, an AI through MCP, humans at both editors and the CLI) under kill -9s, reloads,
/// junk on the link, and a full disk, checking its invariants from outside all along.
/// </summary>
internal static class ChaosCommand
{
    private const string Marker = "chaos.json";

    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "How long faults and work are injected; then the soak settles and makes its final checks (a few minutes more).", DefaultValueFactory = _ => 3 };
        var seed = new Option<int?>("--seed") { Description = "The seed: the scene, the order the editors start in and every step of the schedule come from it, so a failing run replays with the same seed. Default: a random one, printed." };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Where the soak keeps its project (the .blend, the Unity scene file) and serve's data directory (DIR/data). Default: a fresh directory under the system temp directory. An existing directory must be empty or an earlier soak's (then it is replaced)." };
        var keep = new Option<bool>("--keep") { Description = "Leave the directory behind at the end (serve's data directory is copied off its tmpfs), for `vibesync wal show --data DIR/data` and the snapshots' git log." };
        var objects = new Option<int>("--objects") { Description = "Objects in the generated scene (a hierarchy of meshes with UVs and materials, empties, cameras, lights, a few kept from AI).", DefaultValueFactory = _ => 300 };
        var tmpfs = new Option<int>("--tmpfs-mb") { Description = "Size in MiB of the tmpfs mounted under serve's data directory for the full-disk fault (needs root; without root that fault is skipped). At least 160: serve preallocates its WAL in 64 MiB segments.", DefaultValueFactory = _ => 256 };
        var rss = new Option<int>("--rss-limit-mb") {
            Description = "Bound on serve's resident memory (VmRSS, sampled every 2 s); above it is a violation. The default, 512 MiB, is several times what serve needs for a scene of this size " +
                          "(the .NET runtime, the web host and Reality of a few hundred records take about 100–150 MiB): only memory that grows with time gets there.",
            DefaultValueFactory = _ => 512,
        };
        var printPlan = new Option<int?>("--print-plan") { Description = "Print the first N steps of the seed's schedule (pause, step, its own seed) and exit, starting nothing: what a replay of the seed will play." };
        var command = new Command("chaos",
            "A randomized soak that proves the invariants: runs serve, real headless Blender (on a generated project of a few hundred objects) and the Unity simulator, " +
            "and injects, from the seed, kill -9 of each (then restarts it), domain reloads, Blender undo/redo and file reloads, junk connections on the link port, " +
            "a full disk under serve's data directory, human edits in both editors, AI intents through MCP and a human's approvals. " +
            "It checks from outside all along: no acknowledged FINAL lost, every LIVE engine's root equals Reality's, no echo between engines, the WAL chain verifies, " +
            "serve's memory stays bounded; and at the end that all three roots are equal. Prints progress, then a summary; exits 1 on any violation, with the seed to replay it.")
        {
            minutes, seed, data, keep, objects, tmpfs, rss, printPlan,
        };
        command.SetAction(async (parse, cancel) =>
        {
            double m = parse.GetValue(minutes);
            int n = parse.GetValue(objects), size = parse.GetValue(tmpfs), limit = parse.GetValue(rss);
            if (m <= 0 || m > 24 * 60) { Console.Error.WriteLine("error: --minutes must be more than 0 and at most 1440"); return Program.InputError; }
            if (n < 20 || n > 5000) { Console.Error.WriteLine("error: --objects must be 20…5000"); return Program.InputError; }
            if (size < 160) { Console.Error.WriteLine("error: --tmpfs-mb must be at least 160 (serve preallocates 64 MiB WAL segments)"); return Program.InputError; }
            if (limit < 64) { Console.Error.WriteLine("error: --rss-limit-mb must be at least 64"); return Program.InputError; }
            int s = parse.GetValue(seed) ?? Random.Shared.Next();
            if (parse.GetValue(printPlan) is { } count)
            {
                if (count < 1) { Console.Error.WriteLine("error: --print-plan needs a count of 1 or more"); return Program.InputError; }
                Console.WriteLine($"plan {ChaosPlan.Fingerprint(s)} of seed {s}");
                foreach (var step in new ChaosPlan(s).Steps().Take(count))
                    Console.WriteLine($"#{step.Index,-5} +{step.GapSeconds:F2}s  {step.Name,-28} seed {step.Seed}");
                return 0;
            }
            if (BlenderInstall.Missing() is { } missing) { Console.Error.WriteLine("error: " + missing); return Program.InputError; }
            string dir = parse.GetValue(data)?.FullName ?? Path.Combine(Path.GetTempPath(), $"vibesync-chaos-{s}-{Guid.NewGuid():N}"[..40]);
            if (Prepare(dir, s) is { } refused) { Console.Error.WriteLine("error: " + refused); return Program.InputError; }
            try { return await new ChaosSoak(new ChaosOptions(m, s, dir, parse.GetValue(keep), n, size, limit), Console.Out).RunAsync(cancel); }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"error: the soak could not run: {e.Message}");
                Console.Error.WriteLine($"  replay: vibesync chaos --minutes {m} --seed {s}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Makes an empty soak directory, replacing an earlier soak's; the refusal when it is someone else's.</summary>
    private static string? Prepare(string dir, int seed)
    {
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            if (!File.Exists(Path.Combine(dir, Marker))) return $"{dir} exists and was not made by `vibesync chaos`; choose another with --data";
            if (SmallDisk.UnmountLeftover(Path.Combine(dir, "data")) is { } stuck) return stuck; // an interrupted soak's tmpfs
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, Marker), $"{{\"made_by\": \"vibesync chaos\", \"seed\": {seed}}}\n");
        return null;
    }
}
