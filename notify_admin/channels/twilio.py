"""SMS through the ``twilio`` SDK (``client.messages.create_async``).

Requests go out ``concurrency`` at a time (default 16) from one event loop
over one aiohttp session (:mod:`.twilio_async`), with an optional per-second
rate limit; each answer maps to an Outcome.
"""

import threading
import time

from twilio.base.exceptions import TwilioRestException

from .. import conf
from .base import Channel, Outcome, describe_error
from .twilio_async import AsyncSender

MODULE_NAME = "twilio"
PROVIDER = "twilio_sms"

# Twilio codes that mean the number will never take our SMS: the record is
# made inactive and the notification INACTIVE_DEVICE.
DEAD_NUMBER_CODES = {
    21211: "invalid 'To' number",
    21610: "recipient unsubscribed (STOP)",
    21614: "'To' number is not a mobile number",
}
RATE_LIMIT_CODES = {20429, 14107}
# Short enough that a batch of time-outs (500 rows / 16 threads * 5 s) ends
# well within the default 300 s lease.
DEFAULT_TIMEOUT = 5
DEFAULT_CONCURRENCY = 16


class RateLimiter:
    """Spaces calls at most ``per_second`` a second, across threads."""

    def __init__(self, per_second):
        self.interval = 1.0 / per_second if per_second else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def reserve(self):
        """Book the next slot; return the seconds to wait for it."""
        if not self.interval:
            return 0.0
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + self.interval
        return at - now

    def wait(self):
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)


class TwilioChannel(Channel):
    module_name = MODULE_NAME
    provider_key = PROVIDER
    required_settings = ("account_sid", "auth_token", "sender")

    def setting(self, key, default=None):
        return conf.get_target_setting(PROVIDER, key, default)

    def sender(self):
        return conf.get_target_setting(PROVIDER, "sender")

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "from": self.setting("sender"),
            "body": notification.body,
        }

    def concurrency(self):
        return max(1, int(self.setting("concurrency") or DEFAULT_CONCURRENCY))

    def transport(self):
        """One session for the batch's requests (see :mod:`.twilio_async`)."""
        return AsyncSender(
            conf.get_target_setting(PROVIDER, "account_sid"),
            conf.get_target_setting(PROVIDER, "auth_token"),
            base_url=self.setting("base_url"),
            timeout=float(self.setting("timeout") or DEFAULT_TIMEOUT),
            concurrency=self.concurrency(),
            limiter=RateLimiter(self.setting("rate_limit")),
        )

    def send_batch(self, notifications):
        transport = self.transport()
        sender = self.sender()
        callback = self.setting("status_callback")
        messages = [build_message(n, sender, callback) for n in notifications]
        transport.open()
        try:
            answers = transport.send_all(messages)
        finally:
            transport.close()
        return {
            notification.pk: outcome_for(answer)
            for notification, answer in zip(notifications, answers, strict=True)
        }


def build_message(notification, sender, status_callback=None):
    message = {
        "body": notification.body,
        "from_": sender,
        "to": notification.user_target.target_user_id,
    }
    if status_callback:
        message["status_callback"] = status_callback
    return message


def outcome_for(answer):
    """A MessageInstance, or the exception its request raised, as an Outcome."""
    if isinstance(answer, TwilioRestException):
        return classify_rest_error(answer)
    if isinstance(answer, BaseException):
        # Network trouble, time-outs, answers that are not JSON, an SDK bug on
        # one message: that message alone is tried again.
        return Outcome.transient(type(answer).__name__, describe_error(answer))
    return Outcome.sent(answer.sid, {"sid": answer.sid, "status": answer.status})


def classify_rest_error(err):
    code = err.code
    message = f"Twilio {err.status} error {code}: {err.msg}"
    response = {"status": err.status, "code": code, "message": str(err.msg)}
    if code in DEAD_NUMBER_CODES:
        return Outcome.dead_address(code, message, response)
    if err.status == 429 or code in RATE_LIMIT_CODES or err.status >= 500:
        return Outcome.transient(code, message, response)
    return Outcome.permanent(code, message, response)


channel = TwilioChannel()


# The original package's creator for this channel, with the seed's signature:
# create_notification(user, title, body, scheduled_delivery=None,
# retry_time_interval=0, max_retries=3, quiet=False, extra=None).
create_notification = channel.create_notification
