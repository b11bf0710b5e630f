"""Push through ``exponent_server_sdk`` (``publish_multiple``, 100 per request).

``extra`` keys passed on: data, sound, ttl, expiration, priority, badge,
channel_id.
"""

from concurrent.futures import ThreadPoolExecutor

import requests
from exponent_server_sdk import PushClient, PushMessage, PushServerError, PushTicket

from .. import conf
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

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "title": notification.title,
            "body": notification.body,
            **push_options(notification.extra),
        }

    def message(self, notification):
        return Message(
            to=notification.user_target.target_user_id,
            title=notification.title,
            body=notification.body,
            **push_options(notification.extra),
        )

    def client(self):
        session = requests.Session()
        session.headers.update(
            {
                "accept": "application/json",
                "accept-encoding": "gzip, deflate",
                "content-type": "application/json",
            }
        )
        token = conf.get_target_setting(PROVIDER, "access_token", None)
        if token:
            session.headers["Authorization"] = f"Bearer {token}"
        timeout = float(
            conf.get_target_setting(PROVIDER, "timeout", None) or DEFAULT_TIMEOUT
        )
        host = conf.get_target_setting(PROVIDER, "host", None) or None
        return PushClient(host=host, session=session, timeout=timeout)

    def concurrency(self):
        value = conf.get_target_setting(PROVIDER, "concurrency", None)
        return max(1, int(value or DEFAULT_CONCURRENCY))

    def send_batch(self, notifications):
        client = self.client()
        chunks = [
            notifications[start : start + CHUNK_SIZE]
            for start in range(0, len(notifications), CHUNK_SIZE)
        ]
        workers = min(self.concurrency(), len(chunks))
        outcomes = {}
        try:
            if workers <= 1:
                results = [self.send_chunk(client, chunk) for chunk in chunks]
            else:
                with ThreadPoolExecutor(workers) as pool:
                    results = list(
                        pool.map(lambda chunk: self.send_chunk(client, chunk), chunks)
                    )
        finally:
            client.session.close()
        for result in results:
            outcomes.update(result)
        return outcomes

    def send_chunk(self, client, notifications):
        messages = []
        outcomes = {}
        for notification in notifications:
            message = self.message(notification)
            # The SDK rejects the whole request for one bad token: keep it out.
            if not is_push_token(message.to):
                outcomes[notification.pk] = Outcome.permanent(
                    "invalid_token", f"{message.to!r} is not an Expo push token."
                )
                continue
            messages.append((notification, message))
        if not messages:
            return outcomes
        try:
            tickets = client.publish_multiple([m for _n, m in messages])
        except PushServerError as err:
            outcome = classify_server_error(err)
            return {**outcomes, **{n.pk: outcome for n, _m in messages}}
        except (requests.RequestException, ValueError, OSError) as err:
            outcome = classify_request_error(err)
            return {**outcomes, **{n.pk: outcome for n, _m in messages}}
        except Exception as err:
            # Only this chunk's fate is unknown; earlier chunks were answered.
            outcome = Outcome.transient(type(err).__name__, describe_error(err))
            return {**outcomes, **{n.pk: outcome for n, _m in messages}}
        for (notification, _message), ticket in zip(messages, tickets, strict=True):
            outcomes[notification.pk] = classify_ticket(ticket)
        return outcomes


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
