using System.Diagnostics;

namespace VibeSync.Link.Tests.Support;

/// <summary>
/// A keyless local process flooding the link, as another user's program on the same machine can:
/// HELLOs MAC'd with a key nobody has, random bytes, connections that send nothing and are held
/// open, and half frames. A separate python3 process (run-tests installs it), so the flood competes
/// with serve as a real one would, not inside the test's own thread pool.
/// </summary>
public sealed class JunkFlood : IAsyncDisposable
{
    private const string Script = """
        import hashlib, hmac, json, os, socket, struct, sys, time
        port, until = int(sys.argv[1]), time.time() + float(sys.argv[2])
        held, sent = [], 0
        while time.time() < until:
            kind = sent % 5
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                if kind in (0, 1):  # a HELLO under a key nobody has: FRAME_BAD_MAC
                    payload = json.dumps({"engine": "blender", "protocol": "1.1", "adapter": "flood", "project_id": "", "schema": 1,
                                          "client_nonce": os.urandom(32).hex(), "generation": 1, "file": ""}).encode()
                    head = struct.pack("<IBBHQq", 52 + len(payload), 1, 1, 0, 1, int(time.time() * 1000))
                    s.sendall(head + payload + hmac.new(os.urandom(32), head + payload, hashlib.sha256).digest())
                    s.close()
                elif kind == 2:  # random bytes
                    s.sendall(os.urandom(64))
                    s.close()
                elif kind == 3:  # a half frame, held open
                    s.sendall(struct.pack("<I", 400) + os.urandom(40))
                    held.append(s)
                else:  # nothing at all, held open
                    held.append(s)
                while len(held) > 300:
                    held.pop(0).close()
            except OSError:
                time.sleep(0.001)
            sent += 1
        print(sent, flush=True)
        """;

    private readonly Process _process;

    private JunkFlood(Process process) => _process = process;

    /// <summary>Starts flooding <paramref name="port"/> for <paramref name="seconds"/>.</summary>
    public static JunkFlood Start(int port, double seconds)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", Script, port.ToString(), seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        return new JunkFlood(Process.Start(info) ?? throw new InvalidOperationException("python3 did not start (run-tests installs it)"));
    }

    /// <summary>Waits for the flood to end; returns how many connections it made.</summary>
    public async Task<int> EndAsync()
    {
        var output = await _process.StandardOutput.ReadToEndAsync();
        var errors = await _process.StandardError.ReadToEndAsync();
        await _process.WaitForExitAsync();
        return int.TryParse(output.Trim(), out int n) ? n : throw new InvalidOperationException("the flood failed: " + output + errors);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
