"""The delivery runs (read-only) and the result page of each run."""

from django.contrib import admin
from django.urls import path

from ..models import DeliveryRun
from .guards import GuardedActionsMixin
from .results import run_result_view


@admin.register(DeliveryRun)
class DeliveryRunAdmin(GuardedActionsMixin, admin.ModelAdmin):
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
        "deferred",
        "error",
    ]
    list_filter = ["source", "started_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        # Before the default "<object_id>/" routes, which would swallow it.
        return [
            path(
                "<int:run_id>/result/",
                self.admin_site.admin_view(self.result_view),
                name="notify_admin_deliveryrun_result",
            ),
            *super().get_urls(),
        ]

    def result_view(self, request, run_id):
        """What a sending action did to each row (see admin/results.py)."""
        return run_result_view(self, request, run_id)
