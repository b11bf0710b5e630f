"""A Postmark-shaped HTTP server: ``POST /email`` (anymail's Postmark backend).

Each accepted message gets a ``MessageID`` as Postmark gives one; the
payloads :func:`delivery_event`, :func:`bounce_event` and
:func:`complaint_event` are Postmark's webhook bodies for that id.
"""

import json
import uuid

from .http import FakeHTTPServer


class FakePostmarkServer(FakeHTTPServer):
    """Records each accepted message as Postmark's JSON plus its MessageID."""

    def handle(self, path, body, headers):
        if path.split("?")[0] != "/email":
            return 404, {"ErrorCode": 404, "Message": "Not found"}
        message = json.loads(body)
        message_id = str(uuid.uuid4())
        with self.lock:
            self.messages.append({**message, "MessageID": message_id})
        return 200, {
            "To": message.get("To", ""),
            "SubmittedAt": "2026-12-04T14:00:00.0000000-05:00",
            "MessageID": message_id,
            "ErrorCode": 0,
            "Message": "OK",
        }


def delivery_event(message_id, recipient):
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": recipient,
        "Tag": "",
        "DeliveredAt": "2026-12-04T14:05:11Z",
        "Details": "Test delivery webhook details",
        "Metadata": {},
    }


def bounce_event(message_id, recipient, kind="HardBounce"):
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": {"HardBounce": 1, "Transient": 2, "SoftBounce": 4096}[kind],
        "Name": "Hard bounce" if kind == "HardBounce" else kind,
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown "
        "user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does "
        "not exist.",
        "Email": recipient,
        "From": "notifications@example.com",
        "BouncedAt": "2026-12-04T14:06:00Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Hello",
        "Metadata": {},
    }


def complaint_event(message_id, recipient):
    return {
        **bounce_event(message_id, recipient),
        "RecordType": "SpamComplaint",
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Description": "The subscriber explicitly marked this message as spam.",
        "Details": "Test spam complaint details",
    }
