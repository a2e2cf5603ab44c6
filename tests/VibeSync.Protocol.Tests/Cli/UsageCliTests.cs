using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Cli;

/// <summary>Usage mistakes at the terminal: one line that says what is wrong with what was typed, a pointer to --help, exit 2.</summary>
public sealed class UsageCliTests
{
    [Fact]
    public void a_mistyped_verb_is_named_and_not_reported_as_a_missing_one()
    {
        var result = Tool.Vibesync(null, "serv", "--data", "/tmp/nowhere");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: Unrecognized command or argument 'serv'.", result.Stderr);
        Assert.DoesNotContain("Required command was not provided", result.Stderr);
        Assert.Contains("see: vibesync --help", result.Stderr);
        Assert.False(Directory.Exists("/tmp/nowhere"));
    }

    [Fact]
    public void a_verb_without_its_subcommand_lists_the_subcommands()
    {
        var result = Tool.Vibesync(null, "wal");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: vibesync wal needs one of: verify, show, stress, compact", result.Stderr);
        Assert.Contains("see: vibesync wal --help", result.Stderr);
    }

    [Fact]
    public void no_arguments_at_all_show_the_verbs()
    {
        var result = Tool.Vibesync(null);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("serve", result.Stdout);
        Assert.Contains("demo", result.Stdout);
    }
}
