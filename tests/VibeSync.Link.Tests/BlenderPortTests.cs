using System.Diagnostics;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Pipeline;
using VibeSync.Link.Ports;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;

using VibeSync.Link.Tests.Support;

namespace VibeSync.Link.Tests;

/// <summary>
/// The pipeline's engine port over the real link to a real headless Blender running the add-on
/// (adapters/blender/headless.py): APPLY, READ, ROLLBACK and FINALIZE across processes, with the
/// adapter's answers checked against what Blender then holds. run-tests installs Blender.
/// </summary>
public sealed class BlenderPortTests : IAsyncLifetime
{

    private readonly RecordingHost _host = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-port-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _log = new();
    private LinkServer _server = null!;
    private Process _blender = null!;

    public async Task InitializeAsync()
    {
        var keys = new Dictionary<string, byte[]> { [Engines.Blender] = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), [Engines.Unity] = new byte[32] };
        _server = new LinkServer(new LinkOptions(), keys, _host, new LinkLog(TextWriter.Synchronized(_log), TimeProvider.System), TimeProvider.System);
        _server.Start();
        // What `vibesync serve` leaves in its data directory, which the runner reads.
        Directory.CreateDirectory(Path.Combine(_dir, "keys"));
        File.WriteAllText(Path.Combine(_dir, "keys", "blender.key"), Hex.Encode(keys[Engines.Blender]));
        File.WriteAllText(Path.Combine(_dir, "serve.json"), $"{{\"link_port\": {_server.Port}}}");
        var runner = Path.Combine(RepoPaths.Root, "adapters", "blender", "headless.py");
        var info = new ProcessStartInfo("blender") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-b", "--factory-startup", "--python", runner, "--", "--data", _dir, "--seconds", "60" }) info.ArgumentList.Add(a);
        _blender = Process.Start(info) ?? throw new InvalidOperationException("blender did not start (run-tests installs it: apt-get install blender)");
        _blender.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.WriteLine("blender: " + e.Data); };
        _blender.ErrorDataReceived += (_, e) => { };
        _blender.BeginOutputReadLine();
        _blender.BeginErrorReadLine();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (_host.Scene == null && DateTime.UtcNow < until && !_blender.HasExited) await Task.Delay(50);
        Assert.True(_host.Scene != null, "Blender never reported its scene\n" + _log);
    }

    public async Task DisposeAsync()
    {
        if (!_blender.HasExited) _blender.Kill(entireProcessTree: true);
        await _blender.WaitForExitAsync();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private SceneObject Cube => _host.Scene!.Objects.Single(o => o.Name == "Cube");

    [Fact]
    public async Task an_intent_is_applied_read_back_rolled_back_exactly_and_finalized_in_real_blender()
    {
        var port = new LinkEnginePort(_server, Engines.Blender);
        var cube = Cube;
        var before = await port.ReadAsync(new[] { cube.Uuid });
        Assert.Equal(Hex.Encode(RecordHash.Of(cube)), Hex.Encode(RecordHash.Of(before.Objects.Single())));

        var token = await port.ApplyProvisionalAsync(1, new Operation[] { new SetTransform(cube.Uuid, new Vector3d(1, 2, 3), null, null) });
        Assert.StartsWith("blender/", token);
        var moved = (await port.ReadAsync(new[] { cube.Uuid })).Objects.Single();
        Assert.Equal(new Vector3d(1, 2, 3), moved.Translation); // 1, 2 and 3 are exact in float32

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < until && !_host.Seen.ToArray().Any(o => o.Intent == 1)) await Task.Delay(20);
        var observed = _host.Seen.Single(o => o.Intent == 1);
        Assert.Equal(Hex.Encode(RecordHash.Of(moved)), observed.Records[cube.Uuid]); // OBSERVED came a tick later, and agrees

        await port.RollbackAsync(1, token);
        var back = (await port.ReadAsync(new[] { cube.Uuid })).Objects.Single();
        Assert.Equal(Hex.Encode(RecordHash.Of(cube)), Hex.Encode(RecordHash.Of(back)));
        Assert.Equal(cube.Translation, back.Translation);

        await port.ApplyProvisionalAsync(2, new Operation[] { new Rename(cube.Uuid, "Box") });
        await port.FinalizeAsync(new ulong[] { 2 });
        Assert.Equal("Box", (await port.ReadAsync(new[] { cube.Uuid })).Objects.Single().Name);
        await Assert.ThrowsAsync<EngineFaultException>(() => port.RollbackAsync(2, "blender/1/2")); // FINAL: nothing to roll back
    }

    [Fact]
    public async Task an_operation_blender_cannot_apply_is_an_engine_fault_and_changes_nothing()
    {
        var port = new LinkEnginePort(_server, Engines.Blender);
        var cube = Cube;
        var e = await Assert.ThrowsAsync<EngineFaultException>(() => port.ApplyProvisionalAsync(5, new Operation[]
        {
            new SetTransform(cube.Uuid, new Vector3d(9, 9, 9), null, null),
            new SetVisibility("00000000-0000-4000-8000-00000000dead", false),
        }));
        Assert.Contains("UNKNOWN_UUID", e.Message);
        var now = (await port.ReadAsync(new[] { cube.Uuid })).Objects.Single();
        Assert.Equal(cube.Translation, now.Translation); // all or none
    }
}
