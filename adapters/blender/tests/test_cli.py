"""`python3 -m vibesync_blender.protocol` as a user runs it: in its own process."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

from .support import ADAPTER, REPO, vectors


def run(*args, stdin=None):
    env = dict(os.environ, PYTHONPATH=ADAPTER)
    return subprocess.run([sys.executable, "-m", "vibesync_blender.protocol", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


class CliTests(unittest.TestCase):
    def test_a_file_and_standard_input_hash_alike(self):
        case = next(c for c in vectors("hash_vectors.json")["cases"] if c["name"] == "camera_light_and_children_in_blender_space")
        text = json.dumps(case["scene"])
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write(text)
        try:
            from_file = run("hash", "--space", "blender", f.name)
        finally:
            os.unlink(f.name)
        from_stdin = run("hash", "--space", "blender", stdin=text)
        self.assertEqual(from_file.returncode, 0, from_file.stderr)
        self.assertEqual(from_file.stdout, from_stdin.stdout)
        self.assertEqual(json.loads(from_file.stdout), case["expected"])
        self.assertEqual(from_file.stderr, "")

    def test_the_sample_scene_hashes(self):
        result = run("hash", "--space", "blender", os.path.join(REPO, "samples", "cube-and-camera.blender.json"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(json.loads(result.stdout)["objects"]), 4)

    def test_bad_input_exits_2_with_one_line_naming_record_and_field(self):
        case = next(c for c in vectors("hash_error_vectors.json")["cases"] if c["name"] == "translation_with_two_numbers")
        result = run("hash", "--space", case["space"], stdin=case["input"])
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("error: objects[0].translation: "), lines[0])

    def test_a_missing_file_is_one_clear_line(self):
        result = run("hash", "--space", "unity", "/nonexistent/scene.json")
        self.assertEqual(result.returncode, 2)
        self.assertIn("/nonexistent/scene.json", result.stderr)

    def test_an_unknown_space_is_refused_in_one_line(self):
        result = run("hash", "--space", "maya", stdin="{}")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1)
        self.assertIn("maya", result.stderr)

    def test_every_error_vector_exits_2_naming_its_path(self):
        for case in vectors("hash_error_vectors.json")["cases"]:
            with self.subTest(case["name"]):
                result = run("hash", "--space", case["space"], stdin=case["input"])
                self.assertEqual(result.returncode, 2)
                lines = result.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertTrue(lines[0].startswith(f"error: {case['error_path']}: "), lines[0])

    def test_bench_prints_its_figures_as_json(self):
        result = run("bench", "--objects", "300", "--rounds", "1", "--updates", "20")
        self.assertEqual(result.returncode, 0, result.stderr)
        figures = json.loads(result.stdout)
        self.assertEqual(figures["objects"], 300)
        self.assertGreater(figures["seconds_root_from_scratch"], 0)
        self.assertGreater(figures["seconds_incremental_update"], 0)
        self.assertEqual(figures["python"].count("."), 2)


if __name__ == "__main__":
    unittest.main()
