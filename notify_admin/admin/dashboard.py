"""The figures on the notify_admin app index: five queries, whatever the table sizes.

1. notifications by status x target (one GROUP BY),
2. due now (one COUNT on the partial "due" index),
3. delivered / retries / failures in the last 24 hours (one aggregate over
   DeliveryAttempt),
4. the last run of ``process_notifications`` (DeliveryRun, source "command"),
5. delivered vs failed per day over the last 14 days (one GROUP BY day).
"""

import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import DeliveryAttempt, DeliveryRun, Notification, NotificationTarget
from .chart import bar_chart
from .feedback import feedback_panel

FAILED = (Notification.DELIVERY_FAILURE, Notification.INACTIVE_DEVICE)
CHART_DAYS = 14


def status_by_target():
    """Rows per target with a count per status, plus totals."""
    counts = (
        Notification.objects.order_by()
        .values("user_target__target_id", "status")
        .annotate(n=Count("pk"))
    )
    cells = {(c["user_target__target_id"], c["status"]): c["n"] for c in counts}
    statuses = [code for code, _label in Notification.STATUS_CHOICES]
    rows = []
    for target in NotificationTarget.objects.order_by("name"):
        values = [cells.get((target.pk, status), 0) for status in statuses]
        rows.append({"target": target, "counts": values, "total": sum(values)})
    totals = [sum(row["counts"][i] for row in rows) for i in range(len(statuses))]
    return {
        "statuses": Notification.STATUS_CHOICES,
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
    }


def last_24_hours(now):
    return DeliveryAttempt.objects.filter(
        attempted_at__gt=now - datetime.timedelta(hours=24)
    ).aggregate(
        delivered=Count("pk", filter=Q(outcome=Notification.DELIVERED)),
        retries=Count("pk", filter=Q(outcome=Notification.RETRY)),
        failures=Count("pk", filter=Q(outcome__in=FAILED)),
    )


def daily_outcomes(now, days=CHART_DAYS):
    """``[(date, delivered, failed)]`` for each of the last ``days`` days
    (today included, in the current time zone), zero-filled."""
    today = timezone.localdate(now)
    first = today - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(
        datetime.datetime.combine(first, datetime.time.min),
        timezone.get_current_timezone(),
    )
    per_day = (
        DeliveryAttempt.objects.filter(attempted_at__gte=start)
        .annotate(day=TruncDate("attempted_at"))
        .order_by()
        .values("day")
        .annotate(
            delivered=Count("pk", filter=Q(outcome=Notification.DELIVERED)),
            failed=Count("pk", filter=Q(outcome__in=FAILED)),
        )
    )
    found = {row["day"]: (row["delivered"], row["failed"]) for row in per_day}
    return [
        (day, *found.get(day, (0, 0)))
        for day in (first + datetime.timedelta(days=i) for i in range(days))
    ]


def dashboard(now=None):
    now = now or timezone.now()
    days = daily_outcomes(now)
    return {
        "matrix": status_by_target(),
        "due_now": Notification.objects.due(now).count(),
        "last_24h": last_24_hours(now),
        "last_run": DeliveryRun.objects.filter(source="command")
        .order_by("-started_at")
        .first(),
        "days": days,
        "chart": bar_chart(days),
        "feedback": feedback_panel(now),
    }
