using VibeSync.Intents.Classification;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// Content schema 3 in the pipeline (CONTENT-V3 §2–§5): images are admitted only as the PNG or JPEG
/// their record says, within limits.max_image_bytes; a material Blender cannot represent is
/// Blender's alone; camera and light parameters keep glTF's rules between fields.
/// </summary>
public sealed class ContentIntentTests : ClockedPipeline
{
    private const string Albedo = "00000000-0000-4000-8000-0000000000c1";
    private const string Brick = "00000000-0000-4000-8000-0000000000a2";
    private const string Lamp = "00000000-0000-4000-8000-0000000000d1";
    private const string Cam = "00000000-0000-4000-8000-0000000000d2";
    private static readonly Actor BlenderHuman = new(ActorKind.Human, "blender");
    private static readonly Actor UnityHuman = new(ActorKind.Human, "unity");
    private readonly BlobMemory _store = new();
    private readonly StoreLike _blobs;

    public ContentIntentTests() => _blobs = new StoreLike(_store);

    private protected override PipelineOptions Options => new() { Blobs = _blobs, Limits = new AdmissionLimits { MaxImageBytes = 4096 } };

    /// <summary>The store's three ways to read, as the orchestrator's BlobStore has them, counting whole reads (each a verified re-hash there).</summary>
    private sealed class StoreLike : IBlobStore, IBlobShapes, IBlobPrefixes
    {
        private readonly BlobMemory _inner;

        public StoreLike(BlobMemory inner) => _inner = inner;

        public void Put(string id, BlobShape shape, ReadOnlySpan<byte> payload) => ((IBlobSink)_inner).Put(id, shape, payload);

        public int WholeReads { get; private set; }

        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload)
        {
            WholeReads++;
            return _inner.TryGet(id, out shape, out payload);
        }

        public bool TryGetShape(string id, out BlobShape shape) => _inner.TryGet(id, out shape, out _);

