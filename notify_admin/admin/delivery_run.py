"""The delivery runs (read-only) and the result page of each run.

Each run links to what it did: its result page (every row with its outcome,
see admin/results.py) and the notification list filtered to its rows
(``?run=<id>``), from the list and from its own page.
"""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from ..models import DeliveryRun
from .columns import compact_time
from .guards import GuardedActionsMixin
from .results import RUN_PARAMETER, run_result_view


@admin.register(DeliveryRun)
class DeliveryRunAdmin(GuardedActionsMixin, admin.ModelAdmin):
    list_display = [
        "started_display",
        "source_display",
        "claimed",
        "figures",
        "error_display",
        "links",
    ]
    list_filter = ["source", "started_at"]
    show_full_result_count = False
    fields = [
        "links",
        "started_at",
        "finished_at",
        "source",
        "host",
        "pid",
        "claimed",
        "delivered",
        "retried",
        "failed",
        "inactive",
        "opted_out",
        "deferred",
        "unsent_display",
        "error",
    ]
    readonly_fields = ["links", "unsent_display"]

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

    # --- columns -----------------------------------------------------------

    @admin.display(description=_("started"), ordering="started_at")
    def started_display(self, obj):
        return compact_time(obj.started_at)

    @admin.display(description=_("source / host"), ordering="source")
    def source_display(self, obj):
        if not obj.host:
            return obj.source
        return format_html(
            '{}<br><span class="na-address">{}</span>', obj.source, obj.host
        )

    @admin.display(description=_("outcomes"))
    def figures(self, obj):
        """The run's non-zero outcomes in one column: "3 delivered · 1 failed"."""
        parts = [
            (obj.delivered, _("delivered"), "na-good"),
            (obj.retried, _("to retry"), "na-warn"),
            (obj.failed, _("failed"), "na-bad"),
            (obj.inactive, _("inactive"), "na-bad"),
            (obj.opted_out, _("opted out"), ""),
            ((obj.unsent or {}).get("total", 0), _("not sent"), "na-warn"),
        ]
        shown = [(n, label, css) for n, label, css in parts if n]
        if not shown:
            return _("nothing sent")
        return format_html_join(
            " · ",
            '<span class="{}">{} {}</span>',
            [(c, n, label) for n, label, c in shown],
        )

    @admin.display(description=_("not sent"))
    def unsent_display(self, obj):
        return (obj.unsent or {}).get("total", 0)

    @admin.display(description=_("error"))
    def error_display(self, obj):
        if not obj.error:
            return "-"
        return format_html(
            '<span class="na-bad" title="{}">{}</span>',
            obj.error,
            Truncator(obj.error).chars(60),
        )

    @admin.display(description=_("rows"))
    def links(self, obj):
        """Its result page and its notifications in the list."""
        if obj is None or obj.pk is None:
            return "-"
        site = self.admin_site.name
        return format_html(
            '<a class="na-run-result" href="{}">{}</a> · '
            '<a class="na-run-rows" href="{}?{}={}">{}</a>',
            reverse(f"{site}:notify_admin_deliveryrun_result", args=[obj.pk]),
            _("Result"),
            reverse(f"{site}:notify_admin_notification_changelist"),
            RUN_PARAMETER,
            obj.pk,
            _("Notifications"),
        )
