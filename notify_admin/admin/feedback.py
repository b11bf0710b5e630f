"""The console's view of provider feedback: attempt columns, the history
inline, the "confirmed?" filter, record fields and the dashboard panel.

Hooked into the other admin modules by one line each; every query here is a
fixed number per page, whatever the row count.
"""

import datetime

from django.contrib import admin
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..feedback.verdicts import RANKS
from ..models import DeliveryAttempt, Notification, NotificationTarget, ProviderEvent
from .inlines import ReadOnlyInline

#: Columns the attempts inline adds (provider status, code, confirmation).
ATTEMPT_FIELDS = ("provider_status", "provider_error_code", "confirmed_at")
#: Why and when feedback made a record inactive (read-only on its page).
RECORD_FIELDS = ("inactive_reason", "inactivated_at")
#: Provider statuses that say "it failed after all".
FAILED_AFTER_ACCEPTANCE = [status for status, rank in RANKS.items() if rank == 3]


class ProviderEventInline(ReadOnlyInline):
    """The notification's feedback history: what each verdict changed."""

    model = ProviderEvent
    verbose_name_plural = _("provider feedback history")
    fields = [
        "received_at",
        "source",
        "provider_status",
        "provider_error_code",
        "status_before",
        "status_after",
        "record_deactivated",
        "description",
    ]
    readonly_fields = fields


def _attempts(**lookups):
    return Exists(
        DeliveryAttempt.objects.filter(notification=OuterRef("pk"), **lookups)
    )


class ConfirmationFilter(admin.SimpleListFilter):
    """Delivered rows by what the provider said after accepting them."""

    title = _("provider confirmation")
    parameter_name = "confirmation"

    def lookups(self, request, model_admin):
        return [
            ("confirmed", _("Confirmed")),
            ("awaiting", _("Accepted, not yet confirmed")),
            ("failed", _("Failed after acceptance")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "confirmed":
            return queryset.filter(_attempts(confirmed_at__isnull=False))
        if value == "awaiting":
            return queryset.filter(status=Notification.DELIVERED).exclude(
                _attempts(confirmed_at__isnull=False)
            )
        if value == "failed":
            return queryset.filter(
                _attempts(
                    outcome=Notification.DELIVERED,
                    provider_status__in=FAILED_AFTER_ACCEPTANCE,
                )
            )
        return queryset


def feedback_panel(now=None, hours=24):
    """Per channel, attempts accepted in the last ``hours``: how many were
    confirmed, how many failed after acceptance, and the median time to
    confirmation. One aggregate, plus one query per channel with
    confirmations (the median row, by OFFSET)."""
    now = now or timezone.now()
    accepted = DeliveryAttempt.objects.filter(
        outcome=Notification.DELIVERED,
        attempted_at__gt=now - datetime.timedelta(hours=hours),
    )
    module = "notification__user_target__target__notification_module_name"
    rows = (
        accepted.order_by()
        .values(module)
        .annotate(
            accepted=Count("pk"),
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
            failed=Count("pk", filter=Q(provider_status__in=FAILED_AFTER_ACCEPTANCE)),
        )
        .order_by(module)
    )
    names = {}
    for module_name, name in NotificationTarget.objects.order_by("name").values_list(
        "notification_module_name", "name"
    ):
        names.setdefault(module_name, []).append(name)
    panel = []
    for row in rows:
        median = None
        if row["confirmed"]:
            median = (
                accepted.filter(**{module: row[module]}, confirmed_at__isnull=False)
                .annotate(wait=F("confirmed_at") - F("attempted_at"))
                .order_by("wait")
                .values_list("wait", flat=True)[row["confirmed"] // 2]
            )
        panel.append(
            {
                **row,
                "channel": row[module],
                # The targets' own names ("Email"), as everywhere else.
                "name": ", ".join(names.get(row[module], [row[module]])),
                "median": median,
                "median_text": duration_text(median),
            }
        )
    return panel


def duration_text(value):
    """A waiting time in words: "42 s", "3 min 5 s", "2 h 10 min"."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
