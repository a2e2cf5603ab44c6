"""Following the leader of a team-mode cluster (docs/protocol.md §11.12), the twin of C#'s
``Protocol/Link/LeaderHint``: a standby orchestrator answers HELLO with REFUSED ``NOT_LEADER``, whose
optional ``leader`` names the leader's endpoint; the adapter then dials that endpoint next, but only
when its key file names it (the pin guards the key file's endpoints, not an endpoint a refusal
names), else the next endpoint in the key file's order."""

import json

from .keyfile import parse_endpoint
from .session import LinkError

NOT_LEADER = "NOT_LEADER"


def parse_refusal(text):
    """REFUSED's payload as (code, message, leader): ``leader`` is (host, port), or None when absent or
    not HOST:PORT (a hint the adapter cannot use is no reason to fail differently). Raises LinkError
    PROTOCOL when the payload is not an object with text ``code`` and ``message``."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise LinkError("PROTOCOL", f"REFUSED payload is not JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("code"), str) or not isinstance(data.get("message"), str):
        raise LinkError("PROTOCOL", "REFUSED payload: expected an object with text code and message")
    leader = data.get("leader")
    return data["code"], data["message"], parse_endpoint(leader) if isinstance(leader, str) else None


def same_endpoint(a, b):
    """Host names compare without case (DNS does), ports exactly."""
    return a[0].lower() == b[0].lower() and a[1] == b[1]


class DialOrder:
    """The key file's endpoints in the order to dial them on one (re)connect: each is tried once; a
    NOT_LEADER naming an endpoint still to be tried moves it to the front."""

    def __init__(self, endpoints):
        self._queue = list(endpoints)

    def __iter__(self):
        return self

    def __next__(self):
        if not self._queue:
            raise StopIteration
        return self._queue.pop(0)

    def refused(self, code, leader):
        """What an endpoint refused with; a NOT_LEADER's leader, when still to be tried, is dialed next."""
        if code != NOT_LEADER or leader is None:
            return
        for i, endpoint in enumerate(self._queue):
            if same_endpoint(endpoint, leader):
                self._queue.insert(0, self._queue.pop(i))
                return
