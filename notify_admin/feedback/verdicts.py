"""Provider answers -> verdicts, and the forward-only rules. Pure functions.

A verdict is what a provider said after accepting a message (a receipt, a
status callback, an email webhook event), mapped to one of a few kinds. An
attempt's provider status only moves up the ranks below, so a replayed or
out-of-order event (Twilio's ``sent`` after ``delivered``) changes nothing.
"""

import datetime
from dataclasses import dataclass, field

from ..models import Notification

# Kinds of verdict.
NOTHING = "nothing"  # nothing to record (deferred, opened, unknown words)
PROGRESS = "progress"  # still on its way (queued, sent)
CONFIRMED = "confirmed"  # reached the device / mailbox
UNCONFIRMED = "unconfirmed"  # no receipt came within its lifetime
TRANSIENT = "transient"  # failed, worth another try
FAILED = "failed"  # failed for good, the address may be fine
DEAD = "dead"  # the address is dead: record inactive
COMPLAINED = "complained"  # the person marked it as spam: record inactive

# Provider status words by rank: an attempt takes a verdict only of a
# higher rank than the status it holds.
RANKS = {
    "": 0,
    **dict.fromkeys(["queued", "accepted", "scheduled", "sending", "sent"], 1),
    **dict.fromkeys(["delivered", "read", "ok", "unconfirmed"], 2),
    **dict.fromkeys(
        ["undelivered", "failed", "error", "bounced", "rejected", "canceled"], 3
    ),
    "complained": 4,
}

# Twilio error codes of failed/undelivered messages.
# https://www.twilio.com/docs/api/errors
TWILIO_DEAD_CODES = {
    "21211": "invalid 'To' number",
    "21610": "recipient unsubscribed (STOP)",
    "21614": "'To' number is not a mobile number",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
}
TWILIO_TRANSIENT_CODES = {
    "30001": "queue overflow",
    "30003": "unreachable destination handset",
    "30017": "carrier network congestion",
    "30022": "rate limit exceeded",
}
TWILIO_PROGRESS = {"queued", "accepted", "scheduled", "sending", "sent"}

EXPO_DEAD_ERRORS = {"DeviceNotRegistered"}
EXPO_TRANSIENT_ERRORS = {"MessageRateExceeded"}

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


@dataclass(frozen=True)
class Verdict:
    kind: str
    provider_status: str = ""
    error_code: str = ""
    description: str = ""
    payload: dict = field(default_factory=dict, compare=False)

    @property
    def rank(self):
        return RANKS.get(self.provider_status, 0) if self.kind != NOTHING else 0


def twilio_verdict(status, error_code="", payload=None):
    """A Twilio status callback's ``MessageStatus`` and ``ErrorCode``."""
    status = (status or "").strip().lower()
    code = str(error_code or "").strip()
    payload = payload or {}
    if status in TWILIO_PROGRESS:
        return Verdict(PROGRESS, status, payload=payload)
    if status in ("delivered", "read"):
        return Verdict(CONFIRMED, status, payload=payload)
    if status in ("undelivered", "failed", "canceled"):
        if code in TWILIO_DEAD_CODES:
            kind, text = DEAD, TWILIO_DEAD_CODES[code]
        elif code in TWILIO_TRANSIENT_CODES:
            kind, text = TRANSIENT, TWILIO_TRANSIENT_CODES[code]
        else:
            kind, text = FAILED, "Twilio error"
        description = f"Twilio {status}" + (f", error {code}: {text}" if code else "")
        return Verdict(kind, status, code[:100], description, payload)
    return Verdict(NOTHING, status, code, payload=payload)


def expo_verdict(status, message="", details=None):
    """An Expo push receipt (``PushReceipt`` status, message, details)."""
    details = details if isinstance(details, dict) else {}
    payload = {"status": status, "message": message, "details": details}
    if status == "ok":
        return Verdict(CONFIRMED, "ok", payload=payload)
    error = str(details.get("error") or "")[:100]
    description = f"Expo receipt: {message or error or 'error'}"
    if error in EXPO_DEAD_ERRORS:
        return Verdict(DEAD, "error", error, description, payload)
    if error in EXPO_TRANSIENT_ERRORS:
        return Verdict(TRANSIENT, "error", error, description, payload)
    return Verdict(FAILED, "error", error, description, payload)


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


def takes(current_status, verdict):
    """Whether an attempt holding ``current_status`` takes ``verdict``."""
    if verdict.kind == NOTHING or verdict.provider_status not in RANKS:
        return False
    return verdict.rank > RANKS.get(current_status, 0)


def statuses_below(rank):
    """The provider statuses an attempt may hold to take a verdict of ``rank``
    (the compare-and-set guard of the UPDATE)."""
    return [status for status, value in RANKS.items() if value < rank]


@dataclass(frozen=True)
class NotificationState:
    """What the rules read of a notification and its attempt."""

    status: str
    attempted_delivery: datetime.datetime | None
    attempted_at: datetime.datetime
    retry_attempts: int
    max_retries: int


def new_status(state, verdict):
    """The notification's next status, or None to leave it as it is.

    Only a notification that is DELIVERED by this very attempt moves (a later
    send, an admin retry or cancel wins over old news); confirmations,
    progress and complaints leave it DELIVERED.
    """
    if state.status != Notification.DELIVERED:
        return None
    if state.attempted_delivery != state.attempted_at:
        return None
    if verdict.kind == DEAD:
        return Notification.INACTIVE_DEVICE
    if verdict.kind == FAILED:
        return Notification.DELIVERY_FAILURE
    if verdict.kind == TRANSIENT:
        if state.retry_attempts < state.max_retries:
            return Notification.RETRY
        return Notification.DELIVERY_FAILURE
    return None


def deactivates_record(verdict):
    return verdict.kind in (DEAD, COMPLAINED)


def inactive_reason(verdict):
    """The text a record keeps for why it went inactive."""
    if verdict.kind == COMPLAINED:
        return "Complaint: the recipient marked a message as spam."[:200]
    code = f" ({verdict.error_code})" if verdict.error_code else ""
    return f"Dead address: {verdict.provider_status}{code}. {verdict.description}"[
        :200
    ].strip()
