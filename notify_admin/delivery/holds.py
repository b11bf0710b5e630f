"""Holds: the claimed rows that quiet hours or a blackout period keep back.

Decided for a claimed batch before anything is sent, in the run's thread:
one call of the quiet-hours hook (RecipientSettings: one query) and one
query of the blackout periods per batch. A held row is released with its
``scheduled_delivery`` moved to the moment it may go (``deferred_until``
says so too); its status and retry count stay as they were, so a deferral
spends no retry. Critical categories are never held, nor rows that are not
to be sent at all (opted out, blocked by a preference, inactive address).
"""

from ..consent import snapshot
from ..consent.hooks import quiet_hours_for
from ..consent.quiet_hours import next_allowed


def is_critical(notification):
    category = getattr(notification, "consent_category", None)
    return category is not None and category.critical


def may_be_held(notification):
    return not (
        notification.user_opted_out
        or getattr(notification, "consent_block", "")
        or not notification.user_target.active
        or is_critical(notification)
    )


def blackout_periods(now):
    """The periods that may still hold a row (see ``consent.snapshot``)."""
    return snapshot.blackout_periods(now)


def deferrals(rows, now, token=None):
    """``{pk: (until, reason)}`` for the rows held back at ``now``
    (``token``, the batch's claim token, is not needed: kept for callers)."""
    candidates = [n for n in rows if may_be_held(n)]
    if not candidates:
        return {}
    periods = blackout_periods(now)
    hours = quiet_hours_for(n.user_target.user_id for n in candidates)
    held, known = {}, {}
    for notification in candidates:
        recipient = hours[notification.user_target.user_id]
        # Most recipients share a few time zones and windows, and the readers
        # hand out one QuietHours object per distinct window.
        key = id(recipient)
        if key not in known:
            known[key] = next_allowed(now, recipient, periods)
        until, reason = known[key]
        if until is not None:
            held[notification.pk] = (until, reason)
    return held
