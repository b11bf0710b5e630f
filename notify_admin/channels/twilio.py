"""SMS through the ``twilio`` SDK (``client.messages.create_async``): build,
transmit, classify.

One Client over one aiohttp session and one event loop per run
(:mod:`.twilio_async`): ``concurrency`` requests in flight at once (default
16) from that loop instead of the base's worker threads, spaced by an
optional per-second ``rate_limit``. The SDK's asyncio client costs about a
third of the CPU per SMS of its threaded one (docs/performance.md).
"""

import threading
import time

from twilio.base.exceptions import TwilioRestException

from .base import Channel, Outcome

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
    default_concurrency = DEFAULT_CONCURRENCY
    # Status callbacks (delivered, undelivered + error code) arrive here.
    feedback_webhook = "notify_admin:twilio-status-callback"

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "from": self.setting("sender"),
            "body": notification.body,
        }

    def connect(self):
        """One Client over one aiohttp session and event loop for the run."""
        # Imported here: aiohttp costs every process start (the system checks
        # load this module), and only a run that sends SMS needs it.
        from .twilio_async import AsyncSender

        sender = AsyncSender(
            self.required("account_sid"),
            self.required("auth_token"),
            base_url=self.setting("base_url"),
            timeout=float(self.setting("timeout", DEFAULT_TIMEOUT)),
            concurrency=self.concurrency,
            limiter=RateLimiter(self.setting("rate_limit")),
        )
        self.sender = self.required("sender")
        self.status_callback = (
            self.setting("status_callback") or self.feedback_webhook_url()
        )
        sender.open()
        return sender

    def disconnect(self, sender):
        sender.close()

    def build(self, notification):
        message = {
            "body": notification.body,
            "from_": self.sender,
            "to": notification.user_target.target_user_id,
        }
        if self.status_callback:
            message["status_callback"] = self.status_callback
        return message

    def transmit(self, messages):
        # Answers or exceptions, one per message (the base classifies both).
        return self.session.send_all(messages)

    def _fan_out(self, chunks):
        """Every request of the batch from the run's event loop, not from the
        base's worker threads (which are then never started)."""
        pairs = [pair for chunk in chunks for pair in chunk]
        answers = self.transmit([message for _notification, message in pairs])
        return [
            {notification.pk: self._classify(answer)}
            for (notification, _message), answer in zip(pairs, answers, strict=True)
        ]

    def classify(self, message):
        return Outcome.sent(message.sid, {"sid": message.sid, "status": message.status})

    def classify_error(self, err):
        if isinstance(err, TwilioRestException):
            return classify_rest_error(err)
        # Network trouble, time-outs, answers that are not JSON: try again.
        return super().classify_error(err)


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
