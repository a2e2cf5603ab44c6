using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// AI intents moving one object, sent one after another to a serve until it stops answering (it was
/// killed): the intents answered FINAL are the acknowledged ones a failover must not lose.
/// </summary>
internal sealed class AiIntentStream
{
    private readonly List<ulong> _acknowledged = new();
    private readonly List<string> _answers = new();

    private AiIntentStream(ServeProcess serve, string uuid) => Running = Task.Run(() => RunAsync(serve, uuid));

    /// <summary>Starts the stream against <paramref name="serve"/>, moving <paramref name="uuid"/>.</summary>
    public static AiIntentStream Start(ServeProcess serve, string uuid) => new(serve, uuid);

    /// <summary>Ends when serve stops answering.</summary>
    public Task Running { get; }

    /// <summary>The intents answered FINAL so far.</summary>
    public ulong[] Acknowledged { get { lock (_answers) return _acknowledged.ToArray(); } }

    /// <summary>Every answer so far, for a failing assertion's message.</summary>
    public string Answers { get { lock (_answers) return string.Join('\n', _answers); } }

    /// <summary>Waits (up to <paramref name="timeout"/>) until <paramref name="count"/> intents were acknowledged; fails with the answers otherwise.</summary>
    public async Task UntilAcknowledgedAsync(int count, TimeSpan timeout)
    {
        for (var sw = System.Diagnostics.Stopwatch.StartNew(); sw.Elapsed < timeout && Acknowledged.Length < count && !Running.IsCompleted;) await Task.Delay(100);
        Assert.True(Acknowledged.Length >= count, Answers);
    }

    private async Task RunAsync(ServeProcess serve, string uuid)
    {
        for (int i = 0; ; i++)
        {
            JsonElement answer;
            try
            {
                using var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude&wait=settled",
                    $$"""{"operations": [{"op": "set_transform", "uuid": "{{uuid}}", "translation": [{{i % 9}}, 0.5, {{i % 7}}]}], "rationale": "failover {{i}}"}""");
                answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.Clone();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException) { return; } // serve is gone
            lock (_answers)
            {
                _answers.Add(answer.ToString());
                if (answer.TryGetProperty("phase", out var phase) && phase.GetString() == "FINAL") _acknowledged.Add(answer.GetProperty("intent").GetUInt64());
            }
        }
    }
}
