"""Email feedback through django-anymail (the optional ``anymail`` extra).

Sending: when the host's EMAIL_BACKEND is an anymail backend, the message id
the ESP gave (``message.anymail_status.message_id``) is the attempt's
provider id. Receiving: anymail's webhook views authenticate and normalise
each ESP's events and send its ``tracking`` signal; :func:`on_tracking`
applies them: delivered -> confirmed; bounced / rejected -> dead address;
complained -> record inactive, shown to staff; deferred -> nothing.
"""

import importlib.util

from ..channels.email import MODULE_NAME, anymail_message_id
from ..channels.verdicts import (
    COMPLAINED,
    CONFIRMED,
    DEAD,
    FAILED,
    NOTHING,
    PROGRESS,
    Verdict,
)
from .recording import apply_to_provider_id

__all__ = ["anymail_message_id", "connect", "email_verdict", "on_tracking"]

MODULE_NAMES = (MODULE_NAME,)
DISPATCH_UID = "notify_admin.feedback.email.on_tracking"

# anymail's normalised event types (anymail.signals.EventType values).
EMAIL_KINDS = {
    "queued": PROGRESS,
    "sent": PROGRESS,
    "delivered": CONFIRMED,
    "bounced": DEAD,
    "rejected": DEAD,
    "failed": FAILED,
    "complained": COMPLAINED,
}


def email_verdict(event_type, reject_reason="", description="", payload=None):
    """An anymail tracking event's normalised type (``deferred``: nothing)."""
    kind = EMAIL_KINDS.get(event_type, NOTHING)
    text = " ".join(str(part) for part in (description,) if part)
    return Verdict(
        kind,
        event_type if kind != NOTHING else "",
        str(reject_reason or "")[:100],
        text or f"Email {event_type}",
        payload or {},
    )


def on_tracking(sender, event, esp_name, **kwargs):
    """anymail ``tracking`` receiver: apply the event to its attempt."""
    if not event.message_id:
        return
    verdict = email_verdict(
        event.event_type,
        event.reject_reason,
        event.description or event.mta_response or "",
        payload={
            "esp": esp_name,
            "event_type": event.event_type,
            "event_id": event.event_id,
            "recipient": event.recipient,
            "reject_reason": event.reject_reason,
            "description": event.description,
            "mta_response": event.mta_response,
            "timestamp": event.timestamp,
        },
    )
    apply_to_provider_id(
        str(event.message_id)[:200], MODULE_NAMES, verdict, f"anymail:{esp_name}"
    )


def connect():
    """Listen to anymail's tracking signal, when anymail is installed."""
    if importlib.util.find_spec("anymail") is None:
        return False
    from anymail.signals import tracking

    tracking.connect(on_tracking, dispatch_uid=DISPATCH_UID)
    return True
