using System.Text;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// Where serve's control API also listens for local clients: <c>DIR/control.sock</c>, a Unix domain
/// socket beside <c>serve.json</c> and the keys, 0600 in a 0700 directory.
/// </summary>
public static class ControlSocket
{
    // sockaddr_un's sun_path: 108 bytes on Linux, 104 on macOS, with the terminating NUL.
    private const int MaxPathBytes = 103;

    /// <summary>The socket's full path, or null when the platform has none or the path is too long for one (then the port alone serves).</summary>
    public static string? PathIn(string dataDir)
    {
        if (OperatingSystem.IsWindows()) return null;
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDir, "control.sock"));
        return Encoding.UTF8.GetByteCount(path) <= MaxPathBytes ? path : null;
    }
}
