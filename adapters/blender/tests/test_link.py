"""The Python link client: the shared vectors, and live against a real `vibesync serve`."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from vibesync_blender.link import keyfile
from vibesync_blender.link import LinkClient, LinkError, LinkRefused, MessageType, SequenceGuard, derive_session_keys, hello_json
from vibesync_blender.link.session import parse_welcome, version_incompatibility
from vibesync_blender.protocol.frames import encode_frame

from .support import REPO, vectors

CUBE = "00000000-0000-4000-8000-000000000004"


class LinkVectorTests(unittest.TestCase):
    V = vectors("link_vectors.json")

    def test_session_keys_match_the_vectors(self):
        for c in self.V["session_keys"]:
            c2s, s2c = derive_session_keys(bytes.fromhex(c["bootstrap_key"]), bytes.fromhex(c["client_nonce"]),
                                           bytes.fromhex(c["server_nonce"]), c["engine"], c["session_id"], c["epoch"])
            self.assertEqual((c["client_to_server"], c["server_to_client"]), (c2s.hex(), s2c.hex()))

    def test_hello_payloads_match_byte_for_byte(self):
        for h in self.V["hellos"]:
            self.assertEqual(h["json"], hello_json(h["engine"], h["protocol"], h["adapter"], h["project_id"], h["schema"],
                                                   bytes.fromhex(h["client_nonce"]), h["generation"], h["file"]))

    def test_welcome_payloads_read_back(self):
        for w in self.V["welcomes"]:
            got = parse_welcome(w["json"])
            self.assertEqual((w["project_id"], w["schema"], w["limits"], w.get("tangents", False)),
                             (got["project_id"], got["schema"], got["limits"], got.get("tangents", False)))
            self.assertEqual(bytes.fromhex(w["server_nonce"]), got["server_nonce"])
        with self.assertRaises(LinkError):
            parse_welcome(self.V["welcomes"][0]["json"].replace('"schema": 1, ', ''))
        self.assertTrue(any(w.get("tangents") for w in self.V["welcomes"]))  # the optional field is pinned
        with self.assertRaises(LinkError):
            parse_welcome(self.V["welcomes"][0]["json"][:-1] + ', "tangents": 1}')

    def test_version_rules_match_the_vectors(self):
        for v in self.V["versions"]:
            self.assertEqual(v["compatible"], version_incompatibility(v["ours"], v["peer"]) is None, v)

    def test_the_sequence_guard_refuses_replays_gaps_and_stale_clocks(self):
        g = SequenceGuard(2)
        g.check(2, 1000, 1000)
        with self.assertRaises(LinkError) as e:
            g.check(2, 1000, 1000)
        self.assertEqual("BAD_SEQUENCE", e.exception.code)
        with self.assertRaises(LinkError) as e:
            g.check(3, 1000, 9000)
        self.assertEqual("STALE_TIMESTAMP", e.exception.code)


def serve_command(data_dir, *extra):
    """The CLI built by run-tests (VIBESYNC_CLI: path to vibesync.dll), else the repository's launcher."""
    dll = os.environ.get("VIBESYNC_CLI")
    base = ["dotnet", dll] if dll else [os.path.join(REPO, "vibesync")]
    return base + ["serve", "--data", data_dir, *extra]


def start_serve(cls, prefix, *extra):
    """A real serve for a test class on a fresh data directory: ``cls.dir``, ``cls.proc``, ``cls.err`` (its JSON log)."""
    if shutil.which("dotnet") is None:
        raise unittest.SkipTest("the .NET SDK is needed to run vibesync serve")
    cls.dir = tempfile.mkdtemp(prefix=prefix)
    cls.err = open(os.path.join(cls.dir, "serve.log"), "w")  # the JSON log; an unread pipe would fill and block serve
    cls.proc = subprocess.Popen(serve_command(cls.dir, *extra), stdout=subprocess.PIPE, stderr=cls.err, text=True)
    line = cls.proc.stdout.readline()
    if not line.startswith("vibesync serve:"):
        cls.proc.kill()
        raise RuntimeError("serve did not start: " + line)


