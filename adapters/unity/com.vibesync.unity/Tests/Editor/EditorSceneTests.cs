// EditMode tests of the glue against a real Unity editor (Window › General › Test Runner, after
// adding "testables": ["com.vibesync.unity"] to the project's Packages/manifest.json). They are
// compiled in our CI against the API stub and NUnit, but they have never run here: no Unity editor
// runs on our machines. The same behaviours are tested here against the simulator's scene
// (tests/VibeSync.Unity.Tests), which hosts the same core.
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using UnityEngine;
using VibeSync.Protocol.Json;
using VibeSync.Unity.Adapter;
using VibeSyncId = VibeSync.Unity.Components.VibeSyncId;

namespace VibeSync.Unity.Editor.Tests
{
    [TestFixture]
    internal sealed class EditorSceneTests
    {
        private readonly List<GameObject> _made = new List<GameObject>();

        [TearDown]
        public void DestroyWhatTheTestMade()
        {
            foreach (var go in _made)
                if (go) Object.DestroyImmediate(go);
            _made.Clear();
        }

        private GameObject Make(string name)
        {
            var go = new GameObject(name);
            _made.Add(go);
            return go;
        }

        private static JsonObject Json(string text) => (JsonObject)JsonParser.Parse(text);

        [Test]
        public void attach_stamps_an_unstamped_object_and_reports_it()
        {
            var go = Make("VibeSync test: stamped");
            var adapter = new UnityAdapter(new EditorScene());
            adapter.Attach();
            var id = go.GetComponent<VibeSyncId>();
            Assert.That((bool)id, Is.True, "attach adds a VibeSyncId");
            Assert.That(id.Id, Is.Not.Null.And.Not.Empty);
            Assert.That(adapter.Canonical().Objects.Any(o => o.Uuid == id.Id), Is.True, "the stamped object is in the canonical scene");
        }

        [Test]
        public void a_transform_applied_then_rolled_back_is_restored_bit_for_bit()
        {
            var go = Make("VibeSync test: moved");
            go.transform.localPosition = new Vector3(0.1f, 0.2f, 0.3f);
            var before = go.transform.localPosition;
            var adapter = new UnityAdapter(new EditorScene());
            adapter.Attach();
            var uuid = go.GetComponent<VibeSyncId>().Id;

            var applied = adapter.Apply(Json("{\"intent\": 1, \"operations\": [{\"op\": \"set_transform\", \"uuid\": \"" + uuid + "\", \"translation\": [4, 5, 6]}]}"));
            Assert.That(applied.Type, Is.EqualTo(Protocol.Link.MessageType.Applied), applied.Body);
            Assert.That(go.transform.localPosition.z, Is.EqualTo(-6f), "canonical +Z is Unity's −Z (right- to left-handed)");

            var rolledBack = adapter.Rollback(1);
            Assert.That(rolledBack.Type, Is.EqualTo(Protocol.Link.MessageType.Ack), rolledBack.Body);
            Assert.That(go.transform.localPosition.x, Is.EqualTo(before.x));
            Assert.That(go.transform.localPosition.y, Is.EqualTo(before.y));
            Assert.That(go.transform.localPosition.z, Is.EqualTo(before.z));
        }

        [Test]
        public void a_HumanOnly_object_is_never_reported()
        {
            var go = Make("VibeSync test: private");
            go.tag = "HumanOnly";
            var adapter = new UnityAdapter(new EditorScene());
            adapter.Attach();
            var id = go.GetComponent<VibeSyncId>();
            Assert.That(id == null || !adapter.Canonical().Objects.Any(o => o.Uuid == id.Id), Is.True);
        }

        [Test]
        public void the_project_stamp_is_a_hidden_game_object_that_is_never_reported()
        {
            var scene = new EditorScene();
            var before = scene.Project;
            var adapter = new UnityAdapter(scene);
            try
            {
                adapter.Welcomed("7a0c5e0e-1111-4222-8333-444455556666", 1);
                Assert.That(scene.Project, Is.EqualTo(new Hierarchy.ProjectStamp("7a0c5e0e-1111-4222-8333-444455556666", 1)));
                Assert.That(adapter.Canonical().Objects.Any(o => o.Name == "VibeSyncProject"), Is.False, "the stamp is not a synced object");
            }
            finally
            {
                scene.Project = before; // the open scene's own stamp (or none) back
            }
        }

        [Test]
        public void a_created_material_holds_the_mapping_tables_values_and_a_light_its_converted_intensity()
        {
            var go = Make("VibeSync test: lamp");
            go.AddComponent<Light>();
            var adapter = new UnityAdapter(new EditorScene());
            adapter.Attach();
            var uuid = go.GetComponent<VibeSyncId>().Id;
            const string material = "7a0c5e0e-1111-4222-8333-444455556666";
            var applied = adapter.Apply(Json("{\"intent\": 1, \"operations\": [{\"op\": \"create_material\", \"uuid\": \"" + material + "\", \"name\": \"VibeSync test\", \"base_color\": [0.8, 0.2, 0.1, 1], \"metallic\": 0, \"roughness\": 0.25, \"emission\": [0, 0, 0], \"alpha_mode\": \"MASK\"}, "
                + "{\"op\": \"set_light\", \"uuid\": \"" + uuid + "\", \"type\": \"point\", \"color\": [1, 1, 1], \"intensity\": 31.4159265, \"range\": null}]}"));
            Assert.That(applied.Type, Is.EqualTo(Protocol.Link.MessageType.Applied), applied.Body);
            Assert.That(go.GetComponent<Light>().intensity, Is.EqualTo(10f).Within(1e-5f), "glTF candela / π (glTFast's Built-in conversion)");
            Assert.That(go.GetComponent<Light>().range, Is.EqualTo(100000f), "an infinite glTF range");
            var record = adapter.Canonical().Materials.Single(m => m.Uuid == material);
            Assert.That(record.Roughness, Is.EqualTo(0.25).Within(1e-6), "read back through _Glossiness/_Smoothness");
            Assert.That(record.AlphaMode, Is.EqualTo(Protocol.State.AlphaMode.Mask), "read back through _Mode or _AlphaClip");
            adapter.Rollback(1);
        }
    }
}
