// Design rationale (issue #22 §3, "standbys proxy control-API, console and MCP requests"): the
// leader's control API listens on its own machine's loopback only, so a standby on another
// machine reaches it through NATS request-reply, not TCP. One HTTP request is one NATS message
// (its head as JSON in a header, its body as the payload) published to a subject only the leader
// serves; the answer is a numbered series of messages to the standby's inbox: the head, body
// chunks (so a response larger than NATS's max_payload, the console's reality.glb, and an endless
// one, the console's server-sent events, both stream), keep-alives, and an end. Each side sends
// keep-alives, so neither waits forever for a peer that died.
using System.Text.Json;
using System.Text.Json.Serialization;
using NATS.Client.Core;

namespace VibeSync.Cluster.ApiRelay;

/// <summary>The message kinds and header names of the relay, and the timings both sides keep.</summary>
internal static class RelayWire
{
    public const string Kind = "Relay-Kind";       // head | body | alive | end | error (leader → standby); alive | cancel (standby → leader)
    public const string Seq = "Relay-Seq";         // every leader → standby message, from 0, no gaps
    public const string Head = "Relay-Head";       // the request's head (JSON), on the request message
    public const string Control = "Relay-Control"; // the subject the leader listens on for this request's alive/cancel

    /// <summary>A body chunk: small enough for NATS's default max_payload (1 MB) with room for headers.</summary>
    public const int ChunkBytes = 256 * 1024;

    /// <summary>Room kept for headers when a request body must fit one message.</summary>
    public const int HeadRoom = 64 * 1024;

    /// <summary>How often each side says it is still there while a request is open.</summary>
    public static readonly TimeSpan AliveEvery = TimeSpan.FromSeconds(2);

    /// <summary>Silence after which the peer counts as gone (leader died, standby died, NATS partitioned).</summary>
    public static readonly TimeSpan GoneAfter = TimeSpan.FromSeconds(8);

    public static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static NatsHeaders Headers(string kind, long seq) => new() { [Kind] = kind, [Seq] = seq.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public static string? KindOf<T>(NatsMsg<T> msg) => msg.Headers is { } h && h.TryGetValue(Kind, out var v) ? v.ToString() : null;

    public static long SeqOf<T>(NatsMsg<T> msg) =>
        msg.Headers is { } h && h.TryGetValue(Seq, out var v) && long.TryParse(v.ToString(), out var n) ? n : -1;
}

/// <summary>An HTTP request as the standby received it.</summary>
/// <param name="Method">GET, POST, …</param>
/// <param name="Target">Path and query, as sent.</param>
/// <param name="StandbyPort">The standby's own API port: what the Host and Origin it received must name.</param>
/// <param name="Headers">Every end-to-end header, in order (hop-by-hop ones dropped).</param>
internal sealed record RelayedRequest(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("standby_port")] int StandbyPort,
    [property: JsonPropertyName("headers")] IReadOnlyList<string[]> Headers);

/// <summary>The head of the leader's answer.</summary>
internal sealed record RelayedHead(
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("headers")] IReadOnlyList<string[]> Headers);

/// <summary>A refusal or failure the relay itself answers (never the leader's API).</summary>
internal sealed record RelayError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);

/// <summary>Headers that describe one connection, not the request: never relayed (RFC 9110 §7.6.1).</summary>
internal static class HopByHop
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
    };

    public static bool Is(string name) => Names.Contains(name);
}
