"""SMS through the ``twilio`` SDK (``client.messages.create``).

Requests run in a bounded thread pool (``concurrency``, default 16) with an
optional per-second rate limit; each answer maps to an Outcome.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .. import conf
from ..feedback.twilio import callback_url as status_callback_url
from .base import Channel, Outcome, describe_error

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

    def client(self):
        timeout = float(self.setting("timeout") or DEFAULT_TIMEOUT)
        http_client = TwilioHttpClient(timeout=timeout)
        # One kept-alive connection per worker thread; the SDK's default pool
        # (cpu count + 4) would open and drop connections under the pool.
        adapter = HTTPAdapter(pool_maxsize=self.concurrency())
        http_client.session.mount("https://", adapter)
        http_client.session.mount("http://", adapter)
        client = Client(
            conf.get_target_setting(PROVIDER, "account_sid"),
            conf.get_target_setting(PROVIDER, "auth_token"),
            http_client=http_client,
        )
        base_url = self.setting("base_url")
        if base_url:
            client.api.base_url = base_url
        return client

    def send_batch(self, notifications):
        client = self.client()
        sender = self.sender()
        callback = self.setting("status_callback") or status_callback_url()
        limiter = RateLimiter(self.setting("rate_limit"))
        workers = self.concurrency()

        def send(notification):
            limiter.wait()
            try:
                outcome = send_sms(client, notification, sender, callback)
            except Exception as err:
                # An SDK bug on one message must not turn the whole batch
                # (some of it already sent) into retries.
                outcome = Outcome.transient(type(err).__name__, describe_error(err))
            return notification.pk, outcome

        try:
            with ThreadPoolExecutor(min(workers, len(notifications))) as pool:
                return dict(pool.map(send, notifications))
        finally:
            client.http_client.session.close()


def send_sms(client, notification, sender, status_callback=None):
    kwargs = {
        "body": notification.body,
        "from_": sender,
        "to": notification.user_target.target_user_id,
    }
    if status_callback:
        kwargs["status_callback"] = status_callback
    try:
        message = client.messages.create(**kwargs)
    except TwilioRestException as err:
        return classify_rest_error(err)
    except (requests.RequestException, TwilioException, ValueError, OSError) as err:
        # Network trouble, time-outs, answers that are not JSON: try again.
        return Outcome.transient(type(err).__name__, describe_error(err))
    return Outcome.sent(message.sid, {"sid": message.sid, "status": message.status})


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
