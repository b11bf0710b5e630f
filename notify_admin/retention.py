"""Retention: delete old finished notifications, their attempts, and old runs.

Only terminal rows go (DELIVERED, DELIVERY_FAILURE, INACTIVE_DEVICE,
OPTED_OUT) whose every date is older than the cut-off and that no worker holds
(no claim token): an open or leased row is never touched, and "send now" on a
failed row that is being purged either claims it first (and it stays) or
finds it gone. Work goes in short transactions of ``batch_size`` rows, each
locking only the rows it deletes (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
so deliveries go on while a purge runs. ``purge_notifications`` and the Celery
``purge`` task both call :func:`purge`.
"""

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import conf
from .models import DeliveryAttempt, DeliveryRun, Notification

TERMINAL_STATUSES = (
    Notification.DELIVERED,
    Notification.DELIVERY_FAILURE,
    Notification.INACTIVE_DEVICE,
    Notification.OPTED_OUT,
)
BATCH_SIZE = 1000


@dataclass
class PurgeResult:
    notifications: int = 0
    attempts: int = 0
    runs: int = 0
    cutoff: object = None

    def as_dict(self):
        return asdict(self)

    def summary(self, dry_run=False):
        verb = "Would delete" if dry_run else "Deleted"
        return (
            f"{verb} {self.notifications} notification(s), {self.attempts} "
            f"delivery attempt(s) and {self.runs} delivery run(s) older than "
            f"{self.cutoff:%Y-%m-%d %H:%M:%S %Z}."
        )


def cutoff_for(days, now=None):
    return (now or timezone.now()) - timedelta(days=float(days))


def old_notifications(cutoff):
    """Terminal, unleased notifications whose last activity is before ``cutoff``."""
    return Notification.objects.filter(
        Q(attempted_delivery__isnull=True) | Q(attempted_delivery__lt=cutoff),
        status__in=TERMINAL_STATUSES,
        claim_token__isnull=True,
        modified__lt=cutoff,
        scheduled_delivery__lt=cutoff,
    )


def old_runs(cutoff):
    """Runs that finished before ``cutoff``, or started before it and never
    finished (their process died)."""
    return DeliveryRun.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, started_at__lt=cutoff)
    )


def purge(days=None, *, dry_run=False, batch_size=BATCH_SIZE, now=None):
    """Delete what is older than ``days`` (default: the PURGE_AFTER_DAYS
    setting); with ``dry_run`` only count it."""
    days = conf.purge_after_days() if days is None else days
    result = PurgeResult(cutoff=cutoff_for(days, now))
    notifications = old_notifications(result.cutoff)
    runs = old_runs(result.cutoff)
    if dry_run:
        result.notifications = notifications.count()
        result.attempts = DeliveryAttempt.objects.filter(
            notification__in=notifications.values("pk")
        ).count()
        result.runs = runs.count()
        return result
    size = max(1, int(batch_size))
    while _delete_batch(notifications, size, result):
        pass
    while _delete_runs(runs, size, result):
        pass
    return result


def _locked_ids(queryset, size):
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset.values_list("pk", flat=True)[:size])


def _delete_batch(notifications, size, result):
    with transaction.atomic():
        ids = _locked_ids(notifications.order_by(), size)
        if not ids:
            return 0
        # The rule is checked again with the ids: the rows are locked on
        # PostgreSQL; on SQLite a writer in between makes this transaction
        # fail rather than delete a row that was claimed meanwhile.
        _total, counts = notifications.filter(pk__in=ids).delete()
    result.notifications += counts.get(Notification._meta.label, 0)
    result.attempts += counts.get(DeliveryAttempt._meta.label, 0)
    return len(ids)


def _delete_runs(runs, size, result):
    with transaction.atomic():
        ids = _locked_ids(runs.order_by(), size)
        if not ids:
            return 0
        # Attempts that outlive their run (their notification is kept) lose
        # the link: the foreign key's SET_NULL, one UPDATE.
        _total, counts = DeliveryRun.objects.filter(pk__in=ids).delete()
    result.runs += counts.get(DeliveryRun._meta.label, 0)
    return len(ids)
