from django.contrib import admin

from ..models import DeliveryRun


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
