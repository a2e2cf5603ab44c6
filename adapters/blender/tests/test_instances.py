"""Engine instance names (docs/protocol.md §11.1) against testdata/instance_vectors.json, which the C#
suite reads too: valid names with their kind, key file and space; invalid names refused; key file
names mapped back; session keys that differ per instance under one bootstrap key."""

import json
import os
import socket
import tempfile
import unittest

from vibesync_blender.link.client import LinkClient
from vibesync_blender.link.session import derive_session_keys
from vibesync_blender.protocol.instances import InstanceError, instance_of_key_file, parse_instance

from .support import vectors


class InstanceVectorTests(unittest.TestCase):
    V = vectors("instance_vectors.json")

    def test_valid_instance_names_give_their_kind_key_file_and_space(self):
        self.assertGreaterEqual(len(self.V["valid"]), 8)
        for c in self.V["valid"]:
            i = parse_instance(c["text"])
            self.assertEqual((c["kind"], c["name"], c["key_file"], c["space"], c["text"]),
                             (i.kind, i.name, i.key_file_name, i.space, str(i)), c["text"])

    def test_invalid_instance_names_are_refused_with_a_reason(self):
        self.assertGreaterEqual(len(self.V["invalid"]), 15)
        for text in self.V["invalid"]:
            with self.subTest(text), self.assertRaises(InstanceError) as caught:
                parse_instance(text)
            self.assertIn("not an engine instance", str(caught.exception))

    def test_key_file_names_map_to_their_instance_or_to_none(self):
        for c in self.V["key_files"]:
            i = instance_of_key_file(c["file"])
            self.assertEqual(c["instance"], None if i is None else str(i), c["file"])

    def test_one_bootstrap_key_gives_each_instance_its_own_session_keys(self):
        seen = set()
        for c in self.V["session_keys"]:
            c2s, s2c = derive_session_keys(bytes.fromhex(c["bootstrap_key"]), bytes.fromhex(c["client_nonce"]),
                                           bytes.fromhex(c["server_nonce"]), c["engine"], c["session_id"], c["epoch"])
            self.assertEqual((c["client_to_server"], c["server_to_client"]), (c2s.hex(), s2c.hex()), c["engine"])
            seen.add(c2s)
        self.assertEqual(len(self.V["session_keys"]), len(seen))


class InstanceKeyFileTests(unittest.TestCase):
    def test_the_link_client_reads_the_key_file_of_the_instance_it_connects_as(self):
        with tempfile.TemporaryDirectory() as d:
            with socket.socket() as s:  # a port nobody listens on: connecting fails after the key was read
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            with open(os.path.join(d, "serve.json"), "w") as f:
                json.dump({"link_port": port}, f)
            os.mkdir(os.path.join(d, "keys"))
            with open(os.path.join(d, "keys", "blender.bob.key"), "w") as f:
                f.write("ab" * 32 + "\n")
            with self.assertRaises(ConnectionRefusedError):
                LinkClient.from_data_dir(d, "blender:bob", timeout=2)
            with self.assertRaises(FileNotFoundError) as missing:
                LinkClient.from_data_dir(d, "blender:alice", timeout=2)
            self.assertTrue(missing.exception.filename.endswith("blender.alice.key"))
            with self.assertRaises(InstanceError):
                LinkClient.from_data_dir(d, "blender:Bob", timeout=2)


if __name__ == "__main__":
    unittest.main()
