using System.Text.Json.Nodes;
using FsCheck.Xunit;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.SceneJson;

/// <summary>Content schema 4 (docs/protocol.md §2): armatures, joints, skins, JOINTS_0/WEIGHTS_0, morph targets, animations.</summary>
public sealed class ContentSchema4Tests
{
    private const string ContentFile = "rigging_content_vectors.json";

    [Property(MaxTest = 150)]
    public bool a_rigged_scene_survives_the_round_trip_through_every_space(int seed)
    {
        var scene = RandomRigs.Rigged(seed);
        var root = SceneHasher.Hash(scene).Root;
        return new[] { Space.Canonical, Space.Unity, Space.Blender }.All(space =>
        {
            var back = SceneJsonReader.ReadCanonical(SceneJsonWriter.Write(scene, space), space);
            return SceneHasher.Hash(back).Root.SequenceEqual(root) && back.Skins.SequenceEqual(scene.Skins)
                && back.Animations.SequenceEqual(scene.Animations) && back.Meshes.SequenceEqual(scene.Meshes)
                && back.Objects.Select(o => o.Skin).SequenceEqual(scene.Objects.Select(o => o.Skin));
        });
    }

    [Property(MaxTest = 150)]
    public bool stating_schema_4_fields_empty_changes_no_hash_of_a_schema_3_scene(int seed)
    {
        var scene = RandomScenes.Canonical(seed);
        var doc = JsonNode.Parse(SceneJsonWriter.Write(scene, Space.Canonical))!.AsObject();
        foreach (var o in doc["objects"]!.AsArray()) o!.AsObject()["skin"] = null;
        foreach (var m in doc["meshes"]!.AsArray()) { m!.AsObject()["targets"] = new JsonArray(); m.AsObject()["weights"] = new JsonArray(); }
        doc["skins"] = new JsonArray();
        doc["animations"] = new JsonArray();
        var back = SceneJsonReader.ReadCanonical(doc.ToJsonString(), Space.Canonical);
        return SceneHasher.Hash(back).ToJson() == SceneHasher.Hash(scene).ToJson();
    }

    [Property(MaxTest = 150)]
    public bool a_skin_and_morph_targets_are_appended_to_the_schema_3_encoding(int seed)
    {
        var scene = RandomRigs.Rigged(seed);
        var skinned = scene.Objects.Single(o => o.Skin != null);
        var mesh = scene.Meshes.Single(m => m.Uuid == skinned.Mesh);
        var bare = RecordEncoder.Encode(skinned with { Skin = null }).ToArray();
        var full = RecordEncoder.Encode(skinned).ToArray();
        var bareMesh = RecordEncoder.Encode(mesh with { Targets = Array.Empty<MorphTarget>(), Weights = Array.Empty<double>() }).ToArray();
        var fullMesh = RecordEncoder.Encode(mesh).ToArray();
        return full.AsSpan(0, bare.Length).SequenceEqual(bare) && full[bare.Length] == RecordEncoder.SkinMark
            && fullMesh.AsSpan(0, bareMesh.Length).SequenceEqual(bareMesh)
            && (mesh.Targets.Count == 0 ? fullMesh.Length == bareMesh.Length : fullMesh[bareMesh.Length] == RecordEncoder.TargetsMark);
    }

    [Property(MaxTest = 100)]
    public bool blob_ids_name_every_blob_of_skins_targets_and_channels(int seed)
    {
        var scene = RandomRigs.Rigged(seed);
        var ids = scene.BlobIds().ToHashSet();
        return scene.Skins.All(s => ids.Contains(s.InverseBindMatrices))
            && scene.Meshes.SelectMany(m => m.Targets).All(t => ids.Contains(t.Position) && (t.Normal == null || ids.Contains(t.Normal)))
            && scene.Animations.SelectMany(a => a.Channels).All(c => ids.Contains(c.Times) && ids.Contains(c.Values));
    }

    [Fact]
    public void the_comparer_names_the_skin_targets_weights_and_channels_that_differ()
    {
        var scene = RandomRigs.Rigged(7);
        var skinned = scene.Objects.Single(o => o.Skin != null);
        Assert.Equal(new[] { "skin" }, FieldComparer.Differences(skinned, skinned with { Skin = null }));

        var target = new MorphTarget("Smile", new string('a', 64), null);
        var mesh = scene.Meshes.Last() with { Targets = new[] { target, target with { Name = "Frown" } }, Weights = new[] { 0.25, 0.5 } };
        var other = mesh with { Targets = new[] { target with { Normal = new string('b', 64) }, target with { Name = "Frown" } }, Weights = new[] { 0.25, 0.5 + 2e-5 } };
        Assert.Equal(new[] { "targets[0].NORMAL", "weights[1]" }, FieldComparer.Differences(mesh, other));
        Assert.Empty(FieldComparer.Differences(mesh, mesh with { Weights = new[] { 0.25 + 5e-6, 0.5 } }));

        var skin = scene.Skins[0];
        Assert.Equal(new[] { "joints", "skeleton" }, FieldComparer.Differences(skin, skin with { Joints = skin.Joints.Reverse().Append("x").ToArray(), Skeleton = "y" }));

        string t1 = "00000000-0000-4000-8000-000000000001", t2 = "00000000-0000-4000-8000-000000000002";
        var rotation = new AnimationChannel(t1, AnimationPath.Rotation, AnimationInterpolation.Linear, new string('1', 64), new string('2', 64), false);
        var scale = new AnimationChannel(t2, AnimationPath.Scale, AnimationInterpolation.Step, new string('3', 64), new string('4', 64), false);
        var a = new Animation(t2, "Walk", 30, new[] { rotation, scale });
        var b = a with { Channels = new[] { rotation with { Values = new string('5', 64), Sampled = true }, scale with { Path = AnimationPath.Translation } } };
        Assert.Equal(new[] { $"channels.{t1}.rotation.values", $"channels.{t1}.rotation.sampled", $"channels.{t2}.translation", $"channels.{t2}.scale" },
            FieldComparer.Differences(a, b));
    }

    [Fact]
    public void there_are_content_vectors_for_every_code() =>
        Assert.Equal(new[] { "BLOB_MISSING", "BLOB_SHAPE", "INDEX_RANGE", "INVALID_VALUE" },
            Vectors.Load(ContentFile).GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("code").GetString()).OfType<string>().Distinct().Order());

    public static TheoryData<string> ContentCases => Vectors.Names(ContentFile);

    [Theory]
    [MemberData(nameof(ContentCases))]
    public void the_content_check_refuses_or_accepts_as_the_vector_says(string name)
    {
        var c = Vectors.Case(ContentFile, name);
        var scene = SceneJsonReader.ReadCanonical(c.GetProperty("scene").GetRawText(), Space.Canonical);
        var blobs = new BlobMemory();
        foreach (var b in c.GetProperty("blobs").EnumerateObject())
            blobs.Put(b.Name, new BlobShape((BlobElement)b.Value.GetProperty("element").GetInt32(), b.Value.GetProperty("components").GetInt32(),
                b.Value.GetProperty("count").GetInt64()), Vectors.Hex(b.Value.GetProperty("payload")));
        var code = c.GetProperty("code").GetString();
        if (code == null)
        {
            RiggingContent.CheckScene(scene, blobs);
            return;
        }
        var e = Assert.Throws<MeshContentException>(() => RiggingContent.CheckScene(scene, blobs));
        Assert.Equal((code, c.GetProperty("path").GetString()), (e.Code, e.Path));
    }
}
