using System.Diagnostics;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// Scene-root cost: from scratch (encode and hash every record, sort, build the tree) and after
/// one object changes (re-hash that record, update its path). Single-threaded, pinned to one core.
/// </summary>
internal static class HashBenchmark
{
    public sealed record Result(
        int Objects, int Rounds, double FromScratchMedianMs, double FromScratchMinMs,
        int Updates, double UpdateP50Us, double UpdateP99Us, double UpdateMeanUs, bool PinnedToOneCore, string Sha256);

    public static Result Run(int objects, int rounds, int updates, Action<string> progress)
    {
        bool pinned = PinToOneCore();
        var scene = SyntheticScene.Objects(objects, seed: 20261122);

        progress($"warming up on {objects:N0} objects");
        for (int i = 0; i < 2; i++) SceneHasher.Tree(scene);

        var scratch = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            progress($"root from scratch, round {r + 1}/{rounds}");
            var sw = Stopwatch.StartNew();
            var tree = SceneHasher.Tree(scene);
            sw.Stop();
            GC.KeepAlive(tree);
            scratch[r] = sw.Elapsed.TotalMilliseconds;
        }
        double scratchMin = scratch.Min();

        progress($"{updates:N0} single-object updates");
        var live = SceneHasher.Tree(scene);
        var random = new Random(7);
        var samples = new double[updates];
        var changed = new SceneObject[updates];
        for (int i = 0; i < updates; i++)
        {
            var o = scene.Objects[random.Next(objects)];
            changed[i] = o with { Translation = new Vector3d(SyntheticScene.Coordinate(random), o.Translation.Y, o.Translation.Z) };
        }
        long total = 0;
        for (int i = 0; i < updates; i++)
        {
            long start = Stopwatch.GetTimestamp();
            live.Set(changed[i].Uuid, RecordHash.Of(changed[i]));
            long elapsed = Stopwatch.GetTimestamp() - start;
            total += elapsed;
            samples[i] = elapsed * 1e6 / Stopwatch.Frequency;
        }
        double mean = total * 1e6 / Stopwatch.Frequency / updates;

        return new Result(objects, rounds, Percentiles.Of(scratch, 0.5), scratchMin,
            updates, Percentiles.Of(samples, 0.5), Percentiles.Of(samples, 0.99), mean, pinned,
            VibeSync.Protocol.Crypto.Sha256.IsNative ? "OpenSSL low-level SHA256_*" : "framework SHA256.HashData");
    }

    private static bool PinToOneCore()
    {
        try
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
            {
                Process.GetCurrentProcess().ProcessorAffinity = 1;
                return true;
            }
        }
        catch (Exception e) when (e is PlatformNotSupportedException or System.ComponentModel.Win32Exception or InvalidOperationException) { }
        return false;
    }
}
