"""Inside real Blender, where numpy is bundled: the fast path names blobs exactly as the pure-Python
path and the shared vectors do, for the vectors and for a mesh-sized array."""

import random
import struct
import unittest

from vibesync_blender.protocol import blobs
from tests.support import vectors


class BlobNamesWithNumpyTests(unittest.TestCase):
    def test_this_blender_has_numpy(self):
        # Blender's official builds bundle numpy; Debian's uses the system Python (run-tests installs python3-numpy).
        self.assertIsNotNone(blobs._np, "numpy is missing in this Blender: apt-get install python3-numpy")

    def test_numpy_names_the_vectors_as_they_say(self):
        for c in vectors("blob_vectors.json")["cases"]:
            self.assertEqual(c["id"], blobs.blob_id(c["element"], c["components"], c["count"], bytes.fromhex(c["payload"])), c["name"])

    def test_numpy_and_pure_python_agree_on_a_hundred_thousand_positions(self):
        r = random.Random(3)
        values = [r.uniform(-50, 50) for _ in range(300_000)]
        payload = struct.pack(f"<{len(values)}f", *values)
        self.assertEqual(blobs.blob_id(blobs.F32, 3, 100_000, payload, use_numpy=True),
                         blobs.blob_id(blobs.F32, 3, 100_000, payload, use_numpy=False))

    def test_numpy_refuses_what_the_vectors_refuse(self):
        for c in vectors("blob_vectors.json")["errors"]:
            with self.assertRaises(blobs.BlobFormatError, msg=c["name"]) as e:
                blobs.blob_id(c["element"], c["components"], c["count"], bytes.fromhex(c["payload"]))
            self.assertEqual(c["error_field"], e.exception.field, c["name"])
