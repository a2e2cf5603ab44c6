namespace VibeSync.Cli.Demo;

/// <summary>The embedded sample scene (samples/cube-and-camera.blender.json): the demo's and the end-to-end benchmark's.</summary>
internal static class Sample
{
    private const string Resource = "samples/cube-and-camera.blender.json";

    /// <summary>The sample in Blender space, as scene JSON.</summary>
    public static string BlenderJson()
    {
        using var stream = typeof(Sample).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"embedded {Resource} is missing");
        return new StreamReader(stream).ReadToEnd();
    }
}
