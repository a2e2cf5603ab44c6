"""A READ answered while the change detector holds a human's edit (a drag waiting out its debounce,
or an edit made since the last tick): the edit goes out first, so the orchestrator hears of it
before an answer shows it and never takes the engine for mismatched (issue #20 §2)."""

import json

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.protocol.frames import Frame
from vibesync_blender.scene.identity import PROP

from .harness import RuntimeCase


class ReadAfterAnEditTests(RuntimeCase):

    def read(self):
        payload = json.dumps({"uuids": [self.cube[PROP]]}).encode()
        self.rt._handle(self.rt.channel, Frame(MessageType.READ, 9, 0, payload))

    def order(self):
        """EDITs and answers as sent (HUMAN_ACTIVE for the drag goes out too, beside them)."""
        return [t for t, _ in self.sent if t in (MessageType.EDIT, MessageType.STATE)]

    def translations(self, typ):
        if typ == MessageType.EDIT:
            return [op["translation"][0] for t, p in self.sent if t == typ for op in p["operations"]]
        return [o["translation"][0] for t, p in self.sent if t == typ for o in p["scene"]["objects"]]

    def test_a_drag_held_by_the_debounce_is_sent_before_the_answer_to_a_read(self):
        self.move(1.0)
        self.rt.detector.tick()  # the leading edge goes at once
        self.move(2.0)
        self.rt.detector.tick()  # the rest of the drag waits to be quiet
        self.assertEqual([1.0], self.translations(MessageType.EDIT))
        self.read()
        self.assertEqual([MessageType.EDIT, MessageType.EDIT, MessageType.STATE], self.order())
        self.assertEqual([1.0, 2.0], self.translations(MessageType.EDIT))
        self.assertEqual([2.0], self.translations(MessageType.STATE))

    def test_an_edit_made_since_the_last_tick_is_sent_before_the_answer_to_a_read(self):
        self.move(3.0)
        self.read()
        self.assertEqual([MessageType.EDIT, MessageType.STATE], self.order())
        self.rt.detector.tick()
        self.assertEqual([3.0], self.translations(MessageType.EDIT))  # once

    def test_a_read_with_nothing_changed_sends_only_its_answer(self):
        self.read()
        self.assertEqual([MessageType.STATE], self.order())
