namespace VibeSync.Cluster.ApiRelay;

/// <summary>
/// The Host and Origin a relayed request carries to the leader's API. The API accepts only
/// <c>127.0.0.1:PORT</c> / <c>localhost:PORT</c> (and those origins) at its own port: its guard
/// against DNS rebinding and cross-site requests. A browser talking to a standby names the
/// standby's port, so exactly the standby's own names are rewritten to the leader's; every other
/// value reaches the leader unchanged — or, if it happens to be one of the leader's own names
/// (which no browser sends to the standby's port), replaced by a name the leader refuses. So
/// the leader's checks decide as they would for a request made to the leader directly, and a
/// request the standby's port should refuse is refused.
/// </summary>
internal static class RelayedAuthority
{
    /// <summary>A Host no orchestrator accepts (RFC 6761's reserved <c>.invalid</c>).</summary>
    public const string Foreign = "not-this-orchestrator.invalid";

    public static string Host(string host, int standbyPort, int leaderPort)
    {
        if (host.Equals($"127.0.0.1:{standbyPort}", StringComparison.Ordinal)) return $"127.0.0.1:{leaderPort}";
        if (host.Equals($"localhost:{standbyPort}", StringComparison.OrdinalIgnoreCase)) return $"localhost:{leaderPort}";
        return IsLeaders(host, leaderPort) ? Foreign : host;
    }

    public static string Origin(string origin, int standbyPort, int leaderPort)
    {
        const string scheme = "http://";
        if (!origin.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return origin; // "null", https://…: refused by the leader as they are
        var host = origin[scheme.Length..];
        var mapped = Host(host, standbyPort, leaderPort);
        return mapped == Foreign ? scheme + Foreign : ReferenceEquals(mapped, host) ? origin : scheme + mapped;
    }

    /// <summary>A redirect to the leader's own address points at the standby instead (the console's are relative; this is for any other).</summary>
    public static string Location(string location, int standbyPort, int leaderPort)
    {
        foreach (var name in new[] { "127.0.0.1", "localhost" })
        {
            var prefix = $"http://{name}:{leaderPort}";
            if (location.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (location.Length == prefix.Length || location[prefix.Length] is '/' or '?' or '#'))
                return $"http://{name}:{standbyPort}" + location[prefix.Length..];
        }
        return location;
    }

    private static bool IsLeaders(string host, int leaderPort) =>
        host.Equals($"127.0.0.1:{leaderPort}", StringComparison.Ordinal) || host.Equals($"localhost:{leaderPort}", StringComparison.OrdinalIgnoreCase);
}
