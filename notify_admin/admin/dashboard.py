"""The figures on the notify_admin app index: five queries, whatever the table sizes.

1. notifications by status x target (one GROUP BY) and the targets (one query),
2. due now (one COUNT on the partial "due" index),
3. notifications attempted in the last 24 hours, by status (one aggregate),
4. the latest delivery run, of any source (command, admin, test sends),
5. notifications delivered vs failed per day of their last attempt, over the
   last 14 days (one GROUP BY day).

Every figure comes with the URL of the notification changelist filtered to
exactly the rows it counts (the sidebar's own filter parameters).

On PostgreSQL the status x target table and the chart are read from the
counts the database keeps per target x status (a staff cancellation apart
from a user's opt-out) and per status x quarter-hour of the last attempt
(``NotificationCount``, exact at every commit): a few hundred rows to add up,
whatever the number of notifications. Elsewhere they are counted from the
notifications. Either way they are the counts of the changelists they link to.

Over a big table (the planner estimates more than ``CACHE_ABOVE`` rows) the
figures are computed at most once per NOTIFICATION_SYSTEM_DASHBOARD_CACHE_SECONDS
(default 60) and kept in Django's cache: a page then costs one estimate query.
Smaller tables are counted live on every request.
"""

import datetime

from django.core.cache import cache
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from .. import conf
from ..models import DeliveryRun, Notification, NotificationCount, NotificationTarget
from .chart import bar_chart
from .display import CANCELLED
from .feedback import feedback_panel
from .filters import DueFilter, OptedOutFilter
from .pagination import table_estimate

FAILED = (Notification.DELIVERY_FAILURE, Notification.INACTIVE_DEVICE)
CHART_DAYS = 14
CACHE_ABOVE = 100_000
CACHE_KEY = "notify_admin:dashboard:{tz}"
TARGET_PARAM = "user_target__target__id__exact"
OPTED_OUT_PARAM = OptedOutFilter.parameter_name
# The attempted-delivery range filter (rangefilter's DateTimeRangeFilter).
SINCE_DATE = "attempted_delivery__range__gte_0"
SINCE_TIME = "attempted_delivery__range__gte_1"
UNTIL_DATE = "attempted_delivery__range__lte_0"
UNTIL_TIME = "attempted_delivery__range__lte_1"


