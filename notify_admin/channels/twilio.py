"""SMS through the ``twilio`` SDK (``client.messages.create``): build,
transmit, classify.

One Client over one pooled requests session per run; the base sends
``concurrency`` requests at once (default 16), spaced by an optional
per-second ``rate_limit``.
"""

import threading
import time

from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

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

    def wait(self):
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


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
        """One Client over one requests session for the whole run."""
        http_client = TwilioHttpClient(
            timeout=float(self.setting("timeout", DEFAULT_TIMEOUT))
        )
        # One kept-alive connection per worker thread; the SDK's default pool
        # (cpu count + 4) would open and drop connections under the pool.
        adapter = HTTPAdapter(pool_maxsize=self.concurrency)
        http_client.session.mount("https://", adapter)
        http_client.session.mount("http://", adapter)
        client = Client(
            self.required("account_sid"),
            self.required("auth_token"),
            http_client=http_client,
        )
        base_url = self.setting("base_url")
        if base_url:
            client.api.base_url = base_url
        self.sender = self.required("sender")
        self.limiter = RateLimiter(self.setting("rate_limit"))
        self.status_callback = (
            self.setting("status_callback") or self.feedback_webhook_url()
        )
        return client

    def disconnect(self, client):
        client.http_client.session.close()

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
        (message,) = messages
        self.limiter.wait()
        return [self.session.messages.create(**message)]

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
