"""A pigeon coop: the HTTP server of the example extra channel
(``tests/extensions/handlers/carrier_pigeon.py``): ``POST /coop`` with JSON
``{"to", "body"}`` answers ``{"id"}``."""

import json
import uuid

from .http import FakeHTTPServer


class FakeCoopServer(FakeHTTPServer):
    """``errors`` maps an address to ``(http_status, payload)``."""

    def __init__(self, latency=0.0):
        super().__init__(latency)
        self.errors = {}

    def reset(self):
        super().reset()
        self.errors = {}

    def handle(self, path, body, headers):
        if path.split("?")[0] != "/coop":
            return 404, {"error": "not_found"}
        message = json.loads(body)
        error = self.errors.get(message.get("to"))
        if error is not None:
            return error
        message["id"] = "coop-" + uuid.uuid4().hex
        with self.lock:
            self.messages.append(message)
        return 200, {"id": message["id"]}