def changelist_url(**params):
    url = reverse("admin:notify_admin_notification_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def status_params(statuses):
    if isinstance(statuses, str):
        return {"status__exact": statuses}
    return {"status__in": ",".join(statuses)}


def attempted_between(start, end=None):
    """Range-filter parameters for ``start <= attempted_delivery [<= end]``
    (to the second, in the current time zone, as the filter reads them)."""
    start = timezone.localtime(start)
    params = {SINCE_DATE: f"{start:%Y-%m-%d}", SINCE_TIME: f"{start:%H:%M:%S}"}
    if end is not None:
        end = timezone.localtime(end)
        params.update({UNTIL_DATE: f"{end:%Y-%m-%d}", UNTIL_TIME: f"{end:%H:%M:%S}"})
    return params


def status_columns():
    """The matrix's columns: ``(key, label, filter parameters)``; OPTED_OUT
    is split into the user's opt-out and a staff cancellation (the sidebar's
    "opted out or cancelled" filter tells them apart the same way)."""
    columns = []
    for code, label in Notification.STATUS_CHOICES:
        if code == Notification.OPTED_OUT:
            columns.append(
                (code, label, {"status__exact": code, OPTED_OUT_PARAM: "user"})
            )
            columns.append(
                (
                    "CANCELLED",
                    CANCELLED,
                    {"status__exact": code, OPTED_OUT_PARAM: "cancelled"},
                )
            )
        else:
            columns.append((code, label, {"status__exact": code}))
    return columns


def status_target_counts():
    """``{(target_id, key): n}`` over every notification, the key a status or
    ``CANCELLED`` (OPTED_OUT by a staff cancellation)."""
    if NotificationCount.objects.kept():
        return NotificationCount.objects.totals()
    counts = (
        Notification.objects.order_by()
        .annotate(
            staff_cancelled=ExpressionWrapper(
                Q(cancelled_at__isnull=False), output_field=BooleanField()
            )
        )
        .values("user_target__target_id", "status", "staff_cancelled")
        .annotate(n=Count("pk"))
    )
    cells = {}
    for c in counts:
        key = c["status"]
        if key == Notification.OPTED_OUT and c["staff_cancelled"]:
            key = "CANCELLED"
        cell = (c["user_target__target_id"], key)
        cells[cell] = cells.get(cell, 0) + c["n"]
    return cells


def status_by_target():
    """Rows per target with a linked count per status, plus linked totals."""
    cells = status_target_counts()
    columns = status_columns()
    rows = []
    for target in NotificationTarget.objects.order_by("name"):
        by_target = {TARGET_PARAM: target.pk}
        values = [
            {
                "n": cells.get((target.pk, key), 0),
                "url": changelist_url(**by_target, **params),
            }
            for key, _label, params in columns
        ]
        rows.append(
            {
                "target": target,
                "counts": values,
                "total": sum(cell["n"] for cell in values),
                "url": changelist_url(**by_target),
            }
        )
    totals = [
        {
            "n": sum(row["counts"][i]["n"] for row in rows),
            "url": changelist_url(**params),
        }
        for i, (_key, _label, params) in enumerate(columns)
    ]
    return {
        "statuses": [(key, label) for key, label, _params in columns],
        "rows": rows,
        "totals": totals,
        "total": sum(cell["n"] for cell in totals),
        "url": changelist_url(),
    }


def last_24_hours(now):
    """Notifications whose last attempt was in the last 24 hours, by outcome."""
    since = (now - datetime.timedelta(hours=24)).replace(microsecond=0)
    # Counting attempted_delivery (never null here), not the id: the
    # (attempted_delivery, status) index holds all the query reads, so
    # PostgreSQL counts from the index alone.
    attempted = "attempted_delivery"
    figures = Notification.objects.filter(attempted_delivery__gte=since).aggregate(
        delivered=Count(attempted, filter=Q(status=Notification.DELIVERED)),
        retries=Count(attempted, filter=Q(status=Notification.RETRY)),
        failures=Count(attempted, filter=Q(status__in=FAILED)),
    )
    window = attempted_between(since)
    urls = {
        "delivered": status_params(Notification.DELIVERED),
        "retries": status_params(Notification.RETRY),
        "failures": status_params(FAILED),
    }
    return {
        name: {"n": figures[name], "url": changelist_url(**window, **params)}
        for name, params in urls.items()
    }


def daily_outcomes(now, days=CHART_DAYS):
    """``[(date, delivered, failed)]`` for each of the last ``days`` days
    (today included, in the current time zone), zero-filled: notifications
    by the day of their last attempt and their status now."""
    first = timezone.localdate(now) - datetime.timedelta(days=days - 1)
    found = day_counts(day_start(first))
    return [
        (day, *found.get(day, (0, 0)))
        for day in (first + datetime.timedelta(days=i) for i in range(days))
    ]


def day_counts(since):
    """``{local date: (delivered, failed)}`` by the day of the last attempt,
    from ``since`` (a local midnight) on."""
    if NotificationCount.objects.kept():
        found = {}
        statuses = (Notification.DELIVERED, *FAILED)
        for day, status, n in NotificationCount.objects.by_day(since, statuses):
            delivered, failed = found.get(day, (0, 0))
            if status == Notification.DELIVERED:
                delivered += n
            else:
                failed += n
            found[day] = (delivered, failed)
        return found
    per_day = (
        Notification.objects.filter(attempted_delivery__gte=since)
        .annotate(day=TruncDate("attempted_delivery"))
        .order_by()
        .values("day")
        .annotate(
            delivered=Count("pk", filter=Q(status=Notification.DELIVERED)),
            failed=Count("pk", filter=Q(status__in=FAILED)),
        )
    )
    return {row["day"]: (row["delivered"], row["failed"]) for row in per_day}


def day_start(day):
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min),
        timezone.get_current_timezone(),
    )


def day_urls(day):
    """The changelist of one chart day's delivered and failed notifications."""
    start = day_start(day)
    window = attempted_between(start, start + datetime.timedelta(seconds=86399))
    return {
        "delivered": changelist_url(**window, **status_params(Notification.DELIVERED)),
        "failed": changelist_url(**window, **status_params(FAILED)),
    }


def latest_run():
    """The latest delivery run of any source: the command, admin sends, tests."""
    return DeliveryRun.objects.order_by("-started_at", "-pk").first()


def dashboard(now=None):
    """The figures, from the cache when the table is big (see above)."""
    seconds = int(conf.get_setting("DASHBOARD_CACHE_SECONDS", 60))
    if not seconds or (table_estimate(Notification) or 0) <= CACHE_ABOVE:
        return compute_dashboard(now)
    key = CACHE_KEY.format(tz=timezone.get_current_timezone_name())
    figures = cache.get(key)
    if figures is None:
        figures = compute_dashboard(now)
        cache.set(key, figures, seconds)
    return figures


def compute_dashboard(now=None):
    now = now or timezone.now()
    days = daily_outcomes(now)
    chart = bar_chart(days)
    for group in chart["groups"]:
        urls = day_urls(group["day"])
        for bar in group["bars"]:
            bar["url"] = urls[bar["kind"]]
    return {
        "matrix": status_by_target(),
        "due_now": {
            "n": Notification.objects.due(now).count(),
            "url": changelist_url(**{DueFilter.parameter_name: DueFilter.NOW}),
        },
        "last_24h": last_24_hours(now),
        "last_run": latest_run(),
        "days": days,
        "chart": chart,
        "feedback": feedback_panel(now),
    }
