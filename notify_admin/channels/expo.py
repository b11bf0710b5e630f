"""Push through ``exponent_server_sdk``: build, transmit, classify.

One PushClient over one requests session per run; ``publish_multiple`` takes
100 messages a request (``concurrency`` requests at once, default 1).

``extra`` keys passed on: data, sound, ttl, expiration, priority, badge,
channel_id.
"""

import requests
from exponent_server_sdk import PushClient, PushMessage, PushServerError, PushTicket
from requests.adapters import HTTPAdapter

from ..feedback.verdicts import expo_verdict
from .base import Channel, Outcome, describe_error

MODULE_NAME = "expo"
PROVIDER = "expo"
CHUNK_SIZE = 100
DEFAULT_TIMEOUT = 10
# Requests in flight at once. Expo accepts about 600 notifications a second
# per project: one request of 100 at a time stays under it at real latencies.
DEFAULT_CONCURRENCY = 1
PUSH_OPTIONS = ("data", "sound", "ttl", "expiration", "priority", "badge", "channel_id")

# Ticket errors: the address is dead / the message will never go / try later.
DEAD_ERRORS = {"DeviceNotRegistered"}
PERMANENT_ERRORS = {"MessageTooBig", "InvalidCredentials"}


TOKEN_PREFIXES = ("ExponentPushToken[", "ExpoPushToken[")


class Message(PushMessage):
    """Accepts both token spellings Expo issues (ExpoPushToken, ExponentPushToken)."""

    def get_payload(self):
        if str(self.to).startswith("ExpoPushToken["):
            payload = self._replace(to="Exponent" + self.to[4:]).get_payload()
            payload["to"] = self.to
            return payload
        return super().get_payload()


def is_push_token(value):
    return isinstance(value, str) and value.startswith(TOKEN_PREFIXES)


def push_options(extra):
    extra = extra if isinstance(extra, dict) else {}
    return {key: extra.get(key) for key in PUSH_OPTIONS}


class ExpoChannel(Channel):
    module_name = MODULE_NAME
    provider_key = PROVIDER
    chunk_size = CHUNK_SIZE
    default_concurrency = DEFAULT_CONCURRENCY

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "title": notification.title,
            "body": notification.body,
            **push_options(notification.extra),
        }

    def connect(self):
        """One PushClient over one requests session for the whole run."""
        session = requests.Session()
        session.headers.update(
            {
                "accept": "application/json",
                "accept-encoding": "gzip, deflate",
                "content-type": "application/json",
            }
        )
        token = self.setting("access_token")
        if token:
            session.headers["Authorization"] = f"Bearer {token}"
        adapter = HTTPAdapter(pool_maxsize=self.concurrency)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return PushClient(
            host=self.setting("host"),
            session=session,
            timeout=float(self.setting("timeout", DEFAULT_TIMEOUT)),
        )

    def disconnect(self, client):
        client.session.close()

    def build(self, notification):
        message = Message(
            to=notification.user_target.target_user_id,
            title=notification.title,
            body=notification.body,
            **push_options(notification.extra),
        )
        # The SDK rejects the whole request for one bad token: keep it out.
        if not is_push_token(message.to):
            return Outcome.permanent(
                "invalid_token", f"{message.to!r} is not an Expo push token."
            )
        return message

    def transmit(self, messages):
        return self.session.publish_multiple(messages)

    def classify(self, ticket):
        return classify_ticket(ticket)

    def check_receipts(self, ticket_ids):
        """Feedback: ``{ticket_id: Verdict}`` for the tickets whose receipt is
        ready (``check_receipts_multiple``: 1,000 ids a request). Raises the
        SDK's or requests' error when the receipts endpoint is unavailable."""
        opened = self.open()
        try:
            receipts = self.session.check_receipts_multiple(
                [
                    PushTicket(None, PushTicket.SUCCESS_STATUS, "", None, i)
                    for i in ticket_ids
                ]
            )
        finally:
            if opened:
                self.close()
        return {r.id: expo_verdict(r.status, r.message, r.details) for r in receipts}

    def classify_error(self, err):
        if isinstance(err, PushServerError):
            return classify_server_error(err)
        if isinstance(err, requests.RequestException | ValueError | OSError):
            return classify_request_error(err)
        return super().classify_error(err)


def classify_ticket(ticket):
    if ticket.status == PushTicket.SUCCESS_STATUS:
        return Outcome.sent(ticket.id, {"id": ticket.id, "status": ticket.status})
    error = (
        (ticket.details or {}).get("error", "")
        if isinstance(ticket.details, dict)
        else ""
    )
    response = {
        "status": ticket.status,
        "message": ticket.message,
        "details": ticket.details,
    }
    message = f"Expo: {ticket.message or error or 'error ticket'}"
    if error in DEAD_ERRORS:
        return Outcome.dead_address(error, message, response)
    if error in PERMANENT_ERRORS:
        return Outcome.permanent(error, message, response)
    return Outcome.transient(error or "ticket_error", message, response)


def classify_server_error(err):
    status = getattr(err.response, "status_code", None)
    response = {"status": status, "errors": err.errors or []}
    message = describe_error(err)
    if status is not None and 400 <= status < 500 and status != 429:
        return Outcome.permanent(f"http_{status}", message, response)
    return Outcome.transient(
        f"http_{status}" if status else "server_error", message, response
    )


def classify_request_error(err):
    status = getattr(getattr(err, "response", None), "status_code", None)
    message = describe_error(err)
    if status is not None and 400 <= status < 500 and status != 429:
        return Outcome.permanent(f"http_{status}", message, {"status": status})
    return Outcome.transient(
        f"http_{status}" if status else type(err).__name__, message
    )


channel = ExpoChannel()


# The original package's creator for this channel, with the seed's signature:
# create_notification(user, title, body, scheduled_delivery=None,
# retry_time_interval=0, max_retries=3, quiet=False, extra=None).
create_notification = channel.create_notification
