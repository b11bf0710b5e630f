"""Admin registration for notify_admin's models.

A plain registration for now; each ModelAdmin gets its own module as the
console grows.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import (
    DeliveryAttempt,
    DeliveryRun,
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)


@admin.register(NotificationTarget)
class NotificationTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "notification_module_name"]
    search_fields = ["name", "notification_module_name"]


@admin.register(TargetUserRecord)
class TargetUserRecordAdmin(admin.ModelAdmin):
    list_display = ["target_user_id", "user", "target", "description", "active"]
    list_filter = ["target", "active"]
    list_select_related = ["user", "target"]
    search_fields = ["target_user_id", "description", "user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "active", "modified"]
    list_filter = ["active"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = [
        "attempted_at",
        "outcome",
        "address",
        "provider_id",
        "error_code",
        "error_message",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "user_target",
        "status_badge",
        "scheduled_delivery",
        "attempted_delivery",
        "retry_attempts",
    ]
    list_filter = ["status", "user_target__target"]
    list_select_related = ["user_target"]
    search_fields = [
        "title",
        "user_target__target_user_id",
        "user_target__user__username",
    ]
    raw_id_fields = ["user_target"]
    date_hierarchy = "scheduled_delivery"
    inlines = [DeliveryAttemptInline]

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="na-status na-status--{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )


@admin.register(DeliveryRun)
class DeliveryRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "finished_at",
        "source",
        "host",
        "delivered",
        "retried",
        "failed",
        "inactive",
        "opted_out",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
