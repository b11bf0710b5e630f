from django.contrib import admin

from ..models import NotificationTarget


@admin.register(NotificationTarget)
class NotificationTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "notification_module_name"]
    search_fields = ["name", "notification_module_name"]
