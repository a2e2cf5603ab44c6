using System.CommandLine;
using System.Text.Json;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Link;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync keys add|list</c>: the engine instances of a data directory, one bootstrap key file each (docs/team.md "Engine instances").</summary>
internal static class KeysCommand
{
    public static Command Create() => new("keys", "Engine instances' bootstrap keys in DIR/keys: one 0600 file per instance (blender.key, unity.key, blender.NAME.key, unity.NAME.key).")
    {
        Add(),
        List(),
    };

    private static Command Add()
    {
        var data = DataDirectory.Option();
        var instance = new Argument<string>("instance") { Description = "The instance: KIND:NAME (blender:bob, unity:level); NAME is 1–32 of a-z, 0-9, '_' and '-'." };
        var command = new Command("add",
            "Create an engine instance's key file (DIR/keys/KIND.NAME.key, 0600). An existing key is never replaced (delete its file first to give the instance a new key). " +
            "serve registers every instance with a key file when it starts: a running serve takes the new instance at its next start.") { data, instance };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(data)!.FullName, text = parse.GetValue(instance)!;
            if (!EngineInstance.TryParse(text, out var engine, out var why)) { Console.Error.WriteLine("error: " + why); return Program.InputError; }
            try
            {
                var path = EngineKeys.Add(dir, engine!);
                Console.WriteLine($"{engine}: {path} (0600); give this file to {engine}'s adapter" +
                    (File.Exists(Path.Combine(dir, "serve.json")) ? "; restart serve if it is running, it registers instances when it starts" : ""));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static Command List()
    {
        var data = DataDirectory.Option();
        var json = new Option<bool>("--json") { Description = "Print [{\"instance\", \"kind\", \"name\", \"file\"}] as JSON." };
        var command = new Command("list", "List the engine instances with a key file in DIR/keys (the defaults, blender and unity, once serve has made them).") { data, json };
        command.SetAction(parse =>
        {
            var files = EngineKeys.Files(parse.GetValue(data)!.FullName, createDefaults: false);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(files.Select(f => new { instance = f.Instance.ToString(), kind = f.Instance.Kind, name = f.Instance.Name, file = f.Path })));
            else
                foreach (var f in files) Console.WriteLine($"{f.Instance}\t{f.Path}");
            return 0;
        });
        return command;
    }
}
