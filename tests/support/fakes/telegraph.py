"""A telegraph office: the HTTP server of the complete extra channel
(``tests/extensions/handlers/telegraph.py``). ``POST /send`` JSON ``{"to",
"text"}`` answers ``{"id"}``; ``POST /receipts`` ``{"ids": [...]}`` answers
``{"receipts": {id: {"status", "error"}}}`` for the telegrams it has a
receipt for (``receipt_errors`` maps a station to an error code)."""

import json
import uuid

from .http import FakeHTTPServer

API_KEY = "telegraph-key"


class FakeTelegraphServer(FakeHTTPServer):
    """``errors`` maps a station to ``(http_status, error_code)``."""

    def __init__(self, latency=0.0):
        super().__init__(latency)
        self.errors = {}
        self.receipt_errors = {}
        self.tickets = {}

    def handle(self, path, body, headers):
        if headers.get("Authorization") != f"Bearer {API_KEY}":
            return 401, {"error": "bad_key"}
        data = json.loads(body)
        if path == "/receipts":
            return 200, {
                "receipts": {
                    ticket: self._receipt(self.tickets[ticket])
                    for ticket in data["ids"]
                    if ticket in self.tickets
                }
            }
        error = self.errors.get(data.get("to"))
        if error is not None:
            status, code = error
            return status, {"error": code}
        telegram_id = "tg-" + uuid.uuid4().hex
        with self.lock:
            self.tickets[telegram_id] = data["to"]
            self.messages.append({**data, "id": telegram_id})
        return 200, {"id": telegram_id}

    def _receipt(self, station):
        error = self.receipt_errors.get(station)
        return (
            {"status": "failed", "error": error} if error else {"status": "delivered"}
        )
