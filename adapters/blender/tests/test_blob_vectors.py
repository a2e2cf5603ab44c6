"""Blob names against the shared vectors (docs/protocol.md §12), under the system Python."""

import unittest

from vibesync_blender.protocol.blobs import BlobFormatError, blob_id, floats_id
from .support import vectors


class BlobVectorTests(unittest.TestCase):
    V = vectors("blob_vectors.json")

    def test_every_vector_blob_has_the_name_the_vectors_give(self):
        for c in self.V["cases"]:
            got = blob_id(c["element"], c["components"], c["count"], bytes.fromhex(c["payload"]), use_numpy=False)
            self.assertEqual(c["id"], got, c["name"])

    def test_every_vector_refusal_names_the_same_field(self):
        for c in self.V["errors"]:
            with self.assertRaises(BlobFormatError, msg=c["name"]) as e:
                blob_id(c["element"], c["components"], c["count"], bytes.fromhex(c["payload"]), use_numpy=False)
            self.assertEqual(c["error_field"], e.exception.field, c["name"])

    def test_floats_below_epsilon_apart_share_a_name_and_other_groupings_do_not(self):
        self.assertEqual(floats_id([1.0, 2.0, 3.0], 3), floats_id([1.0000001, 2.0, 2.9999999], 3))
        self.assertNotEqual(floats_id([0.0] * 6, 3), floats_id([0.0] * 6, 2))


if __name__ == "__main__":
    unittest.main()
