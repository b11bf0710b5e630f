from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin

from ..models import DeliveryAttempt, Notification
from .import_export_admin import LoggedExportMixin
from .resources import NotificationResource


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
class NotificationAdmin(LoggedExportMixin, ExportActionMixin, admin.ModelAdmin):
    # Export: the button (filtered list) and the "Export selected" action.
    resource_classes = [NotificationResource]
    change_list_template = "admin/notify_admin/change_list.html"
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
