from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..models import Notification, NotificationTarget, TargetUserRecord
from .forms import NotificationTargetForm
from .guards import GuardedActionsMixin


def _count_per_target(queryset, target_path):
    """A correlated COUNT per target row: one query for the whole page, and no
    cartesian product of records x notifications as two joined Counts would be."""
    counts = (
        queryset.filter(**{target_path: OuterRef("pk")})
        .order_by()
        .values(target_path)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


@admin.register(NotificationTarget)
class NotificationTargetAdmin(GuardedActionsMixin, admin.ModelAdmin):
    form = NotificationTargetForm
    list_display = [
        "name",
        "notification_module_name",
        "records_count",
        "active_records_count",
        "open_notifications_count",
    ]
    search_fields = ["name", "notification_module_name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                records_count=_count_per_target(
                    TargetUserRecord.objects.all(), "target"
                ),
                active_records_count=_count_per_target(
                    TargetUserRecord.objects.active(), "target"
                ),
                open_notifications_count=_count_per_target(
                    Notification.objects.open(), "user_target__target"
                ),
            )
        )

    @admin.display(description=_("records"), ordering="records_count")
    def records_count(self, obj):
        return obj.records_count

    @admin.display(description=_("active records"), ordering="active_records_count")
    def active_records_count(self, obj):
        return obj.active_records_count

    @admin.display(
        description=_("open notifications"), ordering="open_notifications_count"
    )
    def open_notifications_count(self, obj):
        return obj.open_notifications_count
