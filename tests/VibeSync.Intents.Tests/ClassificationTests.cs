using VibeSync.Intents.Classification;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Tests;

public sealed class ClassificationTests
{
    [Theory]
    [InlineData("{\"op\": \"set_transform\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"translation\": [1, 2, 3]}", IntentClass.Cosmetic)]
    [InlineData("{\"op\": \"set_visibility\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"visible\": false}", IntentClass.Cosmetic)]
    [InlineData("{\"op\": \"set_material_params\", \"uuid\": \"00000000-0000-4000-8000-0000000000a1\", \"roughness\": 0.2}", IntentClass.Cosmetic)]
    [InlineData("{\"op\": \"assign_material\", \"uuid\": \"00000000-0000-4000-8000-000000000004\", \"slot\": 0, \"material\": null}", IntentClass.Cosmetic)]
    [InlineData("{\"op\": \"rename\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"name\": \"Box\"}", IntentClass.Cosmetic)]
    [InlineData("{\"op\": \"set_parent\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"parent\": null}", IntentClass.Structural)]
    [InlineData("{\"op\": \"create_object\", \"uuid\": \"00000000-0000-4000-8000-0000000000f1\", \"name\": \"E\", \"kind\": \"empty\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}", IntentClass.Structural)]
    [InlineData("{\"op\": \"instantiate_prefab\", \"uuid\": \"00000000-0000-4000-8000-0000000000f1\", \"prefab\": \"props/crate\", \"name\": \"Crate\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}", IntentClass.Structural)]
    [InlineData("{\"op\": \"set_mesh\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"mesh\": \"00000000-0000-4000-8000-0000000000b1\"}", IntentClass.Structural)]
    [InlineData("{\"op\": \"duplicate_object\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"new_uuid\": \"00000000-0000-4000-8000-0000000000f1\"}", IntentClass.Structural)]
    [InlineData("{\"op\": \"delete_object\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"children\": \"reparent\"}", IntentClass.Destructive)]
    [InlineData("{\"op\": \"replace_mesh\", \"uuid\": \"00000000-0000-4000-8000-0000000000b1\", \"positions\": [], \"triangles\": []}", IntentClass.Destructive)]
    [InlineData("{\"op\": \"replace_asset\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"asset\": \"props/barrel\"}", IntentClass.Destructive)]
    public void each_operation_has_its_class_from_the_operation_alone(string operation, IntentClass expected)
    {
        Assert.Equal(expected, IntentClassifier.Classify(Scenes.Intent(operation).Operations));
    }

    [Fact]
    public void an_intent_takes_the_highest_class_of_its_operations()
    {
        var intent = Scenes.Intent(
            "{\"op\": \"set_visibility\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"visible\": false}",
            "{\"op\": \"delete_object\", \"uuid\": \"00000000-0000-4000-8000-000000000002\", \"children\": \"delete\"}",
            "{\"op\": \"set_parent\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"parent\": null}");
        Assert.Equal(IntentClass.Destructive, IntentClassifier.Classify(intent.Operations));
    }

    [Fact]
    public void a_caller_cannot_choose_the_class()
    {
        var e = Assert.Throws<IntentRefusedException>(() => OperationReader.Read(
            "{\"operations\": [{\"op\": \"set_visibility\", \"uuid\": \"00000000-0000-4000-8000-000000000001\", \"visible\": true}], \"intent_class\": \"cosmetic\"}"));
        Assert.Equal(IntentErrorCode.UnknownField, e.Code);
        Assert.Equal("intent_class", e.Path);
    }
}
