"""An Expo-shaped HTTP server: ``POST /--/api/v2/push/send``."""

import json
import uuid

from .http import FakeHTTPServer

SEND_PATH = "/--/api/v2/push/send"


class FakeExpoServer(FakeHTTPServer):
    """Records each accepted push message (the JSON object sent) plus its ticket
    ``id``; ``batches`` counts the messages per request.

    ``errors`` maps a push token to an Expo error name (``"DeviceNotRegistered"``,
    ``"MessageTooBig"``, ``"MessageRateExceeded"``, ``"InvalidCredentials"``):
    that message gets an error ticket.
    """

    def __init__(self, latency=0.0):
        super().__init__(latency)
        self.errors = {}
        self.batches = []

    def reset(self):
        super().reset()
        self.errors = {}
        self.batches = []

    def handle(self, path, body, headers):
        if path.split("?")[0] != SEND_PATH:
            return 404, {"errors": [{"code": "NOT_FOUND", "message": "Not found"}]}
        try:
            messages = json.loads(body)
        except ValueError:
            return 400, {
                "errors": [{"code": "VALIDATION_ERROR", "message": "Bad JSON"}]
            }
        if isinstance(messages, dict):
            messages = [messages]
        tickets = [self._ticket(message) for message in messages]
        with self.lock:
            self.batches.append(len(messages))
        return 200, {"data": tickets}

    def _ticket(self, message):
        token = message.get("to")
        error = self.errors.get(token)
        if error is not None:
            return {
                "status": "error",
                "message": f'"{token}" failed: {error}',
                "details": {"error": error},
            }
        ticket_id = str(uuid.uuid4())
        with self.lock:
            self.messages.append({**message, "id": ticket_id})
        return {"status": "ok", "id": ticket_id}
