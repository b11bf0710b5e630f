"""The target admin: counts per target, and pausing / resuming sending
(:mod:`.target_pause`: actions, change-page buttons, the state in a column)."""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Notification, NotificationTarget, TargetUserRecord
from .forms import NotificationTargetForm
from .guards import GuardedActionsMixin
from .target_pause import TARGET_ACTIONS, pause_of, pause_text


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


class PausedFilter(admin.SimpleListFilter):
    title = _("sending")
    parameter_name = "paused"

    def lookups(self, request, model_admin):
        return [("yes", _("Paused")), ("no", _("Sending"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pause__isnull=False)
        if self.value() == "no":
            return queryset.filter(pause__isnull=True)
        return queryset


@admin.register(NotificationTarget)
class NotificationTargetAdmin(GuardedActionsMixin, admin.ModelAdmin):
    form = NotificationTargetForm
    change_form_template = "admin/notify_admin/notificationtarget/change_form.html"
    list_display = [
        "name",
        "notification_module_name",
        "sending",
        "records_count",
        "active_records_count",
        "open_notifications_count",
    ]
    list_filter = [PausedFilter]
    list_select_related = ["pause", "pause__paused_by"]
    readonly_fields = ["sending"]

    def get_readonly_fields(self, request, obj=None):
        # A new target has no sending state yet.
        return super().get_readonly_fields(request, obj) if obj is not None else []

    search_fields = ["name", "notification_module_name"]
    actions = TARGET_ACTIONS

    class Media:
        css = {"all": ["notify_admin/css/admin.css"]}

    def get_queryset(self, request):
        return self.counted(super().get_queryset(request)).select_related(
            "pause", "pause__paused_by"
        )

    def render_change_form(self, request, context, add=False, change=False, **kw):
        obj = kw.get("obj")
        context["notify_buttons"] = (
            self.pause_buttons(request, obj) if change and obj else []
        )
        context["notify_changelist_url"] = reverse(
            f"{self.admin_site.name}:notify_admin_notificationtarget_changelist"
        )
        return super().render_change_form(request, context, add, change, **kw)

    def pause_buttons(self, request, obj):
        """ "Pause sending" or "Resume sending" for this target, when the user
        may run the action (each posts the changelist action for it)."""
        available = set(self.get_actions(request))
        paused = pause_of(obj) is not None
        name, label = (
            ("resume_sending", _("Resume sending"))
            if paused
            else ("pause_sending", _("Pause sending…"))
        )
        return [{"action": name, "label": label}] if name in available else []

    @admin.display(description=_("sending"))
    def sending(self, obj):
        pause = pause_of(obj) if obj is not None and obj.pk else None
        if pause is None:
            return format_html('<span class="na-sending">{}</span>', _("Sending"))
        return format_html(
            '<span class="na-status na-status--PAUSED">{}</span> {}',
            _("Paused"),
            pause_text(pause),
        )

    @staticmethod
    def counted(queryset):
        return queryset.annotate(
            records_count=_count_per_target(TargetUserRecord.objects.all(), "target"),
            active_records_count=_count_per_target(
                TargetUserRecord.objects.active(), "target"
            ),
            open_notifications_count=_count_per_target(
                Notification.objects.open(), "user_target__target"
            ),
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
