"""SMS through the ``twilio`` SDK (``client.messages.create_async``): build,
transmit, classify.

One Client over one aiohttp session and one event loop per run
(:mod:`.twilio_async`): the channel sends a whole batch at once
(``sends_whole_batch``), ``concurrency`` requests in flight (default 16) from
that loop instead of the base's worker threads, each through the run's gate
(the circuit breaker and the shared ``rate_limit``, see
:mod:`notify_admin.delivery.gate`). The SDK's asyncio client costs about a third of
the CPU per SMS of its threaded one (docs/performance.md). The SDK is
imported when a run opens the channel (or classifies its errors), not when
the module is loaded.

Feedback: Twilio's status callbacks arrive at the ``status`` webhook
(:mod:`notify_admin.feedback.twilio`, signature checked), read with the same
verdict table as the answers to sends.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import validators
from ..creators import creator_for
from .base import Channel, Outcome
from .sizes import MessageSize, sms_size
from .verdicts import VerdictTable

MODULE_NAME = "twilio"
PROVIDER = "twilio_sms"

#: Twilio's error codes (https://www.twilio.com/docs/api/errors), for the
#: answers to sends and for status callbacks alike. Dead: the number will
#: never take our SMS (the record is made inactive).
VERDICTS = VerdictTable(
    dead_address={
        21211: "invalid 'To' number",
        21610: "recipient unsubscribed (STOP)",
        21614: "'To' number is not a mobile number",
        30005: "unknown destination handset",
        30006: "landline or unreachable carrier",
    },
    transient={
        20429: "too many requests",
        14107: "SMS send rate limit exceeded",
        30001: "queue overflow",
        30003: "unreachable destination handset",
        30017: "carrier network congestion",
        30022: "rate limit exceeded",
    },
    credentials={20003: "authentication failed"},
    http={401: Outcome.CREDENTIALS},
)
# The names earlier versions exported.
DEAD_NUMBER_CODES = {int(code): text for code, text in VERDICTS.dead_address.items()}
RATE_LIMIT_CODES = {20429, 14107}
# Short enough that a batch of time-outs (500 rows / 16 threads * 5 s) ends
# well within the default 300 s lease.
DEFAULT_TIMEOUT = 5
DEFAULT_CONCURRENCY = 16


class TwilioChannel(Channel):
    module_name = MODULE_NAME
    target_name = "Twilio"
    template_part = "sms"
    provider_key = PROVIDER
    required_settings = ("account_sid", "auth_token", "sender")
    number_settings = ("timeout", "concurrency")
    url_settings = ("base_url",)
    verdicts = VERDICTS
    default_concurrency = DEFAULT_CONCURRENCY
    sends_whole_batch = True
    # Status callbacks (delivered, undelivered + error code) arrive here.
    # Inbound SMS (STOP / START / HELP, by Twilio's OptOutType) arrive at
    # "inbound": the number's "A message comes in" webhook.
    webhooks = {
        "status": "notify_admin.feedback.twilio.status_callback",
        "inbound": "notify_admin.consent.sms.inbound_message",
    }
    feedback_webhook = "status"
    # The number has opted out: a send refused so does what a STOP does.
    opt_out_codes = frozenset({"21610"})

    normalise_address = staticmethod(validators.normalise_phone_number)

    def measure(self, title, body, extra):
        size = sms_size(body)
        summary = ngettext(
            "SMS: %(characters)d characters, %(encoding)s, %(segments)d segment.",
            "SMS: %(characters)d characters, %(encoding)s, %(segments)d segments.",
            size.segments,
        ) % vars(size)
        confirm = ""
        if size.segments > 1:
            confirm = _(
                "This SMS needs %(segments)d segments (%(characters)d "
                "characters, %(encoding)s), each billed as one message. "
                "Shorten it, or tick “Send long SMS”."
            ) % vars(size)
        return MessageSize(summary, confirm=confirm, code="long_sms")

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
            before=self.gate_delay,
            after=self.answered,
        )
        self.sender = self.required("sender")
        self.status_callback = (
            self.setting("status_callback") or self.feedback_webhook_url()
        )
        sender.open()
        return sender

    def send_batch(self, notifications):
        if self.session is not None:
            # The run's gate is set once the channel is open: a shared rate
            # limit books over the network, off the event loop.
            self.session.before_blocks = self.gate_blocks
        return super().send_batch(notifications)

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
        # The whole batch from the run's event loop (sends_whole_batch):
        # answers or exceptions, one per message (the base classifies both).
        return self.session.send_all(messages)

    def classify(self, message):
        return Outcome.sent(message.sid, {"sid": message.sid, "status": message.status})

    def classify_error(self, err):
        from twilio.base.exceptions import TwilioRestException

        if isinstance(err, TwilioRestException):
            return classify_rest_error(err)
        # Network trouble, time-outs, answers that are not JSON: try again.
        return super().classify_error(err)


def classify_rest_error(err):
    code = err.code
    message = f"Twilio {err.status} error {code}: {err.msg}"
    response = {"status": err.status, "code": code, "message": str(err.msg)}
    return VERDICTS.outcome(
        code, message, response, default=VERDICTS.http_kind(err.status)
    )


channel = TwilioChannel()

# The original package's creator for this channel, with the seed's signature.
create_notification = creator_for(MODULE_NAME)
