"""Email through Django's mail API.

A batch goes over a few connections at once (``concurrency``, default 4),
each opened once; messages go over a connection one by one so that a refused
recipient fails only its own notification. An HTML alternative is rendered
from ``extra["template_name"]`` (with ``extra`` as the context) when given.
"""

import contextlib
import smtplib
from concurrent.futures import ThreadPoolExecutor
from email.utils import make_msgid

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from .. import conf
from ..feedback.email import anymail_message_id
from .base import Channel, Outcome, describe_error

MODULE_NAME = "email"
DEFAULT_TIMEOUT = 30
# Connections a batch is sent over at once (django-post-office uses 5 threads).
DEFAULT_CONCURRENCY = 4
# "421 Service not available, closing transmission channel": smtplib closes
# the connection on it, so the rest of the batch needs a new one.
SERVICE_CLOSING = 421


class EmailChannel(Channel):
    module_name = MODULE_NAME
    provider_key = "email"

    def from_email(self):
        return conf.get_target_setting("email", "from_email", None) or getattr(
            settings, "DEFAULT_FROM_EMAIL", None
        )

    def open_connection(self):
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
            timeout = conf.get_target_setting("email", "timeout", None)
            connection.timeout = float(timeout or DEFAULT_TIMEOUT)
        return connection

    def render_html(self, notification):
        extra = notification.extra or {}
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
            "from": self.from_email(),
        }

    def build_message(self, notification, from_email):
        # The connection is not attached: the batch's connection sends it, and
        # test backends (locmem) deep-copy each message with what it holds.
        html = self.render_html(notification)
        cls = EmailMessage if html is None else EmailMultiAlternatives
        message = cls(
            subject=notification.title,
            body=notification.body,
            from_email=from_email,
            to=[notification.user_target.target_user_id],
            headers={"Message-ID": make_msgid(domain="notify-admin")},
        )
        if html is not None:
            message.attach_alternative(html, "text/html")
        return message

    def concurrency(self):
        value = conf.get_target_setting("email", "concurrency", None)
        return max(1, int(value or DEFAULT_CONCURRENCY))

    def send_batch(self, notifications):
        """Send over ``concurrency`` connections at once, each taking its share
        of the batch in turn; a mail server's round trips, not our CPU, are
        what a batch waits on."""
        workers = min(self.concurrency(), len(notifications))
        if workers <= 1:
            return self.send_over_one_connection(notifications)
        shares = [notifications[i::workers] for i in range(workers)]
        outcomes = {}
        with ThreadPoolExecutor(workers) as pool:
            for share in pool.map(self.send_over_one_connection, shares):
                outcomes.update(share)
        return outcomes

    def send_over_one_connection(self, notifications):
        outcomes = {}
        from_email = self.from_email()
        connection = self.open_connection()
        try:
            connection.open()
        except Exception as err:
            outcome = classify_smtp_error(err)
            return {n.pk: outcome for n in notifications}
        try:
            for notification in notifications:
                outcome = self.send_one(notification, connection, from_email)
                outcomes[notification.pk] = outcome
                if outcome.kind == Outcome.TRANSIENT and is_connection_error(
                    outcome.response
                ):
                    connection = reopen(connection)
        finally:
            close_quietly(connection)
        return outcomes

    def send_one(self, notification, connection, from_email):
        try:
            message = self.build_message(notification, from_email)
        except Exception as err:
            # Building is deterministic: it would fail the same way next time.
            return Outcome.permanent("message_error", describe_error(err))
        try:
            sent = connection.send_messages([message])
        except Exception as err:
            return classify_smtp_error(err)
        if not sent:
            return Outcome.transient("not_sent", "The mail backend sent nothing.")
        return Outcome.sent(
            anymail_message_id(message) or message.extra_headers["Message-ID"]
        )


def is_connection_error(response):
    return response.get("connection_error", False)


def reopen(connection):
    close_quietly(connection)
    # If this fails, the next message fails over the closed connection and says why.
    with contextlib.suppress(Exception):
        connection.open()
    return connection


def close_quietly(connection):
    with contextlib.suppress(Exception):
        connection.close()


def classify_smtp_error(err):
    """Map an SMTP (or mail backend) exception to an Outcome.

    5xx refusals are permanent (a refused recipient is a dead address);
    4xx answers, dropped connections and network errors are transient.
    """
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


def create_notification(
    user,
    title,
    body="",
    scheduled_delivery=None,
    retry_time_interval=0,
    max_retries=3,
    quiet=False,
    extra=None,
):
    """Create email notifications for the user's active email records."""
    return channel.create_notification(
        user,
        title,
        body,
        scheduled_delivery=scheduled_delivery,
        retry_time_interval=retry_time_interval,
        max_retries=max_retries,
        quiet=quiet,
        extra=extra,
    )
