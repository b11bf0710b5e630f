"""An Expo-shaped HTTP server: ``POST /--/api/v2/push/send`` and
``POST /--/api/v2/push/getReceipts``."""

import json
import uuid

from .http import FakeHTTPServer

SEND_PATH = "/--/api/v2/push/send"
RECEIPTS_PATH = "/--/api/v2/push/getReceipts"
# Expo's limit of ids per getReceipts request.
MAX_RECEIPT_IDS = 1000


class FakeExpoServer(FakeHTTPServer):
    """Records each accepted push message (the JSON object sent) plus its ticket
    ``id``; ``batches`` counts the messages per request.

    ``errors`` maps a push token to an Expo error name (``"DeviceNotRegistered"``,
    ``"MessageTooBig"``, ``"MessageRateExceeded"``, ``"InvalidCredentials"``):
    that message gets an error ticket.

    Receipts: every ticket issued (``tickets``: ticket id -> push token; a
    benchmark may add its own) has a receipt, ``ok`` unless
    ``receipt_errors`` maps its token to an error name; the ids in
    ``not_ready`` (ticket ids or tokens) have none yet, and unknown ids none
    at all, as on Expo. ``receipt_requests`` lists the ids asked per request.
    """

    def __init__(self, latency=0.0):
        super().__init__(latency)
        self.errors = {}
        self.batches = []
        self.tickets = {}
        self.receipt_errors = {}
        self.not_ready = set()
        self.receipt_requests = []

    def reset(self):
        super().reset()
        self.errors = {}
        self.batches = []
        self.tickets = {}
        self.receipt_errors = {}
        self.not_ready = set()
        self.receipt_requests = []

    def handle(self, path, body, headers):
        path = path.split("?")[0]
        if path == RECEIPTS_PATH:
            return self.receipts(body)
        if path != SEND_PATH:
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
            self.tickets[ticket_id] = token
        return {"status": "ok", "id": ticket_id}

    def receipts(self, body):
        try:
            ids = json.loads(body)["ids"]
        except (ValueError, KeyError, TypeError):
            return 400, {
                "errors": [{"code": "VALIDATION_ERROR", "message": '"ids" is required'}]
            }
        if len(ids) > MAX_RECEIPT_IDS:
            return 400, {
                "errors": [
                    {
                        "code": "PUSH_TOO_MANY_RECEIPTS",
                        "message": f"At most {MAX_RECEIPT_IDS} ids per request.",
                    }
                ]
            }
        with self.lock:
            self.receipt_requests.append(list(ids))
            known = {i: self.tickets[i] for i in ids if i in self.tickets}
        data = {}
        for ticket_id, token in known.items():
            if ticket_id in self.not_ready or token in self.not_ready:
                continue
            error = self.receipt_errors.get(token)
            if error is None:
                data[ticket_id] = {"status": "ok"}
            else:
                data[ticket_id] = {
                    "status": "error",
                    "message": f'"{token}" failed: {error}',
                    "details": {"error": error},
                }
        return 200, {"data": data}
