"""Email feedback through django-anymail (the optional ``anymail`` extra).

Sending: when the host's EMAIL_BACKEND is an anymail backend, the message id
the ESP gave (``message.anymail_status.message_id``) is the attempt's
provider id. Receiving: anymail's webhook views authenticate and normalise
each ESP's events and send its ``tracking`` signal; :func:`on_tracking`
applies them: delivered -> confirmed; bounced / rejected -> dead address;
complained -> record inactive, shown to staff; deferred -> nothing.
"""

import importlib.util

MODULE_NAMES = ("email",)
DISPATCH_UID = "notify_admin.feedback.email.on_tracking"


def anymail_message_id(message):
    """The ESP's id of a sent message, or None (not sent through anymail)."""
    status = getattr(message, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    if isinstance(message_id, (set, frozenset, list, tuple)):
        # One recipient per notification: a set of one id.
        message_id = next(iter(message_id)) if len(message_id) == 1 else None
    return str(message_id)[:200] if message_id not in (None, "") else None


def on_tracking(sender, event, esp_name, **kwargs):
    """anymail ``tracking`` receiver: apply the event to its attempt."""
    if not event.message_id:
        return
    # Imported when an event arrives: connect() runs at every start-up.
    from .recording import apply_to_provider_id
    from .verdicts import email_verdict

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
