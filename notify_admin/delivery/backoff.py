"""Targets the runs leave alone for a while: a circuit breaker that tripped
(with a back-off that doubles with each trip in a row), or a daily cap that
was reached (until midnight). One :class:`~notify_admin.models.TargetBackoff`
row per target; claims skip a target while its ``not_before`` is ahead.

The breaker itself lives in the run (:mod:`.gate`); this module writes what
it decided, from the run's thread (the sending threads never write):

- ``trip(module_name, reason)``: every target of the channel waits
  ``NOTIFICATION_SYSTEM_BREAKER_BACKOFF`` seconds (30), doubled per trip in
  a row up to ``..._BACKOFF_MAX`` (300);
- ``recover(module_name)``: the probe was answered: the rows go;
- ``cap(module_name, reason)``: the daily cap: back at midnight.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .. import conf
from ..models import NotificationTarget, TargetBackoff
from .limits import next_day_start
from .logs import log_event

logger = logging.getLogger("notify_admin.delivery")


def backing_off_query(now=None):
    """The pks of the targets to leave alone at ``now``, as a subquery."""
    return TargetBackoff.objects.filter(not_before__gt=now or timezone.now()).values(
        "target_id"
    )


def breaker_trips():
    """``{module name: trips in a row}`` of the channels whose breaker
    tripped in an earlier run (one query; they start by probing)."""
    found = {}
    rows = TargetBackoff.objects.filter(kind=TargetBackoff.BREAKER).values_list(
        "target__notification_module_name", "trips"
    )
    for module_name, trips in rows:
        found[module_name] = max(trips, found.get(module_name, 0))
    return found


def trips_of(module_name):
    """How many breaker trips in a row the channel's targets have had (0:
    none; more: the run starts by probing)."""
    trips = TargetBackoff.objects.filter(
        target__notification_module_name=module_name, kind=TargetBackoff.BREAKER
    ).values_list("trips", flat=True)
    return max(trips, default=0)


def targets_of(module_name):
    return list(
        NotificationTarget.objects.filter(
            notification_module_name=module_name
        ).values_list("pk", flat=True)
    )


def delay_after(trips):
    """Seconds before the next probe after ``trips`` trips in a row."""
    first, cap = conf.breaker_backoff()
    return min(cap, first * 2 ** max(0, trips - 1))


def trip(module_name, reason, now=None):
    """The breaker tripped: back off, longer each trip in a row."""
    now = now or timezone.now()
    trips = trips_of(module_name) + 1
    seconds = delay_after(trips)
    hold(
        module_name,
        TargetBackoff.BREAKER,
        now + timedelta(seconds=seconds),
        trips,
        reason,
        now,
    )
    log_event(
        logger,
        logging.WARNING,
        "circuit open",
        channel=module_name,
        trips=trips,
        backoff_seconds=seconds,
        reason=reason,
    )


def cap(module_name, reason, now=None):
    """The daily cap is reached: no more sends until midnight."""
    now = now or timezone.now()
    hold(module_name, TargetBackoff.DAILY_LIMIT, next_day_start(), 0, reason, now)
    log_event(logger, logging.WARNING, "daily limit reached", channel=module_name)


def recover(module_name):
    """The probe was answered: the channel's targets go again."""
    deleted, _ = TargetBackoff.objects.filter(
        target__notification_module_name=module_name, kind=TargetBackoff.BREAKER
    ).delete()
    if deleted:
        log_event(logger, logging.INFO, "circuit closed", channel=module_name)


def hold(module_name, kind, until, trips, reason, now):
    with transaction.atomic():
        for target_id in targets_of(module_name):
            TargetBackoff.objects.update_or_create(
                target_id=target_id,
                defaults={
                    "kind": kind,
                    "not_before": until,
                    "trips": trips,
                    "reason": reason[:2000],
                    "updated_at": now,
                },
            )
