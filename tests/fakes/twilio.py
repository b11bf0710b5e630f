"""A Twilio-shaped HTTP server: ``POST /2010-04-01/Accounts/{sid}/Messages.json``."""

import re
import uuid
from urllib.parse import parse_qs

from .http import FakeHTTPServer

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")

# Twilio's answers for the errors the tests use.
ERRORS = {
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number {to} is not a valid mobile number"),
    21606: (
        400,
        "The 'From' phone number provided is not a valid message-capable number.",
    ),
    20429: (429, "Too Many Requests"),
    30001: (500, "Queue overflow"),
}


class FakeTwilioServer(FakeHTTPServer):
    """Records each accepted message as ``{"to", "from", "body", "sid", ...}``.

    ``errors`` maps a recipient number to a Twilio error code (see ERRORS) or to
    ``(http_status, code, message)``: that recipient gets the error answer.
    """

    def __init__(self, latency=0.0):
        super().__init__(latency)
        self.errors = {}

    def reset(self):
        super().reset()
        self.errors = {}

    def handle(self, path, body, headers):
        match = MESSAGES_PATH.match(path.split("?")[0])
        if not match:
            return 404, {
                "code": 20404,
                "message": "The requested resource was not found",
            }
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        to = form.get("To", "")
        error = self.errors.get(to)
        if error is not None:
            return self._error(error, to)
        sid = "SM" + uuid.uuid4().hex
        message = {
            "sid": sid,
            "account_sid": match["sid"],
            "to": to,
            "from": form.get("From", ""),
            "body": form.get("Body", ""),
            "status": "queued",
            "status_callback": form.get("StatusCallback"),
        }
        with self.lock:
            self.messages.append(message)
        return 201, {k: v for k, v in message.items() if k != "status_callback"}

    def _error(self, error, to):
        if isinstance(error, tuple):
            status, code, text = error
        else:
            code = error
            status, text = ERRORS.get(code, (400, "Error {code}"))
        return status, {
            "code": code,
            "message": text.format(to=to, code=code),
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
