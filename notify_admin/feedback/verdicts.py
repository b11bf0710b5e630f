"""The forward-only rules of feedback. Pure functions.

A verdict is what a provider said after accepting a message (a receipt, a
status callback, an email webhook event), mapped to one of a few kinds by
the channel's own verdict table (:mod:`notify_admin.channels.verdicts` holds
the vocabulary; each channel module reads its provider's words). An
attempt's provider status only moves up the ranks, so a replayed or
out-of-order event (Twilio's ``sent`` after ``delivered``) changes nothing.
What a failure does to the notification is delivery's own rule
(:mod:`notify_admin.policy`).
"""

import datetime
from dataclasses import dataclass

from ..channels.verdicts import (
    COMPLAINED,
    CONFIRMED,
    DEAD,
    FAILED,
    NOTHING,
    PROGRESS,
    RANKS,
    TRANSIENT,
    UNCONFIRMED,
    Verdict,
)
from ..models import Notification
from ..policy import after_failure, inactive_reason_text

__all__ = [
    "COMPLAINED",
    "CONFIRMED",
    "DEAD",
    "FAILED",
    "NOTHING",
    "PROGRESS",
    "RANKS",
    "TRANSIENT",
    "UNCONFIRMED",
    "NotificationState",
    "Verdict",
    "deactivates_record",
    "inactive_reason",
    "new_status",
    "statuses_below",
    "takes",
]


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
        return after_failure(state.retry_attempts, state.max_retries)
    return None


def deactivates_record(verdict):
    return verdict.kind in (DEAD, COMPLAINED)


def inactive_reason(verdict):
    """The text a record keeps for why it went inactive."""
    if verdict.kind == COMPLAINED:
        return "Complaint: the recipient marked a message as spam."
    return inactive_reason_text(
        verdict.error_code, verdict.description, verdict.provider_status
    )
