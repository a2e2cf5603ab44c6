"""testdata/hash_vectors.json and hash_error_vectors.json, the same files the C# suite runs."""

import json
import unittest

from vibesync_blender.protocol import SceneError, hash_scene, read_canonical
from vibesync_blender.protocol.blobs import MemoryBlobs
from vibesync_blender.protocol.encoding import (encode_animation, encode_image, encode_material, encode_mesh,
                                                encode_object, encode_skin)
from vibesync_blender.protocol.scene_json import write

from .support import vectors

HASHES = vectors("hash_vectors.json")["cases"]
INLINE = vectors("hash_vectors.json")["inline_cases"]
ERRORS = vectors("hash_error_vectors.json")["cases"]


class HashVectorTests(unittest.TestCase):
    def test_there_are_enough_vectors(self):
        self.assertGreaterEqual(len(HASHES), 30)
        self.assertGreaterEqual(len(ERRORS), 20)

    def test_every_scene_hashes_as_its_vector_says(self):
        for case in HASHES:
            with self.subTest(case["name"]):
                hashes = hash_scene(read_canonical(json.dumps(case["scene"]), case["space"]))
                self.assertEqual(json.loads(hashes.to_json()), case["expected"])
                self.assertEqual(hashes.to_json(), json.dumps(case["expected"]))  # key order and separators too

    def test_record_encodings_are_byte_exact(self):
        for case in (c for c in HASHES if "encodings" in c):
            with self.subTest(case["name"]):
                scene = read_canonical(json.dumps(case["scene"]), case["space"])
                by_id = {o.uuid: encode_object(o) for o in scene.objects}
                by_id.update({m.uuid: encode_material(m) for m in scene.materials})
                by_id.update({m.uuid: encode_mesh(m) for m in scene.meshes})
                by_id.update({i.uuid: encode_image(i) for i in scene.images})
                by_id.update({k.uuid: encode_skin(k) for k in scene.skins})
                by_id.update({a.uuid: encode_animation(a) for a in scene.animations})
                self.assertEqual({k: v.hex() for k, v in by_id.items()}, case["encodings"])

    def test_inline_meshes_read_as_the_record_form_with_exactly_these_blobs(self):
        self.assertGreaterEqual(len(INLINE), 5)
        for case in INLINE:
            with self.subTest(case["name"]):
                sink = MemoryBlobs()
                scene = read_canonical(json.dumps(case["scene"]), case["space"], sink)
                self.assertEqual(write(scene, "canonical"), case["record_form"])
                made = {}
                for blob in sink.ids():
                    shape, data = sink.get(blob)
                    made[blob] = {"element": shape.element, "components": shape.components, "count": shape.count,
                                  "payload": bytes(data).hex()}
                self.assertEqual(made, case["blobs"])

    def test_cases_marked_alike_share_one_root(self):
        roots = {c["name"]: c["expected"]["root"] for c in HASHES}
        for case in (c for c in HASHES if "same_root_as" in c):
            with self.subTest(case["name"]):
                self.assertEqual(roots[case["name"]], roots[case["same_root_as"]])

    def test_bad_input_is_refused_at_the_path_its_vector_names(self):
        for case in ERRORS:
            with self.subTest(case["name"]):
                with self.assertRaises(SceneError) as caught:
                    read_canonical(case["input"], case["space"])
                self.assertEqual(caught.exception.path, case["error_path"])


class SceneErrorTests(unittest.TestCase):
    def test_an_error_reads_path_colon_message(self):
        e = SceneError("objects[3].location[1]", "expected a finite number")
        self.assertEqual(str(e), "objects[3].location[1]: expected a finite number")
        self.assertEqual((e.path, e.message), ("objects[3].location[1]", "expected a finite number"))

    def test_a_boolean_is_not_a_number_even_though_python_says_it_is_an_int(self):
        text = json.dumps({"objects": [{"uuid": "00000000-0000-4000-8000-000000000001", "name": "A", "kind": "empty",
                                        "parent": None, "translation": [0, True, 0], "rotation": [0, 0, 0, 1],
                                        "scale": [1, 1, 1], "visible": True, "materials": [], "mesh": None}]})
        with self.assertRaises(SceneError) as caught:
            read_canonical(text, "canonical")
        self.assertEqual(caught.exception.path, "objects[0].translation[1]")


if __name__ == "__main__":
    unittest.main()
