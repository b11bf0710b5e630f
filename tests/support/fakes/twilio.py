"""A Twilio-shaped HTTP server: ``POST /2010-04-01/Accounts/{sid}/Messages.json``."""

import re
import uuid
from urllib.parse import parse_qs

import requests
from twilio.request_validator import RequestValidator

from .http import FakeHTTPServer

# tests/settings.py's NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["auth_token"].
TEST_AUTH_TOKEN = "test-auth-token"

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

    Status callbacks: :meth:`call_back` POSTs Twilio's status-callback form
    to the ``StatusCallback`` URL a message was sent with, signed with
    ``auth_token`` as Twilio signs it (``X-Twilio-Signature``).
    """

    def __init__(self, latency=0.0, auth_token=TEST_AUTH_TOKEN):
        super().__init__(latency)
        self.errors = {}
        self.auth_token = auth_token

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

    # -- status callbacks ----------------------------------------------------

    def callback(self, message, status, error_code=None, url=None):
        """``(url, form, signature)`` of the status callback Twilio would send
        for ``message`` (a dict from ``messages``) reaching ``status``."""
        url = url or message["status_callback"]
        form = {
            "AccountSid": message["account_sid"],
            "ApiVersion": "2010-04-01",
            "From": message["from"],
            "MessageSid": message["sid"],
            "MessageStatus": status,
            "SmsSid": message["sid"],
            "SmsStatus": status,
            "To": message["to"],
        }
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        return url, form, signature

    def call_back(self, message, status, error_code=None, session=None):
        """POST the signed status callback to the message's StatusCallback URL
        (a live server on 127.0.0.1); return the HTTP status it answered."""
        url, form, signature = self.callback(message, status, error_code)
        response = (session or requests).post(
            url, data=form, headers={"X-Twilio-Signature": signature}, timeout=5
        )
        return response.status_code
