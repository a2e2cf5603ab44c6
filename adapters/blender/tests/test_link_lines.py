"""The sidebar's link lines and the sentences the add-on shows when no orchestrator serves its data directory
(no bpy: the panel drawing them is screenshotted in GUI Blender by hand, see docs/blender.md)."""

import os
import socket
import tempfile
import unittest

from vibesync_blender.link import LinkClient, NoOrchestrator
from vibesync_blender.ui.link_lines import ERROR_WIDTH, link_lines


class LinkLinesTests(unittest.TestCase):
    def test_each_connection_state_is_a_sentence_that_says_it_retries(self):
        self.assertEqual([("Connected", "LINKED")], link_lines("connected", None))
        self.assertEqual([("Not connected: retrying", "UNLINKED")], link_lines("disconnected", None))
        self.assertEqual([("Refused: retrying", "UNLINKED")], link_lines("refused", None))
        self.assertEqual([("Not connected", "UNLINKED")], link_lines(None, None))

    def test_a_long_error_is_cut_into_lines_that_fit_the_sidebar_with_the_command_whole(self):
        error = "No orchestrator is running in /home/ana/game/.vibesync: start it with ./vibesync serve --data /home/ana/game/.vibesync (this connects once it runs)"
        lines = link_lines("disconnected", error)
        self.assertEqual(("Not connected: retrying", "UNLINKED"), lines[0])
        self.assertEqual("ERROR", lines[1][1])
        self.assertTrue(all(icon == "BLANK1" for _, icon in lines[2:]))
        self.assertTrue(all(len(text) <= ERROR_WIDTH for text, _ in lines[1:]))
        self.assertEqual("".join(error.split()), "".join(text for text, _ in lines[1:]).replace(" ", ""))  # nothing cut out


class NoOrchestratorTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        os.makedirs(os.path.join(self.dir, "keys"))
        with open(os.path.join(self.dir, "keys", "blender.key"), "w") as f:
            f.write("ab" * 32 + "\n")
        os.chmod(os.path.join(self.dir, "keys", "blender.key"), 0o600)

    def test_a_data_directory_without_serve_json_says_to_start_serve_there(self):
        with self.assertRaises(NoOrchestrator) as caught:
            LinkClient.from_data_dir(self.dir, "blender")
        self.assertEqual(f"No orchestrator is running in {self.dir}: start it with ./vibesync serve --data {self.dir} "
                         "(this connects once it runs)", str(caught.exception))

    def test_a_serve_json_left_by_a_stopped_serve_names_its_port_and_says_to_start_it_again(self):
        with socket.socket() as s:  # a port nothing listens on once closed
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with open(os.path.join(self.dir, "serve.json"), "w") as f:
            f.write(f'{{"link_port": {port}, "api_port": 1, "pid": 1}}')
        with self.assertRaises(NoOrchestrator) as caught:
            LinkClient.from_data_dir(self.dir, "blender")
        self.assertIn(f"Nothing answers on port {port} that {self.dir}/serve.json names", str(caught.exception))
        self.assertIn(f"./vibesync serve --data {self.dir}", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
