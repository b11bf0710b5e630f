"""Pausing and resuming a target: while a target is paused, no run claims
its rows (they stay SCHEDULED / RETRY with nothing spent).

A pause is one :class:`~notify_admin.models.TargetPause` row (unique per
target), so pausing is idempotent and safe under races: two runs refused
the same credentials at once make one pause. Staff pause from the admin
(which writes the admin log); a run pauses by itself on a credentials or
configuration error, recorded by the row's ``source`` and ``reason`` and a
``target_paused`` log line. Resuming deletes the row; the next run claims
the target's rows again.
"""

import logging

from django.db import IntegrityError, transaction

from ..models import TargetPause
from .logs import log_event

logger = logging.getLogger("notify_admin.delivery")

# The reason is shown in the admin banner and log lines: keep it readable.
REASON_MAX_LENGTH = 2000


def pause_target(target, *, reason="", by=None, source=TargetPause.STAFF):
    """Pause ``target`` (a NotificationTarget or its pk); return the new
    TargetPause, or None when the target was already paused (the existing
    pause, its reason and who made it, are kept)."""
    target_id = getattr(target, "pk", target)
    reason = str(reason or "")[:REASON_MAX_LENGTH]
    try:
        with transaction.atomic():
            pause = TargetPause.objects.create(
                target_id=target_id,
                reason=reason,
                paused_by=by,
                source=source,
            )
    except IntegrityError:
        # Already paused (the one-to-one constraint), or the target is gone.
        return None
    log_event(
        logger,
        logging.WARNING,
        "target_paused",
        target=target_id,
        source=source,
        by=getattr(by, "pk", "") or "",
        reason=reason,
    )
    return pause


def resume_target(target, *, by=None):
    """Resume ``target``; return whether it was paused."""
    target_id = getattr(target, "pk", target)
    deleted, _ = TargetPause.objects.filter(target_id=target_id).delete()
    if deleted:
        log_event(
            logger,
            logging.INFO,
            "target_resumed",
            target=target_id,
            by=getattr(by, "pk", "") or "",
        )
    return bool(deleted)


def paused_target_ids():
    """The pks of the paused targets, as a set (one small query)."""
    return set(TargetPause.objects.values_list("target_id", flat=True))


def paused_targets_query():
    """The paused target pks as a subquery, for a claim to exclude in the
    same statement (a pause committed before the claim is always seen)."""
    return TargetPause.objects.values("target_id")
