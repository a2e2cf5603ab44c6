"""TIME (docs/protocol.md §11.10) without Blender: the payload is written and read strictly, and the
timeline sync never sends back a time it was told, sends a scrub at most once per interval with the
last position always sent, drops late TIMEs, and does nothing while the policy is off."""

import unittest

from vibesync_blender.link import MessageType
from vibesync_blender.link.scene_time import TimeError, encode_time, parse_time, real_text
from vibesync_blender.runtime.timeline import TimelineSync

from .support import vectors


class TimeVectorTests(unittest.TestCase):
    V = vectors("time_vectors.json")

    def test_time_payloads_are_written_byte_for_byte_and_read_back_exactly(self):
        self.assertGreaterEqual(len(self.V["payloads"]), 7)
        for c in self.V["payloads"]:
            self.assertEqual(c["json"].encode("utf-8"), encode_time(c["seconds"], c["seq"]), c["name"])
            self.assertEqual((c["seconds"], c["seq"]), parse_time(c["json"].encode("utf-8")), c["name"])

    def test_malformed_time_payloads_are_refused_at_the_field_the_vectors_name(self):
        self.assertGreaterEqual(len(self.V["refusals"]), 15)
        for c in self.V["refusals"]:
            with self.subTest(c["name"]), self.assertRaises(TimeError) as caught:
                parse_time(c["json"].encode("utf-8"))
            self.assertEqual(c["path"], caught.exception.path, c["name"])


class TimePayload(unittest.TestCase):
    def test_seconds_are_written_as_csharps_round_trip_text(self):
        self.assertEqual(encode_time(1.0, 7), b'{"seconds": 1, "seq": 7}')
        self.assertEqual(encode_time(37 / 24, 1), b'{"seconds": 1.5416666666666667, "seq": 1}')
        self.assertEqual(real_text(1.5e-05), "1.5E-05")

    def test_a_time_reads_back_exactly(self):
        self.assertEqual(parse_time(encode_time(37 / 24, 3)), (37 / 24, 3))

    def test_nan_negative_huge_and_wrong_types_are_refused_by_field(self):
        for text, path in [(b'{"seconds": NaN, "seq": 1}', "payload"), (b'{"seconds": -1, "seq": 1}', "seconds"),
                           (b'{"seconds": 1e300, "seq": 1}', "seconds"), (b'{"seconds": "1", "seq": 1}', "seconds"),
                           (b'{"seconds": 1, "seq": true}', "seq"), (b'{"seconds": 1, "seq": 1, "frame": 2}', "frame")]:
            with self.subTest(text=text), self.assertRaises(TimeError) as caught:
                parse_time(text)
            self.assertEqual(caught.exception.path, path)


class FakeScene:
    """A timeline at 24 fps: read() and pose() as Blender's would, counting frame_change_post."""

    def __init__(self):
        self.frame = 1
        self.sync = None

    def read(self):
        return self.frame / 24

    def pose(self, seconds):
        self.frame = round(seconds * 24)
        self.sync.frame_changed()  # Blender calls frame_change_post inside frame_set


class TimelineRules(unittest.TestCase):
    def setUp(self):
        self.now = 0.0
        self.sent = []
        self.scene = FakeScene()
        self.sync = TimelineSync(self.scene.read, self.scene.pose, lambda t, p: self.sent.append((t, p)),
                                 log=lambda m: None, clock=lambda: self.now, interval_s=0.05)
        self.scene.sync = self.sync
        self.sync.start_session(True)

    def scrub(self, frame):
        self.scene.frame = frame
        self.sync.frame_changed()

    def test_a_scrub_sends_the_scenes_time_with_increasing_seq(self):
        self.scrub(48)
        self.assertEqual(self.sync.tick(), 1)
        self.now += 0.1
        self.scrub(72)
        self.sync.tick()
        self.assertEqual(self.sent, [(MessageType.TIME, {"seconds": 2.0, "seq": 1}), (MessageType.TIME, {"seconds": 3.0, "seq": 2})])

    def test_a_fast_scrub_is_debounced_and_its_last_position_is_still_sent(self):
        self.scrub(10)
        self.sync.tick()
        for f in range(11, 20):
            self.now += 0.01
            self.scrub(f)
            self.sync.tick()
        self.now += 0.05
        self.sync.tick()
        self.assertLess(len(self.sent), 5)
        self.assertEqual(self.sent[-1][1]["seconds"], 19 / 24)

    def test_a_received_time_poses_the_scene_and_is_never_sent_back(self):
        self.assertEqual(self.sync.received(encode_time(2.5, 1)), 2.5)
        self.assertEqual(self.scene.frame, 60)
        self.now += 1
        self.assertIsNone(self.sync.tick())
        self.assertEqual(self.sent, [])

    def test_a_late_time_is_dropped(self):
        self.sync.received(encode_time(2.5, 5))
        self.assertIsNone(self.sync.received(encode_time(1.0, 4)))
        self.assertEqual(self.scene.frame, 60)

    def test_a_malformed_time_changes_nothing(self):
        self.assertIsNone(self.sync.received(b'{"seconds": -3, "seq": 1}'))
        self.assertEqual(self.scene.frame, 1)

    def test_with_the_policy_off_nothing_is_sent_or_posed(self):
        self.sync.start_session(False)
        self.scrub(48)
        self.sync.tick()
        self.assertIsNone(self.sync.received(encode_time(2.5, 1)))
        self.assertEqual((self.sent, self.scene.frame), ([], 48))

    def test_a_new_session_starts_its_seq_again(self):
        self.sync.received(encode_time(2.5, 9))
        self.sync.start_session(True)
        self.assertEqual(self.sync.received(encode_time(1.0, 1)), 1.0)


if __name__ == "__main__":
    unittest.main()
