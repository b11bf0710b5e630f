"""Push through ``exponent_server_sdk``: build, transmit, classify.

One PushClient over one requests session per run; ``publish_multiple`` takes
100 messages a request (``concurrency`` requests at once, default 1). The
SDK is imported when a run opens the channel, not when the module loads.

``extra`` keys passed on: data, sound, ttl, expiration, priority, badge,
channel_id.

Feedback: push receipts, polled 15 minutes to 24 hours after the send
(:meth:`ExpoChannel.check_receipts`), read with the same verdict table as the
tickets.
"""

import datetime
import functools

from django.utils.translation import gettext as _

from .. import validators
from ..creators import creator_for
from .base import Channel, Outcome, describe_error
from .sizes import MessageSize, json_bytes
from .verdicts import CONFIRMED, Verdict, VerdictTable

MODULE_NAME = "expo"
PROVIDER = "expo"
CHUNK_SIZE = 100
DEFAULT_TIMEOUT = 10
# Requests in flight at once. Expo accepts about 600 notifications a second
# per project: one request of 100 at a time stays under it at real latencies.
DEFAULT_CONCURRENCY = 1
PUSH_OPTIONS = ("data", "sound", "ttl", "expiration", "priority", "badge", "channel_id")
#: Expo refuses a notification whose payload is over 4096 bytes.
PAYLOAD_LIMIT = 4096
# An Expo token of the usual length, for measuring a payload before sending.
SAMPLE_PUSH_TOKEN = "ExponentPushToken[" + "x" * 22 + "]"

#: Ticket and receipt errors, and HTTP statuses of the push API.
VERDICTS = VerdictTable(
    dead_address={
        "DeviceNotRegistered": "the device no longer takes this app's pushes"
    },
    transient={"MessageRateExceeded": "too many messages to this device"},
    permanent={"MessageTooBig": "the payload is over 4096 bytes"},
    credentials={"InvalidCredentials": "the app's push credentials are invalid"},
    http={401: Outcome.CREDENTIALS, 403: Outcome.CREDENTIALS},
)
# The names earlier versions exported.
DEAD_ERRORS = set(VERDICTS.dead_address)
PERMANENT_ERRORS = set(VERDICTS.permanent) | set(VERDICTS.credentials)

TOKEN_PREFIXES = ("ExponentPushToken[", "ExpoPushToken[")
SUCCESS = "ok"


@functools.cache
def message_class():
    """The SDK's PushMessage, accepting both token spellings Expo issues
    (ExpoPushToken, ExponentPushToken)."""
    from exponent_server_sdk import PushMessage

    class Message(PushMessage):
        def get_payload(self):
            if str(self.to).startswith("ExpoPushToken["):
                payload = self._replace(to="Exponent" + self.to[4:]).get_payload()
                payload["to"] = self.to
                return payload
            return super().get_payload()

    return Message


def is_push_token(value):
    return isinstance(value, str) and value.startswith(TOKEN_PREFIXES)


def push_options(extra):
    extra = extra if isinstance(extra, dict) else {}
    return {key: extra.get(key) for key in PUSH_OPTIONS}


def payload_size(title, body, extra=None):
    """Bytes of the JSON Expo would receive for this message."""
    payload = message_class()(
        to=SAMPLE_PUSH_TOKEN,
        title=title,
        body=body,
        **{k: v for k, v in push_options(extra).items() if v is not None},
    ).get_payload()
    return json_bytes(payload)


class ExpoChannel(Channel):
    module_name = MODULE_NAME
    target_name = "Expo"
    template_part = "push"
    provider_key = PROVIDER
    number_settings = ("timeout", "concurrency")
    url_settings = ("host",)
    verdicts = VERDICTS
    chunk_size = CHUNK_SIZE
    default_concurrency = DEFAULT_CONCURRENCY
    # Receipts are ready about 15 minutes after the ticket, and kept 24 h.
    receipt_delay = datetime.timedelta(minutes=15)
    receipt_lifetime = datetime.timedelta(hours=24)
    max_receipt_ids = 1000

    normalise_address = staticmethod(validators.normalise_expo_push_token)

    def measure(self, title, body, extra):
        size = payload_size(title, body, extra)
        summary = _("Push payload: %(size)d of %(limit)d bytes.") % {
            "size": size,
            "limit": PAYLOAD_LIMIT,
        }
        error = ""
        if size > PAYLOAD_LIMIT:
            error = _(
                "The push payload would be %(size)d bytes; Expo accepts "
                "at most %(limit)d. Shorten the title, body or extra."
            ) % {"size": size, "limit": PAYLOAD_LIMIT}
        return MessageSize(summary, error=error, code="push_too_big")

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "title": notification.title,
            "body": notification.body,
            **push_options(notification.extra),
        }

    def connect(self):
        """One PushClient over one requests session for the whole run."""
        import requests
        from exponent_server_sdk import PushClient
        from requests.adapters import HTTPAdapter

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
        message = message_class()(
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
        from exponent_server_sdk import PushTicket

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
        return {r.id: receipt_verdict(r.status, r.message, r.details) for r in receipts}

    def classify_error(self, err):
        import requests
        from exponent_server_sdk import PushServerError

        if isinstance(err, PushServerError):
            return classify_server_error(err)
        if isinstance(err, requests.RequestException | ValueError | OSError):
            return classify_request_error(err)
        return super().classify_error(err)


def receipt_verdict(status, message="", details=None):
    """An Expo push receipt (``PushReceipt`` status, message, details)."""
    details = details if isinstance(details, dict) else {}
    payload = {"status": status, "message": message, "details": details}
    if status == SUCCESS:
        return Verdict(CONFIRMED, SUCCESS, payload=payload)
    error = str(details.get("error") or "")[:100]
    description = f"Expo receipt: {message or error or 'error'}"
    return Verdict(VERDICTS.verdict_kind(error), "error", error, description, payload)


# The name earlier versions exported (from notify_admin.feedback.verdicts).
expo_verdict = receipt_verdict


def classify_ticket(ticket):
    if ticket.status == SUCCESS:
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
    return VERDICTS.outcome(
        error or "ticket_error", message, response, default=Outcome.TRANSIENT
    )


def classify_server_error(err):
    status = getattr(err.response, "status_code", None)
    response = {"status": status, "errors": err.errors or []}
    code = f"http_{status}" if status else "server_error"
    kind = VERDICTS.http_kind(status)
    return Outcome.of_kind(kind, code, describe_error(err), response)


def classify_request_error(err):
    status = getattr(getattr(err, "response", None), "status_code", None)
    code = f"http_{status}" if status else type(err).__name__
    response = {"status": status} if status is not None else None
    kind = VERDICTS.http_kind(status)
    return Outcome.of_kind(kind, code, describe_error(err), response)


channel = ExpoChannel()

# The original package's creator for this channel, with the seed's signature.
create_notification = creator_for(MODULE_NAME)
