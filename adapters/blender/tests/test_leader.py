"""Following a team-mode cluster's leader (docs/protocol.md §11.12) against testdata/leader_vectors.json,
which the C# suite reads too: a standby's REFUSED NOT_LEADER payloads, and the order a key file's endpoints
are dialed in when standbys name the leader."""

import unittest

from vibesync_blender.link.keyfile import parse_endpoint
from vibesync_blender.link.leader import DialOrder, parse_refusal
from vibesync_blender.link.session import LinkError

from .support import vectors


def text(endpoint):
    host, port = endpoint
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class LeaderVectorTests(unittest.TestCase):
    V = vectors("leader_vectors.json")

    def test_refusal_payloads_give_their_code_message_and_leader(self):
        self.assertGreaterEqual(len(self.V["refusals"]), 6)
        for c in self.V["refusals"]:
            code, message, leader = parse_refusal(c["payload"])
            expected = None if c["leader"] is None else (c["leader"]["host"], c["leader"]["port"])
            self.assertEqual((c["code"], c["message"], expected), (code, message, leader), c["payload"])

    def test_endpoints_are_dialed_in_the_order_the_vectors_give(self):
        self.assertGreaterEqual(len(self.V["dial_orders"]), 5)
        for c in self.V["dial_orders"]:
            order, dialed = DialOrder([parse_endpoint(e) for e in c["endpoints"]]), []
            for endpoint in order:
                dialed.append(text(endpoint))
                code, leader = c["answers"].get(dialed[-1], ("UNREACHABLE", None))
                order.refused(code, None if leader is None else parse_endpoint(leader))
            self.assertEqual(c["dialed"], dialed, c["name"])

    def test_a_refusal_that_is_not_an_object_with_code_and_message_is_a_protocol_error(self):
        for payload in ["[]", "{\"code\": \"NOT_LEADER\"}", "{\"code\": 1, \"message\": \"m\"}", "not json"]:
            with self.assertRaises(LinkError, msg=payload) as caught:
                parse_refusal(payload)
            self.assertEqual("PROTOCOL", caught.exception.code)


if __name__ == "__main__":
    unittest.main()
