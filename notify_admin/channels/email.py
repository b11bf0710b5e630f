"""Email through Django's mail API: build, transmit, classify.

A run keeps a few mail connections (``concurrency``, default 4; see
:mod:`.smtp_pool`), each opened at its first message and kept for the run;
messages go one by one so that a refused recipient fails only its own
notification. The HTML alternative is ``extra["html"]`` when given (a
message template's HTML, rendered when the notification was created), else
rendered from ``extra["template_name"]`` (with ``extra`` as the context).
"""

import functools
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from .. import validators
from ..consent.tokens import list_unsubscribe_headers
from ..creators import creator_for
from .base import Channel, Outcome, describe_error
from .email_headers import NotificationEmail, NotificationEmailAlternatives
from .smtp_pool import SERVICE_CLOSING, ConnectionPool
from .verdicts import VerdictTable

MODULE_NAME = "email"
DEFAULT_TIMEOUT = 30
# Connections a batch is sent over at once (django-post-office uses 5 threads).
DEFAULT_CONCURRENCY = 4


def anymail_message_id(message):
    """The ESP's id of a sent message, or None (not sent through anymail)."""
    status = getattr(message, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    if isinstance(message_id, (set, frozenset, list, tuple)):
        # One recipient per notification: a set of one id.
        message_id = next(iter(message_id)) if len(message_id) == 1 else None
    return str(message_id)[:200] if message_id not in (None, "") else None


class EmailChannel(Channel):
    module_name = MODULE_NAME
    target_name = "Email"
    template_part = "email"
    provider_key = "email"
    number_settings = ("timeout", "concurrency")
    default_concurrency = DEFAULT_CONCURRENCY
    # SMTP reply codes; the rest by class (5xx permanent, 4xx transient), a
    # recipient refused with 5xx is a dead address.
    verdicts = VerdictTable(
        credentials={
            530: "authentication required",
            534: "authentication mechanism too weak",
            535: "authentication credentials invalid",
        }
    )
    # Bounces and complaints arrive through django-anymail's tracking signal
    # (notify_admin.feedback.email, connected at start-up), not a webhook of
    # ours.

    normalise_address = staticmethod(validators.normalise_email_address)

    @functools.cached_property
    def from_email(self):
        return self.setting("from_email") or getattr(
            settings, "DEFAULT_FROM_EMAIL", None
        )

    def connect(self):
        return ConnectionPool(self.new_connection, self.concurrency)

    def disconnect(self, pool):
        pool.close()

    def new_connection(self):
        """The host's default mail connection, never without a time-out.

        Django's mail time-out defaults to none at all: a server that stops
        answering would hold the batch (and its lease) forever.
        """
        mailers = getattr(mail, "mailers", None)
        if mailers is not None:
            # Django 6.1+: MAILERS (get_connection() is deprecated there).
            connection = mailers.default
        else:
            connection = mail.get_connection(fail_silently=False)
        if getattr(connection, "timeout", 0) is None:
            connection.timeout = float(self.setting("timeout", DEFAULT_TIMEOUT))
        return connection

    def send_batch(self, notifications):
        # A server that could not be reached is tried again for each batch,
        # once per connection, not for every message.
        if self.session is not None:
            self.session.forget_failures()
        return super().send_batch(notifications)

    def render_html(self, notification):
        extra = notification.extra or {}
        html = extra.get("html") if isinstance(extra, dict) else None
        if isinstance(html, str) and html:
            return html
        template_name = extra.get("template_name") if isinstance(extra, dict) else None
        if not template_name:
            return None
        return render_to_string(template_name, extra)

    def render_body(self, title, body, extra):
        if isinstance(extra, dict) and extra.get("template_name"):
            return strip_tags(render_to_string(extra["template_name"], extra)).strip()
        return None

    def preview(self, notification):
        return {
            "subject": notification.title,
            "body": notification.body,
            "html": self.render_html(notification),
            "to": notification.user_target.target_user_id,
            "from": self.from_email,
        }

    def build(self, notification):
        # The connection is not attached: the pool's connection sends it, and
        # test backends (locmem) deep-copy each message with what it holds.
        html = self.render_html(notification)
        cls = NotificationEmail if html is None else NotificationEmailAlternatives
        message = cls(
            subject=notification.title,
            body=notification.body,
            from_email=self.from_email,
            to=[notification.user_target.target_user_id],
            headers={
                "Message-ID": make_msgid(domain="notify-admin"),
                # RFC 8058 one-click unsubscribe, on non-critical categories.
                **list_unsubscribe_headers(notification),
            },
        )
        if html is not None:
            message.attach_alternative(html, "text/html")
        return message

    def transmit(self, messages):
        (message,) = messages
        with self.session.connection() as connection:
            sent = connection.send(message)
        if not sent:
            return [None]
        # Sent through an anymail backend: the ESP's id, which its webhooks
        # (bounces, complaints) name; otherwise our Message-ID header.
        return [anymail_message_id(message) or message.extra_headers["Message-ID"]]

    def classify(self, message_id):
        if not message_id:
            return Outcome.transient("not_sent", "The mail backend sent nothing.")
        return Outcome.sent(message_id)

    def classify_error(self, err):
        return classify_smtp_error(err)


def classify_smtp_error(err):
    """Map an SMTP (or mail backend) exception to an Outcome.

    5xx refusals are permanent (a refused recipient is a dead address);
    4xx answers, dropped connections and network errors are transient; the
    codes in the channel's verdict table (530, 535: credentials) first.
    """
    table = EmailChannel.verdicts
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in err.recipients.values()]
        detail = {
            addr: [code, _text(msg)] for addr, (code, msg) in err.recipients.items()
        }
        message = describe_error(err)
        if codes and all(500 <= code < 600 for code in codes):
            return Outcome.dead_address(codes[0], message, {"recipients": detail})
        response = {"recipients": detail}
        if SERVICE_CLOSING in codes:
            response["connection_error"] = True
        return Outcome.transient(codes[0] if codes else "", message, response)
    if isinstance(err, smtplib.SMTPResponseException):
        response = {"smtp_code": err.smtp_code, "smtp_error": _text(err.smtp_error)}
        if err.smtp_code == SERVICE_CLOSING:
            response["connection_error"] = True
        message = f"{type(err).__name__}: {err.smtp_code} {_text(err.smtp_error)}"
        if table.kind(err.smtp_code):
            return table.outcome(err.smtp_code, message, response)
        if 500 <= err.smtp_code < 600:
            return Outcome.permanent(err.smtp_code, message, response)
        return Outcome.transient(err.smtp_code, message, response)
    if isinstance(err, (smtplib.SMTPServerDisconnected, OSError)):
        return Outcome.transient(
            "connection", describe_error(err), {"connection_error": True}
        )
    return Outcome.transient(type(err).__name__, describe_error(err))


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


channel = EmailChannel()

# The original package's creator for this channel, with the seed's signature.
create_notification = creator_for(MODULE_NAME)
