"""The adapter's operation reader against testdata/operation_vectors.json, which the C# reader
(OperationVectorTests) passes too: the same operations are taken, the same refused at the same path."""

import json
import os
import unittest

from vibesync_blender.operations import read_operations
from vibesync_blender.protocol.errors import SceneError

from .support import REPO

with open(os.path.join(REPO, "testdata", "operation_vectors.json"), encoding="utf-8") as f:
    VECTORS = json.load(f)


class OperationVectorTests(unittest.TestCase):
    def test_every_valid_operation_is_read_with_its_fields(self):
        for op in VECTORS["valid"]:
            with self.subTest(op=op["op"]):
                (read,) = read_operations([op])
                self.assertEqual(op["op"], read.op)
                self.assertEqual(op["uuid"], read.uuid)
                self.assertEqual(set(op) - {"op", "uuid"}, set(read.fields))

    def test_every_invalid_operation_is_refused_at_the_shared_path(self):
        for case in VECTORS["invalid"]:
            with self.subTest(case["name"]):
                with self.assertRaises(SceneError) as caught:
                    read_operations([case["operation"]])
                self.assertEqual(case["path"], caught.exception.path)

    def test_an_empty_list_is_refused(self):
        with self.assertRaises(SceneError):
            read_operations([])


if __name__ == "__main__":
    unittest.main()
