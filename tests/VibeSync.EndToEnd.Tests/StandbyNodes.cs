using System.Text.Json;

namespace VibeSync.EndToEnd.Tests;

/// <summary>What the relay tests (end to end and console) do to set up and find a standby.</summary>
public static class StandbyNodes
{
    /// <summary>Nodes share the keys (docs/team.md): the standby's data directory gets the leader's before it starts.</summary>
    public static void CopyKeys(string leaderDir, string standbyDir)
    {
        var to = Path.Combine(standbyDir, "keys");
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(Path.Combine(leaderDir, "keys"))) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>The standby's control-API port (its relay), once its serve.json names one.</summary>
    public static async Task<int> RelayPortAsync(string dir)
    {
        var file = Path.Combine(dir, "serve.json");
        for (int i = 0; i < 600; i++, await Task.Delay(100))
        {
            if (!File.Exists(file)) continue;
            try { return JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("api_port").GetInt32(); }
            catch (Exception e) when (e is JsonException or IOException) { }
        }
        throw new Xunit.Sdk.XunitException($"the standby wrote no {file}");
    }
}
