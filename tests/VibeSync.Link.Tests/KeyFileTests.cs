using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Link.Tests;

/// <summary>Engine key files with serve's TLS lines (TEAM.md §2, docs/protocol.md §11.11): the format and serve's rewrite of them.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KeyFileTests : IDisposable
{
    private const string Key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private static readonly string Pin = new('a', 64);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-keyfile-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    [Fact]
    public void a_one_line_key_file_is_a_whole_key_file_with_no_endpoints()
    {
        foreach (var text in new[] { Key, Key + "\n", Key + "\r\n" })
        {
            var file = KeyFile.Parse(text);
            Assert.Equal(Hex.Decode(Key), file.Key);
            Assert.Empty(file.Endpoints);
            Assert.Empty(file.Pins);
        }
    }

    [Fact]
    public void line_1_is_the_key_and_the_later_lines_name_the_pin_and_the_endpoints_in_order_unknown_names_ignored()
    {
        var file = KeyFile.Parse($"{Key}\ntls-sha256 {Pin}\nendpoint studio-1:7420\nfuture-thing 42\nendpoint [fe80::1]:7421\nendpoint 10.0.0.5:7420\n");
        Assert.Equal(Hex.Decode(Key), file.Key);
        Assert.Equal(Hex.Decode(Pin), Assert.Single(file.Pins));
        Assert.Equal(new[] { "studio-1:7420", "[fe80::1]:7421", "10.0.0.5:7420" }, file.Endpoints.Select(e => e.ToString()));
        Assert.Equal("fe80::1", file.Endpoints[1].Host);
        Assert.Equal(new[] { "future-thing 42" }, file.OtherLines);
    }

    [Theory]
    [InlineData("00112233", "line 1")]
    [InlineData(Key + "\nendpoint host:7420\n", "no tls-sha256")]                      // never unpinned
    [InlineData(Key + "\ntls-sha256 abc\n", "tls-sha256 must be")]
    [InlineData(Key + "\ntls-sha256 " + "AA" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "tls-sha256 must be")]
    [InlineData(Key + "\ntls-sha256 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nendpoint host\n", "HOST:PORT")]
    [InlineData(Key + "\ntls-sha256 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nendpoint host:0\n", "HOST:PORT")]
    [InlineData(Key + "\ntls-sha256 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nendpoint fe80::1:7420\n", "HOST:PORT")]
    public void a_bad_key_file_is_refused_with_the_line_that_is_wrong(string text, string says)
    {
        var e = Assert.Throws<InvalidDataException>(() => KeyFile.Parse(text));
        Assert.Contains(says, e.Message);
    }

    private string Keys()
    {
        var keys = Path.Combine(_dir, "keys");
        SecretFiles.LoadOrCreate(Path.Combine(keys, "blender.key"));
        SecretFiles.LoadOrCreate(Path.Combine(keys, "unity.key"));
        return keys;
    }

    [Fact]
    public void serve_writes_the_pin_and_endpoint_into_every_engine_key_file_keeping_line_1_and_0600_and_rewrites_nothing_unchanged()
    {
        var keys = Keys();
        var key = SecretFiles.Load(Path.Combine(keys, "unity.key"));
        var pin = Hex.Decode(Pin);
        var written = KeyFileEndpoints.Write(_dir, pin, new[] { new LinkEndpoint("10.0.0.5", 7420) });
        Assert.Equal(2, written.Count);
        var text = File.ReadAllText(Path.Combine(keys, "unity.key"));
        Assert.Equal($"{Hex.Encode(key)}\ntls-sha256 {Pin}\nendpoint 10.0.0.5:7420\n", text);
        Assert.Equal(key, SecretFiles.Load(Path.Combine(keys, "unity.key"))); // every C# reader takes line 1
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(keys, "unity.key")));

        var inode = new FileInfo(Path.Combine(keys, "unity.key")).LastWriteTimeUtc;
        Assert.Empty(KeyFileEndpoints.Write(_dir, pin, new[] { new LinkEndpoint("10.0.0.5", 7420) })); // the same: untouched
        Assert.Equal(inode, new FileInfo(Path.Combine(keys, "unity.key")).LastWriteTimeUtc);

        Assert.Equal(2, KeyFileEndpoints.Write(_dir, null, Array.Empty<LinkEndpoint>()).Count); // serve without --listen: lines removed
        Assert.Equal(Hex.Encode(key) + "\n", File.ReadAllText(Path.Combine(keys, "unity.key")));
        Assert.Empty(KeyFileEndpoints.Write(_dir, null, Array.Empty<LinkEndpoint>()));
    }

    [Fact]
    public void a_key_file_others_may_read_or_behind_a_link_is_refused_not_rewritten()
    {
        var keys = Keys();
        var path = Path.Combine(keys, "unity.key");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var before = File.ReadAllText(path);
        Assert.Throws<InvalidDataException>(() => KeyFileEndpoints.Write(_dir, Hex.Decode(Pin), new[] { new LinkEndpoint("h", 1) }));
        Assert.Equal(before, File.ReadAllText(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var elsewhere = Path.Combine(_dir, "elsewhere.key");
        File.Move(path, elsewhere);
        File.CreateSymbolicLink(path, elsewhere);
        Assert.Throws<InvalidDataException>(() => KeyFileEndpoints.Write(_dir, Hex.Decode(Pin), new[] { new LinkEndpoint("h", 1) }));
        Assert.Equal(before, File.ReadAllText(elsewhere));
    }
}
