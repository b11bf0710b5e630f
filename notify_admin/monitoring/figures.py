"""The health figures: a fixed four queries, whatever the row counts.

Paused targets are listed (``paused_targets``); one a run paused by itself
(the provider refused the credentials, the channel is not configured) is a
problem (503) until staff resume it: its notifications wait meanwhile. A
pause staff made is listed and is no problem of itself (a forgotten one
shows as due notifications growing old, ``due_age``).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError
from django.db.models import Count, Max, Min
from django.utils import timezone

from .. import conf
from ..models import DeliveryAttempt, DeliveryRun, Notification, TargetPause

FAILED_OUTCOMES = (
    Notification.DELIVERY_FAILURE,
    Notification.RETRY,
    Notification.INACTIVE_DEVICE,
)


@dataclass
class Health:
    database: bool = True
    due: int = 0
    oldest_due_age: float | None = None
    last_run_age: float | None = None
    failures_last_hour: dict = field(default_factory=dict)
    paused_targets: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def healthy(self):
        return not self.problems

    def as_dict(self):
        return {
            "healthy": self.healthy,
            "database": self.database,
            "due": self.due,
            "oldest_due_age_seconds": _round(self.oldest_due_age),
            "last_run_age_seconds": _round(self.last_run_age),
            "failures_last_hour": self.failures_last_hour,
            "paused_targets": self.paused_targets,
            "problems": self.problems,
        }


def _round(value):
    return None if value is None else round(value, 1)


def collect(now=None):
    now = now or timezone.now()
    health = Health()
    try:
        due = Notification.objects.due(now).aggregate(
            n=Count("pk"), oldest=Min("scheduled_delivery")
        )
        last = DeliveryRun.objects.aggregate(last=Max("finished_at"))["last"]
        failures = (
            DeliveryAttempt.objects.filter(
                attempted_at__gte=now - timedelta(hours=1),
                outcome__in=FAILED_OUTCOMES,
            )
            .values_list("notification__user_target__target__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        health.failures_last_hour = dict(failures)
        health.paused_targets = [
            {
                "target": name,
                "source": source,
                "reason": reason,
                "since": since.isoformat(),
            }
            for name, source, reason, since in TargetPause.objects.order_by(
                "target__name"
            ).values_list("target__name", "source", "reason", "paused_at")
        ]
    except DatabaseError as err:
        health.database = False
        health.problems.append(f"database unreachable: {type(err).__name__}")
        return health
    health.due = due["n"]
    if due["oldest"] is not None:
        health.oldest_due_age = max(0.0, (now - due["oldest"]).total_seconds())
    if last is not None:
        health.last_run_age = max(0.0, (now - last).total_seconds())
    judge(health, conf.health_limits())
    return health


def judge(health, limits):
    for pause in health.paused_targets:
        if pause["source"] != TargetPause.STAFF:
            health.problems.append(
                f"target {pause['target']} paused by a run ({pause['source']}): "
                f"{pause['reason'][:200]}"
            )
    due_limit, run_limit = limits.get("due_age"), limits.get("run_age")
    if due_limit is not None and (health.oldest_due_age or 0) > due_limit:
        health.problems.append(f"a notification has been due for over {due_limit:g} s")
    if run_limit is not None and (
        health.last_run_age is None or health.last_run_age > run_limit
    ):
        health.problems.append(f"no delivery run finished in the last {run_limit:g} s")
