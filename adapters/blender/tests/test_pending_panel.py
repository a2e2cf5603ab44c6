"""The sidebar's pending-intent list and the console page its Review in console button opens (no bpy;
the panel drawing it is tested in GUI Blender by the end-to-end suite's PanelGuiTests)."""

import unittest

from vibesync_blender.link.pending import PendingIntent, PendingIntents
from vibesync_blender.ui.pending_model import RATIONALE_LINES, RATIONALE_WIDTH, SHOWN, WIDTH, pending_rows, review_url, wrap

CONSOLE = "http://127.0.0.1:48213/console/"


def listed(*intents, total=None):
    return PendingIntents(CONSOLE, list(intents), len(intents) if total is None else total)


class PendingPanelModelTests(unittest.TestCase):
    def test_nothing_is_drawn_while_nothing_waits(self):
        self.assertEqual(("", [], None), pending_rows(PendingIntents.none()))
        self.assertEqual(("", [], None), pending_rows(listed()))

    def test_each_intent_shows_its_number_actor_class_and_rationale(self):
        title, rows, more = pending_rows(listed(PendingIntent(8, "ai:claude", "structural", "Parent the lamp under the desk"),
                                                PendingIntent(9, "ai:claude", "destructive", "")))
        self.assertEqual("AI intents to review: 2", title)
        self.assertEqual([(8, "#8 ai:claude · structural", ["Parent the lamp under the", "desk"]),
                          (9, "#9 ai:claude · destructive", ["(no rationale given)"])],
                         [(r.intent_id, r.heading, r.rationale) for r in rows])
        self.assertIsNone(more)

    def test_a_long_rationale_is_cut_into_a_few_labels_that_fit(self):
        text = "move the crates " * 40 + "x" * 200
        (row,) = pending_rows(listed(PendingIntent(3, "ai:a", "cosmetic", text)))[1]
        self.assertEqual(RATIONALE_LINES, len(row.rationale))
        self.assertTrue(all(len(line) <= RATIONALE_WIDTH for line in row.rationale), row.rationale)
        self.assertTrue(row.rationale[-1].endswith("…"))
        self.assertTrue(all(len(line) <= WIDTH for line in wrap("y" * 500)))  # one word longer than a label

    def test_beyond_the_first_few_the_panel_says_how_many_more_the_console_lists(self):
        intents = [PendingIntent(i + 1, "ai:flood", "cosmetic", "r") for i in range(SHOWN + 5)]
        title, rows, more = pending_rows(listed(*intents, total=250))
        self.assertEqual("AI intents to review: 250", title)
        self.assertEqual(SHOWN, len(rows))
        self.assertEqual(f"… and {250 - SHOWN} more in the console", more)

    def test_review_opens_the_consoles_page_of_a_listed_intent_only(self):
        pending = listed(PendingIntent(8, "ai:claude", "structural", "r"))
        self.assertEqual("http://127.0.0.1:48213/console/intents/8", review_url(pending, 8))
        with self.assertRaises(ValueError) as e:
            review_url(pending, 9)  # decided meanwhile: the list changed under the button
        self.assertIn("intent 9 is not waiting", str(e.exception))
        with self.assertRaises(ValueError):
            review_url(PendingIntents.none(), 8)


if __name__ == "__main__":
    unittest.main()
