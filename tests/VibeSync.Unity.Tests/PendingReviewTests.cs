using System.Text;
using System.Text.Json;
using VibeSync.Protocol.Framing;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// The Pending AI Intents window's core (engine-free): PENDING_INTENTS kept and acknowledged, a
/// malformed one refused with the list kept, the rows the window draws and the page its Review in
/// console button opens; a new session knows none.
/// </summary>
public sealed class PendingReviewTests
{
    private const string Console = "http://127.0.0.1:40000/console/";
    private readonly UnityAdapter _adapter = new(SimScene.Load(SimHost.DefaultScene));
    private readonly List<(byte Type, string Json)> _answers = new();

    private (byte Type, JsonElement Body) Notice(ulong seq, string json)
    {
        _adapter.Handle(new Frame(MessageType.PendingIntents, seq, 0, Encoding.UTF8.GetBytes(json)), (t, j) => { _answers.Add((t, j)); return true; });
        var (type, body) = _answers[^1];
        return (type, JsonDocument.Parse(body).RootElement.Clone());
    }

    private static string Listed(params PendingIntent[] intents) => new PendingIntents(Console, intents, intents.Length).ToJson();

    [Fact]
    public void a_pending_intents_notice_is_kept_for_the_window_and_acknowledged()
    {
        Assert.Equal("", _adapter.Pending.Title); // nothing known yet
        var (type, body) = Notice(7, Listed(new PendingIntent(8, "ai:claude", "structural", "Parent the lamp under the desk"), new PendingIntent(9, "ai:claude", "destructive", "")));
        Assert.Equal((MessageType.Ack, 7UL), (type, body.GetProperty("re").GetUInt64()));
        Assert.Equal("AI intents to review: 2", _adapter.Pending.Title);
        Assert.Equal(new[] { new PendingRow(8, "#8 ai:claude · structural", "Parent the lamp under the desk"), new PendingRow(9, "#9 ai:claude · destructive", "(no rationale given)") },
            _adapter.Pending.Rows());
        Assert.Null(_adapter.Pending.More);
        Assert.Equal("http://127.0.0.1:40000/console/intents/9", _adapter.Pending.ReviewUrl(9));
    }

    [Theory]
    [InlineData("{\"console\": \"https://example.com/console/\", \"intents\": [], \"total\": 0}", "console")]
    [InlineData("{\"console\": \"" + Console + "\", \"intents\": [{\"id\": 8, \"actor\": \"human:cli\", \"class\": \"structural\", \"rationale\": \"\"}], \"total\": 1}", "intents[0].actor")]
    [InlineData("{\"console\": \"" + Console + "\", \"intents\": [], \"total\": 0, \"approve\": 8}", "approve")]
    [InlineData("not json", "")]
    public void a_malformed_notice_is_refused_naming_the_field_and_the_list_stays(string json, string path)
    {
        Notice(7, Listed(new PendingIntent(8, "ai:claude", "structural", "r")));
        int version = _adapter.Pending.Version;
        var (type, body) = Notice(8, json);
        Assert.Equal((MessageType.Error, "MALFORMED", 8UL), (type, body.GetProperty("code").GetString(), body.GetProperty("re").GetUInt64()));
        Assert.Contains(path, body.GetProperty("message").GetString());
        Assert.Equal(new ulong[] { 8 }, _adapter.Pending.Rows().Select(r => r.Id));
        Assert.Equal(version, _adapter.Pending.Version);
    }

    [Fact]
    public void beyond_the_first_rows_the_window_says_how_many_more_the_console_lists()
    {
        var intents = Enumerable.Range(1, 100).Select(i => new PendingIntent((ulong)i, "ai:flood", "cosmetic", "r")).ToArray();
        Notice(3, new PendingIntents(Console, intents, 250).ToJson());
        Assert.Equal(PendingReview.Shown, _adapter.Pending.Rows().Count);
        Assert.Equal($"… and {250 - PendingReview.Shown} more in the console", _adapter.Pending.More);
    }

    [Fact]
    public void review_opens_only_a_listed_intents_page_and_a_new_session_knows_none()
    {
        Notice(3, Listed(new PendingIntent(8, "ai:claude", "structural", "r")));
        var e = Assert.Throws<InvalidOperationException>(() => _adapter.Pending.ReviewUrl(12));
        Assert.Contains("intent 12 is not waiting", e.Message);
        _adapter.Rebind(); // a domain reload: a new session, told again once it has attached
        Assert.Equal("", _adapter.Pending.Title);
        Assert.Throws<InvalidOperationException>(() => _adapter.Pending.ReviewUrl(8));
    }
}
