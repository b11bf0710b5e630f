"""How the console words values: one date format, statuses in words, a staff
cancellation told from a user's opt-out.

The seed's status OPTED_OUT stays the stored status of a row staff cancelled
(``cancelled_at`` / ``cancelled_by`` say who and when); every page shows such
a row as "Cancelled by <user> at <time>", never as "Opted out".
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

#: The label of a row staff cancelled, where one word is wanted (badges,
#: filters, the dashboard).
CANCELLED = _("Cancelled by staff")


def when(value):
    """A date and time as Django's admin shows them everywhere (the active
    locale's DATETIME_FORMAT, in the current time zone); "-" for none."""
    if value is None:
        return "-"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATETIME_FORMAT")


def is_cancelled(notification):
    return notification.status == "OPTED_OUT" and notification.cancelled_at is not None


def status_label(notification):
    """The status in words: "Cancelled by staff" for a staff cancellation."""
    if is_cancelled(notification):
        return str(CANCELLED)
    return str(notification.get_status_display())


def cancellation_text(notification):
    """ "Cancelled by <user> at <time>" (needs ``cancelled_by`` selected, or
    costs one query)."""
    who = notification.cancelled_by
    return gettext("Cancelled by %(user)s at %(time)s") % {
        "user": who.get_username() if who else gettext("a deleted user"),
        "time": when(notification.cancelled_at),
    }


#: Exception names a channel records (``DeliveryAttempt.error_code`` when the
#: provider call raised) -> what happened, in words staff can act on.
ERROR_WORDS = {
    "ConnectionRefusedError": _("Could not reach the provider: connection refused."),
    "ConnectionResetError": _("The provider closed the connection."),
    "ConnectionError": _("Could not reach the provider."),
    "ClientConnectorError": _("Could not reach the provider."),
    "ServerDisconnectedError": _("The provider closed the connection."),
    "TimeoutError": _("The provider did not answer in time."),
    "timeout": _("The provider did not answer in time."),
    "ReadTimeout": _("The provider did not answer in time."),
    "ConnectTimeout": _("Could not reach the provider in time."),
    "gaierror": _("The provider's host name could not be resolved."),
    "SSLError": _("The secure (TLS) connection to the provider failed."),
    "SMTPServerDisconnected": _("The mail server closed the connection."),
    "SMTPConnectError": _("Could not connect to the mail server."),
    "SMTPAuthenticationError": _(
        "The mail server refused the login (check EMAIL_HOST_USER and "
        "EMAIL_HOST_PASSWORD)."
    ),
    "SMTPSenderRefused": _("The mail server refused the sender address."),
    "SMTPDataError": _("The mail server refused the message."),
    "PushServerError": _("Expo's push service answered with an error."),
    "HTTPError": _("The provider answered with an HTTP error."),
    "not_sent": _("The mail backend sent nothing."),
}


def error_words(code, message):
    """``(words, technical detail)`` for an attempt's error: a raw Python
    exception text becomes a sentence (the exception stays as the detail);
    a provider's own code and message (Twilio 21211, Expo
    DeviceNotRegistered) are shown as they are."""
    code, message = code or "", message or ""
    words = ERROR_WORDS.get(code)
    if words is not None:
        return str(words), message
    if code and message.startswith(f"{code}:") and code[:1].isupper():
        # Another exception of a channel: its class name is no reason.
        return str(_("The provider call failed.")), message
    return message, ""