        public bool TryGetPrefix(string id, int length, out ReadOnlyMemory<byte> prefix)
        {
            bool held = _inner.TryGet(id, out _, out var payload);
            prefix = held ? payload[..Math.Min(length, payload.Length)] : default;
            return held;
        }
    }

    private async Task<IntentOutcome> SettleAsync(IntentRequest request, Actor actor, string? origin = null)
    {
        var ticket = Pipeline.Submit(request, actor, origin: origin);
        await ticket.Provisional.WaitAsync(Patience);
        await Elapse(1000);
        return await WhileTimePassesAsync(ticket.Settled);
    }

    /// <summary>A PNG's signature and IHDR (all the content check reads), padded to <paramref name="size"/> bytes.</summary>
    internal static byte[] Png(int width, int height, int size = 64)
    {
        var b = new byte[Math.Max(size, 33)];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(b, 0);
        BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(width)).CopyTo(b, 16);
        BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(height)).CopyTo(b, 20);
        return b;
    }

    private string Put(byte[] bytes) => _store.Put(new BlobShape(BlobElement.U8, 1, bytes.Length), bytes);

    private static string CreateImage(string blob, int width, int height, string mime = "image/png", string uuid = Albedo) =>
        $"{{\"op\": \"create_image\", \"uuid\": \"{uuid}\", \"name\": \"albedo.png\", \"mime\": \"{mime}\", \"blob\": \"{blob}\", \"width\": {width}, \"height\": {height}, \"color_space\": \"srgb\"}}";

    private static string CreateMaterial(string extra = "") =>
        $"{{\"op\": \"create_material\", \"uuid\": \"{Brick}\", \"name\": \"Brick\", \"base_color\": [1, 1, 1, 1], \"metallic\": 0, \"roughness\": 1, \"emission\": [0, 0, 0]{extra}}}";

    [Fact]
    public async Task an_image_is_admitted_once_its_blob_is_the_png_the_record_says_and_a_material_can_use_it()
    {
        var created = await SettleAsync(Intent(CreateImage(Put(Png(4, 2)), 4, 2),
            CreateMaterial($", \"textures\": {{\"base_color\": {{\"image\": \"{Albedo}\", \"texcoord\": 1}}}}")), Human);
        Assert.Equal(IntentPhase.Final, created.Phase);
        Assert.Equal((4, 2), (Pipeline.Reality.Images[Albedo].Width, Pipeline.Reality.Images[Albedo].Height));
        Assert.Equal(Albedo, Pipeline.Reality.Materials[Brick].Texture(TextureSlot.BaseColor)!.Image);
        Assert.Contains(Pipeline.Reality.Images[Albedo].Blob, Pipeline.Reality.ToScene().BlobIds());
    }

    [Fact]
    public async Task an_image_leaves_reality_with_the_last_material_or_texture_that_used_it()
    {
        // The Cube wears Brick, whose base colour texture is Albedo.
        var made = await SettleAsync(Intent(CreateImage(Put(Png(4, 2)), 4, 2),
            CreateMaterial($", \"textures\": {{\"base_color\": {{\"image\": \"{Albedo}\"}}}}"),
            $"{{\"op\": \"assign_material\", \"uuid\": \"{Cube}\", \"slot\": 0, \"material\": \"{Brick}\"}}"), Human);
        Assert.Equal(IntentPhase.Final, made.Phase);
        Assert.False(Pipeline.Reality.Materials.ContainsKey(Red)); // Red left with its only slot
        // The texture removed: the image goes, the material (still worn) stays.
        var bare = await SettleAsync(Intent($"{{\"op\": \"set_material_params\", \"uuid\": \"{Brick}\", \"textures\": {{\"base_color\": null}}}}"), Human);
        Assert.Equal(IntentPhase.Final, bare.Phase);
        Assert.Empty(Pipeline.Reality.Images);
        Assert.True(Pipeline.Reality.Materials.ContainsKey(Brick));
        // Worn again with a texture, then taken off the Cube: material and image leave together.
        await SettleAsync(Intent(CreateImage(Put(Png(2, 2)), 2, 2, uuid: Fresh),
            $"{{\"op\": \"set_material_params\", \"uuid\": \"{Brick}\", \"textures\": {{\"normal\": {{\"image\": \"{Fresh}\"}}}}}}"), Human);
        Assert.True(Pipeline.Reality.Images.ContainsKey(Fresh));
        var off = await SettleAsync(Intent($"{{\"op\": \"assign_material\", \"uuid\": \"{Cube}\", \"slot\": 0, \"material\": null}}"), Human);
        Assert.Equal(IntentPhase.Final, off.Phase);
        Assert.False(Pipeline.Reality.Materials.ContainsKey(Brick));
        Assert.Empty(Pipeline.Reality.Images);
    }

    [Fact]
    public async Task an_image_is_admitted_from_its_first_bytes_and_refused_only_on_the_whole_blob()
    {
        var admitted = await SettleAsync(Intent(CreateImage(Put(Png(4, 2, size: 4000)), 4, 2)), Human);
        Assert.Equal(IntentPhase.Final, admitted.Phase);
        Assert.Equal(0, _blobs.WholeReads); // a store re-hashed 30 MB per 4096² PNG here
        var refused = await SettleAsync(Intent(CreateImage(Put(Png(4, 2, size: 100)), 4, 4, uuid: Fresh)), Human);
        Assert.Contains("IMAGE_FORMAT at operations[0].blob", refused.Reason);
        Assert.Equal(1, _blobs.WholeReads);
    }

    [Fact]
    public async Task bytes_that_are_not_the_image_the_record_says_are_image_format_and_change_nothing()
    {
        var wrongSize = await SettleAsync(Intent(CreateImage(Put(Png(4, 2)), 4, 4)), Human);
        Assert.Contains("IMAGE_FORMAT at operations[0].blob", wrongSize.Reason);
        Assert.Contains("4×2", wrongSize.Reason);
        var notPng = await SettleAsync(Intent(CreateImage(Put(System.Text.Encoding.ASCII.GetBytes("GIF89a not a png at all, no")), 1, 1)), Human);
        Assert.Contains("IMAGE_FORMAT at operations[0].blob", notPng.Reason);
        var pngCalledJpeg = await SettleAsync(Intent(CreateImage(Put(Png(1, 1)), 1, 1, "image/jpeg")), Human);
        Assert.Contains("IMAGE_FORMAT at operations[0].blob", pngCalledJpeg.Reason);
        Assert.Empty(Pipeline.Reality.Images);
        Assert.Equal(0, Blender.Applies);
    }

    [Fact]
    public async Task an_image_over_max_image_bytes_is_a_resource_limit_and_an_absent_one_is_blob_missing()
    {
        var big = await SettleAsync(Intent(CreateImage(Put(Png(1, 1, size: 5000)), 1, 1)), Human);
        Assert.Contains("RESOURCE_LIMIT at operations[0].blob", big.Reason);
        Assert.Contains("limits.max_image_bytes", big.Reason);
        var absent = await SettleAsync(Intent(CreateImage(new string('e', 64), 1, 1)), Human);
        Assert.Contains("BLOB_MISSING at operations[0].blob", absent.Reason);
        Assert.Empty(Pipeline.Reality.Images);
    }

    [Fact]
    public async Task replace_image_is_destructive_and_checks_the_new_bytes()
    {
        await SettleAsync(Intent(CreateImage(Put(Png(4, 2)), 4, 2)), Human);
        var replace = Intent($"{{\"op\": \"replace_image\", \"uuid\": \"{Albedo}\", \"blob\": \"{Put(Png(8, 8))}\", \"mime\": \"image/png\", \"width\": 8, \"height\": 8, \"color_space\": \"linear\"}}");
        Assert.Equal(IntentClass.Destructive, IntentClassifier.Classify(replace.Operations));
        var done = await SettleAsync(replace, Human);
        Assert.Equal(IntentPhase.Final, done.Phase);
        Assert.Equal((8, ImageColorSpace.Linear, "albedo.png"), (Pipeline.Reality.Images[Albedo].Width, Pipeline.Reality.Images[Albedo].ColorSpace, Pipeline.Reality.Images[Albedo].Name));
        var bad = await SettleAsync(Intent($"{{\"op\": \"replace_image\", \"uuid\": \"{Albedo}\", \"blob\": \"{Put(Png(8, 8))}\", \"mime\": \"image/png\", \"width\": 9, \"height\": 8}}"), Human);
        Assert.Contains("IMAGE_FORMAT", bad.Reason);
        Assert.Equal(8, Pipeline.Reality.Images[Albedo].Width);
    }

    [Fact]
    public async Task a_texture_naming_no_image_is_unknown_uuid()
    {
        var refused = await SettleAsync(Intent($"{{\"op\": \"set_material_params\", \"uuid\": \"{Red}\", \"textures\": {{\"normal\": {{\"image\": \"{Albedo}\"}}}}}}"), Human);
        Assert.Contains("UNKNOWN_UUID at operations[0].textures.normal.image", refused.Reason);
    }

    [Fact]
    public async Task a_material_blender_cannot_represent_is_changed_only_from_blender_though_anyone_may_rename_it()
    {
        // As a restore or pairing would bring it (the orchestrator may write what Blender reported), so both engines hold it.
        var reported = await SettleAsync(Intent(CreateMaterial(", \"unsynced\": \"Principled BSDF input Subsurface is linked\"")), new Actor(ActorKind.Orchestrator, "restore"));
        Assert.Equal(IntentPhase.Final, reported.Phase);
        foreach (var (actor, origin) in new[] { (UnityHuman, (string?)"unity"), (Human, null), (Ai, null) })
        {
            var refused = await SettleAsync(OperationReader.Read($"{{\"operations\": [{{\"op\": \"set_material_params\", \"uuid\": \"{Brick}\", \"roughness\": 0.2}}], \"rationale\": \"shinier\"}}"), actor, origin);
            Assert.Contains("UNREPRESENTABLE_MATERIAL at operations[0].uuid", refused.Reason);
            Assert.Contains("Subsurface is linked", refused.Reason);
        }
        Assert.Equal(1.0, Pipeline.Reality.Materials[Brick].Roughness);
        var renamed = await SettleAsync(Intent($"{{\"op\": \"rename\", \"uuid\": \"{Brick}\", \"name\": \"Old brick\"}}"), Human);
        Assert.True(renamed.Phase == IntentPhase.Final, renamed.Reason);
        // Blender made the change itself (its node graph became representable); it reports it.
        Blender.Edit(s => s with { Materials = s.Materials.SetItem(Brick, s.Materials[Brick] with { Roughness = 0.2, Unsynced = null }) });
        var fromBlender = await SettleAsync(Intent($"{{\"op\": \"set_material_params\", \"uuid\": \"{Brick}\", \"roughness\": 0.2, \"unsynced\": null}}"), BlenderHuman, "blender");
        Assert.True(fromBlender.Phase == IntentPhase.Final, fromBlender.Reason);
        Assert.Null(Pipeline.Reality.Materials[Brick].Unsynced);
        var claim = await SettleAsync(Intent($"{{\"op\": \"set_material_params\", \"uuid\": \"{Red}\", \"unsynced\": \"made up\"}}"), UnityHuman, "unity");
        Assert.Contains("INVALID_VALUE at operations[0].unsynced", claim.Reason);
    }

    [Fact]
    public async Task an_image_only_hidden_materials_use_answers_an_ai_as_if_it_did_not_exist()
    {
        const string HiddenMaterial = "h-00000000-0000-4000-8000-0000000000a3";
        await SettleAsync(Intent(CreateImage(Put(Png(4, 2)), 4, 2),
            $"{{\"op\": \"create_material\", \"uuid\": \"{HiddenMaterial}\", \"name\": \"Secret\", \"base_color\": [1, 1, 1, 1], \"metallic\": 0, \"roughness\": 1, \"emission\": [0, 0, 0], \"textures\": {{\"emissive\": {{\"image\": \"{Albedo}\"}}}}}}"), Human);
        Assert.False(AiVisibility.SeesImage(Pipeline.Reality, Albedo));
        Assert.DoesNotContain(AiVisibility.View(Pipeline.Reality).Images, i => i.Uuid == Albedo);
        var ai = OperationReader.Read($"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"{Albedo}\", \"name\": \"x\"}}], \"rationale\": \"tidy\"}}");
        var unknown = OperationReader.Read($"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"{Fresh}\", \"name\": \"x\"}}], \"rationale\": \"tidy\"}}");
        var a = await SettleAsync(ai, Ai);
        var b = await SettleAsync(unknown, Ai);
        Assert.Equal(b.Reason.Replace(Fresh, Albedo), a.Reason);
        // A visible material using it makes it visible.
        await SettleAsync(Intent(CreateMaterial($", \"textures\": {{\"base_color\": {{\"image\": \"{Albedo}\"}}}}")), Human);
        Assert.True(AiVisibility.SeesImage(Pipeline.Reality, Albedo));
    }

    [Fact]
    public async Task a_light_never_synced_takes_its_parameters_whole_and_one_that_has_them_keeps_the_cone_rules()
    {
        var made = await SettleAsync(Intent(
            $"{{\"op\": \"create_object\", \"uuid\": \"{Lamp}\", \"name\": \"Spot\", \"kind\": \"light\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], " +
            "\"light\": {\"type\": \"point\", \"color\": [1, 1, 1], \"intensity\": 100, \"range\": null}}",
            $"{{\"op\": \"create_object\", \"uuid\": \"{Fresh}\", \"name\": \"Area\", \"kind\": \"light\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}"), Human);
        Assert.Equal(IntentPhase.Final, made.Phase);
        // A light whose parameters were never synced takes them whole, never in part.
        var part = await SettleAsync(Intent($"{{\"op\": \"set_light\", \"uuid\": \"{Fresh}\", \"intensity\": 5}}"), Human);
        Assert.Contains("MISSING_FIELD at operations[0].type", part.Reason);
        Assert.Null(Pipeline.Reality.Objects[Fresh].Light);
        var whole = await SettleAsync(Intent($"{{\"op\": \"set_light\", \"uuid\": \"{Fresh}\", \"type\": \"directional\", \"color\": [1, 0.9, 0.8], \"intensity\": 5}}"), Human);
        Assert.Equal(IntentPhase.Final, whole.Phase);
        Assert.Equal(new LightParameters(LightType.Directional, new Vector3d(1, 0.9, 0.8), 5, null, 0, 0), Pipeline.Reality.Objects[Fresh].Light);
        var noCones = await SettleAsync(Intent($"{{\"op\": \"set_light\", \"uuid\": \"{Lamp}\", \"type\": \"spot\", \"outer_cone\": 0.5}}"), Human);
        Assert.Contains("MISSING_FIELD at operations[0].inner_cone", noCones.Reason);
        var crossed = await SettleAsync(Intent($"{{\"op\": \"set_light\", \"uuid\": \"{Lamp}\", \"type\": \"spot\", \"inner_cone\": 0.6, \"outer_cone\": 0.5}}"), Human);
        Assert.Contains("INVALID_VALUE at operations[0].inner_cone", crossed.Reason);
        var spot = await SettleAsync(Intent($"{{\"op\": \"set_light\", \"uuid\": \"{Lamp}\", \"type\": \"spot\", \"inner_cone\": 0.3, \"outer_cone\": 0.5, \"range\": 20}}"), Human);
        Assert.Equal(IntentPhase.Final, spot.Phase);
        Assert.Equal(new LightParameters(LightType.Spot, Vector3d.One, 100, 20, 0.3, 0.5), Pipeline.Reality.Objects[Lamp].Light);
        var back = await SettleAsync(Intent($"{{\"op\": \"set_light\", \"uuid\": \"{Lamp}\", \"type\": \"point\", \"range\": null}}"), Human);
        Assert.Equal(new LightParameters(LightType.Point, Vector3d.One, 100, null, 0, 0), Pipeline.Reality.Objects[Lamp].Light);
        var notALight = await SettleAsync(Intent($"{{\"op\": \"set_light\", \"uuid\": \"{Cube}\", \"intensity\": 5}}"), Human);
        Assert.Contains("INVALID_VALUE at operations[0].uuid", notALight.Reason);
    }

    [Fact]
    public async Task set_camera_needs_the_fields_of_a_new_type_and_keeps_zfar_beyond_znear()
    {
        await SettleAsync(Intent($"{{\"op\": \"create_object\", \"uuid\": \"{Cam}\", \"name\": \"Cam\", \"kind\": \"camera\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}"), Human);
        var bare = await SettleAsync(Intent($"{{\"op\": \"set_camera\", \"uuid\": \"{Cam}\", \"yfov\": 0.7}}"), Human);
        Assert.Contains("MISSING_FIELD at operations[0].aspect", bare.Reason);
        var whole = await SettleAsync(Intent($"{{\"op\": \"set_camera\", \"uuid\": \"{Cam}\", \"type\": \"perspective\", \"yfov\": 0.7, \"aspect\": 1.5, \"znear\": 0.1, \"zfar\": 100}}"), Human);
        Assert.Equal(IntentPhase.Final, whole.Phase);
        var toOrtho = await SettleAsync(Intent($"{{\"op\": \"set_camera\", \"uuid\": \"{Cam}\", \"type\": \"orthographic\", \"xmag\": 2}}"), Human);
        Assert.Contains("MISSING_FIELD at operations[0].ymag", toOrtho.Reason);
        var mixed = await SettleAsync(Intent($"{{\"op\": \"set_camera\", \"uuid\": \"{Cam}\", \"xmag\": 2}}"), Human);
        Assert.Contains("INVALID_VALUE at operations[0].xmag", mixed.Reason);
        var inverted = await SettleAsync(Intent($"{{\"op\": \"set_camera\", \"uuid\": \"{Cam}\", \"zfar\": 0.05}}"), Human);
        Assert.Contains("INVALID_VALUE at operations[0].zfar", inverted.Reason);
        var fov = await SettleAsync(Intent($"{{\"op\": \"set_camera\", \"uuid\": \"{Cam}\", \"yfov\": 1.2}}"), Human);
        Assert.Equal(IntentPhase.Final, fov.Phase);
        Assert.Equal(CameraParameters.Perspective(1.2, 1.5, 0.1, 100), Pipeline.Reality.Objects[Cam].Camera);
        Assert.Equal(IntentClass.Cosmetic, IntentClassifier.Classify(Intent($"{{\"op\": \"set_camera\", \"uuid\": \"{Cam}\", \"yfov\": 1.2}}").Operations));
    }
}
