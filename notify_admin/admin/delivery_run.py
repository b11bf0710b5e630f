from django.contrib import admin

from ..models import DeliveryRun


@admin.register(DeliveryRun)
class DeliveryRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "finished_at",
        "source",
        "host",
        "claimed",
        "delivered",
        "retried",
        "failed",
        "inactive",
        "opted_out",
        "error",
    ]
    list_filter = ["source", "started_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