def stop_serve(cls):
    """Stops it with SIGTERM and removes its directory; a serve that does not exit 0 fails the class."""
    cls.proc.terminate()
    try:
        code = cls.proc.wait(timeout=20)
    finally:
        if cls.proc.poll() is None:
            cls.proc.kill()
    cls.proc.stdout.close()
    cls.err.close()
    with open(cls.err.name, encoding="utf-8") as f:
        log = f.read()
    shutil.rmtree(cls.dir, ignore_errors=True)
    if code != 0:
        raise AssertionError(f"serve exited with {code} after SIGTERM; its log ends:\n" + "\n".join(log.splitlines()[-15:]))


class LiveLinkTests(unittest.TestCase):
    """Against a real orchestrator process on loopback."""

    @classmethod
    def setUpClass(cls):
        start_serve(cls, "vibesync-pylink-")

    @classmethod
    def tearDownClass(cls):
        stop_serve(cls)

    def test_a_session_heartbeats_and_its_edits_count_only_once_it_has_attached(self):
        with LinkClient.from_data_dir(self.dir, "unity", file="py.unity") as c:
            self.assertEqual(32, len(c.session_id))
            typ, data = c.heartbeat()
            self.assertEqual(MessageType.ACK, typ)
            typ, data = c.request(MessageType.EDIT, json.dumps(
                {"operations": [{"op": "set_transform", "uuid": CUBE, "translation": [1.5, 0, 0]}]}))
            self.assertEqual((MessageType.ERROR, 3, "NOT_ATTACHED"), (typ, data["re"], data["code"]))  # HELLO was 1, the heartbeat 2
            typ, data = c.request(MessageType.EDIT, json.dumps(
                {"operations": [{"op": "set_visibility", "uuid": "not-an-id", "visible": True}]}))
            self.assertEqual(MessageType.ERROR, typ)
            self.assertEqual("INVALID_VALUE", data["code"])
            self.assertEqual(MessageType.ACK, c.heartbeat()[0])  # refused, not revoked

    def test_a_large_scene_is_reported_in_parts_and_the_orchestrator_hashes_it_whole(self):
        from vibesync_blender.link.scene_parts import scene_parts
        from vibesync_blender.protocol import Scene, SceneObject, hash_scene, scene_json
        objects = tuple(SceneObject(f"00000000-0000-4000-8000-{i:012x}", f"Empty {i}", "empty",
                                    f"00000000-0000-4000-8000-{i - 1:012x}" if i % 4 else None,
                                    (float(i), 0.0, 0.0), (0.0, 0.0, 0.0, 1.0), (1.0, 1.0, 1.0), True) for i in range(12_000))
        canonical = Scene(objects)
        root = hash_scene(canonical).root.hex()
        report = {"generation": 1, "root": root, "stamped": 0, "scene": scene_json.write(canonical, "canonical")}
        parts = scene_parts(report)
        self.assertEqual([0, 1, 2], [p["part"] for p in parts])
        with LinkClient.from_data_dir(self.dir, "blender", file="parts.blend") as c:
            answers = [c.request(MessageType.SCENE, json.dumps(p)) for p in parts]
        self.assertEqual([MessageType.ACK] * 3, [t for t, _ in answers], answers)
        self.assertEqual(root, answers[-1][1]["scene_root"])  # computed by the orchestrator over all three parts
        self.assertEqual(1, answers[1][1]["part"])

    def test_a_frame_under_a_wrong_key_gets_the_connection_dropped_and_changes_nothing(self):
        with LinkClient.from_data_dir(self.dir, "unity") as c:
            c.send_raw(encode_frame(bytes(32), MessageType.HEARTBEAT, 2, int(time.time() * 1000), b"{}"))
            self.assertIsNone(c.receive())
        with LinkClient.from_data_dir(self.dir, "unity") as again:  # a new session gets in
            self.assertEqual(MessageType.ACK, again.heartbeat()[0])

    def test_version_skew_is_refused_with_a_clear_message(self):
        key = keyfile.read(os.path.join(self.dir, "keys", "blender.key")).key
        with open(os.path.join(self.dir, "serve.json")) as f:
            port = json.load(f)["link_port"]
        with self.assertRaises(LinkRefused) as e:
            LinkClient.connect(port, "blender", key, protocol="1.9")
        self.assertEqual("VERSION_SKEW", e.exception.code)
        self.assertIn("minor version", str(e.exception))


if __name__ == "__main__":
    unittest.main()
