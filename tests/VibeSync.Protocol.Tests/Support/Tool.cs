using System.Diagnostics;

namespace VibeSync.Protocol.Tests.Support;

/// <summary>Runs a real tool in its own process: the vibesync CLI or the Python protocol module.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The vibesync CLI built beside the tests (the test project references it).</summary>
    public static Result Vibesync(string? stdin, params string[] args) => VibesyncWith(null, stdin, args);

    /// <summary>The vibesync CLI with extra environment variables.</summary>
    public static Result VibesyncWith(IDictionary<string, string>? env, string? stdin, params string[] args) =>
        Run("dotnet", new[] { Path.Combine(AppContext.BaseDirectory, "vibesync.dll") }.Concat(args), stdin, env);

    /// <summary><c>python3 -m vibesync_blender.protocol …</c> with the add-on on PYTHONPATH.</summary>
    public static Result Python(string? stdin, params string[] args) =>
        Run("python3", new[] { "-m", "vibesync_blender.protocol" }.Concat(args), stdin,
            new Dictionary<string, string> { ["PYTHONPATH"] = RepoPaths.BlenderAdapter });

    private static Result Run(string file, IEnumerable<string> args, string? stdin, IDictionary<string, string>? env)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            using var input = new StreamWriter(process.StandardInput.BaseStream, new System.Text.UTF8Encoding(false));
            input.Write(stdin);
        }
        else
        {
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in 60 s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
