"""PENDING_INTENTS: the shared vectors (the C# suite runs the same file)."""

import unittest

from vibesync_blender.link.pending import PendingError, page_url, parse_pending, pending_json, PendingIntent

from .support import vectors


class PendingVectorTests(unittest.TestCase):
    V = vectors("pending_vectors.json")

    def test_pending_intents_payloads_are_written_byte_for_byte_and_read_back_with_their_pages(self):
        self.assertGreaterEqual(len(self.V["payloads"]), 4)
        for c in self.V["payloads"]:
            intents = [PendingIntent(i["id"], i["actor"], i["class"], i["rationale"]) for i in c["intents"]]
            self.assertEqual(c["json"], pending_json(c["console"], intents, c["total"]))
            got = parse_pending(c["json"])
            self.assertEqual((c["console"], intents, c["total"]), (got.console, got.intents, got.total))
            self.assertEqual(c["pages"], [got.page_url(i.id) for i in got.intents])
            self.assertEqual(c["pages"], [page_url(c["console"], i.id) for i in got.intents])

    def test_malformed_pending_intents_payloads_are_refused_at_the_field_the_vectors_name(self):
        self.assertGreaterEqual(len(self.V["refusals"]), 25)
        for c in self.V["refusals"]:
            with self.subTest(c["name"]), self.assertRaises(PendingError) as caught:
                parse_pending(c["json"])
            self.assertEqual(c["path"], caught.exception.path, c["name"])


if __name__ == "__main__":
    unittest.main()
