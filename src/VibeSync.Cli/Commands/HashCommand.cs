using System.CommandLine;
using System.Text;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync hash</c>: the state hash of a scene file, computed from outside any engine.</summary>
internal static class HashCommand
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static Command Create()
    {
        var space = new Option<string>("--space")
        {
            Description = "The space the scene's values are written in (docs/protocol.md §8).",
            Required = true,
        };
        space.AcceptOnlyFromAmong("blender", "unity", "canonical");
        var file = new Argument<FileInfo?>("FILE")
        {
            Description = "Scene JSON to hash; standard input when omitted.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("hash",
            "Print the canonical state hash of a scene: its Merkle root and every record's hash, as one line of JSON.")
        {
            space,
            file,
        };
        command.SetAction(parse => Run(parse.GetValue(space)!, parse.GetValue(file)));
        return command;
    }

    private static int Run(string spaceName, FileInfo? file)
    {
        SpaceNames.TryParse(spaceName, out var space);
        string text;
        if (file != null && Directory.Exists(file.FullName))
        {
            Console.Error.WriteLine($"error: {file.FullName}: is a directory, not a scene file");
            return Program.InputError;
        }
        try
        {
            text = file is null
                ? StrictUtf8.GetString(ReadAll(Console.OpenStandardInput()))
                : StrictUtf8.GetString(File.ReadAllBytes(file.FullName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {file?.FullName ?? "stdin"}: {e.Message}");
            return Program.InputError;
        }
        catch (DecoderFallbackException)
        {
            Console.Error.WriteLine("error: json: the input is not valid UTF-8");
            return Program.InputError;
        }

        try
        {
            var scene = SceneJsonReader.ReadCanonical(text, space);
            Console.Out.WriteLine(SceneHasher.Hash(scene).ToJson());
            return 0;
        }
        catch (SceneFormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Program.InputError;
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
