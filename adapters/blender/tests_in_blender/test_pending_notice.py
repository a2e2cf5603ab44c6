"""PENDING_INTENTS in the real add-on: kept for the panel and answered ACK; a malformed one answered
ERROR MALFORMED with the list left as it was (docs/protocol.md §11.9)."""

import json
import unittest

from vibesync_blender.link import MessageType
from vibesync_blender.link.pending import PendingIntent, pending_json
from vibesync_blender.protocol.frames import Frame
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue

CONSOLE = "http://127.0.0.1:40000/console/"


class PendingNoticeTests(unittest.TestCase):
    def setUp(self):
        self.sent, self.redraws = [], []
        self.adapter = BlenderAdapter(MainThreadQueue(), send=lambda t, p: self.sent.append((t, p)), log=lambda m: None)
        self.adapter.on_pending = lambda: self.redraws.append(1)

    def notice(self, seq, text):
        self.adapter.handle(Frame(MessageType.PENDING_INTENTS, seq, 0, text.encode("utf-8")))
        return self.sent[-1]

    def test_a_pending_intents_notice_is_kept_for_the_panel_and_acknowledged(self):
        intent = PendingIntent(8, "ai:claude", "structural", "Parent the lamp under the desk")
        self.assertEqual((MessageType.ACK, {"re": 5}), self.notice(5, pending_json(CONSOLE, [intent], 1)))
        self.assertEqual([intent], self.adapter.pending.intents)
        self.assertEqual(CONSOLE + "intents/8", self.adapter.pending.page_url(8))
        self.assertEqual(1, len(self.redraws))

    def test_a_malformed_notice_is_refused_naming_the_field_and_the_list_stays(self):
        good = pending_json(CONSOLE, [PendingIntent(8, "ai:claude", "structural", "r")], 1)
        self.notice(5, good)
        for seq, bad in enumerate([good.replace(CONSOLE, "https://example.com/console/"),
                                   good.replace('"structural"', '"root"'),
                                   good.replace('"r"', json.dumps("x" * 501)),
                                   good.replace('"total": 1', '"total": "1"'),
                                   "not json"], start=6):
            typ, payload = self.notice(seq, bad)
            self.assertEqual((MessageType.ERROR, "MALFORMED", seq), (typ, payload["code"], payload["re"]), bad)
            self.assertEqual([8], [i.id for i in self.adapter.pending.intents])
        self.assertIn("console", self.sent[1][1]["message"])


if __name__ == "__main__":
    unittest.main()
