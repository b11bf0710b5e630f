from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin
from rangefilter.filters import DateRangeFilterBuilder

from .. import delivery
from ..channels.registry import get_channel
from ..exceptions import NotificationSystemError
from ..models import DeliveryAttempt, Notification, NotificationOptOut
from .actions import (
    GuardedActionsMixin,
    can_send,
    is_confirmed,
    log_change,
    needs_confirmation,
    render_action_page,
)
from .feedback import ATTEMPT_FIELDS, ConfirmationFilter, ProviderEventInline
from .forms import RescheduleForm
from .import_export_admin import LoggedExportMixin
from .pagination import EstimatedCountPaginator
from .resources import NotificationResource

FAILED_STATUSES = (Notification.DELIVERY_FAILURE, Notification.INACTIVE_DEVICE)


def not_leased(now):
    """Rows no worker is sending right now (a live lease is left alone)."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def user_opted_out():
    return Exists(
        NotificationOptOut.objects.filter(
            active=True, user_id=OuterRef("user_target__user_id")
        )
    )


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
        *ATTEMPT_FIELDS,
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(
    GuardedActionsMixin, LoggedExportMixin, ExportActionMixin, admin.ModelAdmin
):
    # Export: the button (filtered list) and the "Export selected" action.
    resource_classes = [NotificationResource]
    change_list_template = "admin/notify_admin/change_list.html"
    list_display = [
        "title",
        "user_display",
        "target_display",
        "address_display",
        "status_badge",
        "scheduled_delivery",
        "attempted_delivery",
        "retries_display",
    ]
    list_filter = [
        "status",
        ConfirmationFilter,
        "user_target__target",
        (
            "scheduled_delivery",
            DateRangeFilterBuilder(title=_("scheduled delivery (range)")),
        ),
        (
            "attempted_delivery",
            DateRangeFilterBuilder(title=_("attempted delivery (range)")),
        ),
    ]
    list_select_related = ["user_target__user", "user_target__target"]
    raw_id_fields = ["user_target"]
    readonly_fields = ["preview", "created", "modified"]
    inlines = [DeliveryAttemptInline, ProviderEventInline]
    actions = ["send_now", "retry", "reschedule", "cancel"]
    # Large tables: no second COUNT(*) of the whole table under a filtered list,
    # and the unfiltered count comes from the planner's estimate on PostgreSQL.
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_fields(self, request):
        user_model = get_user_model()
        return [
            "title",
            "user_target__target_user_id",
            f"user_target__user__{user_model.USERNAME_FIELD}",
            f"user_target__user__{user_model.get_email_field_name()}",
        ]

    def has_send_permission(self, request):
        return can_send(request.user)

    # --- columns -----------------------------------------------------------

    @admin.display(
        description=_("user"),
        ordering="user_target__user__" + get_user_model().USERNAME_FIELD,
    )
    def user_display(self, obj):
        return obj.user_target.user.get_username()

    @admin.display(description=_("target"), ordering="user_target__target__name")
    def target_display(self, obj):
        return obj.user_target.target.name

    @admin.display(description=_("address"), ordering="user_target__target_user_id")
    def address_display(self, obj):
        return obj.user_target.target_user_id

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="na-status na-status--{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    @admin.display(description=_("retries"), ordering="retry_attempts")
    def retries_display(self, obj):
        return f"{obj.retry_attempts}/{obj.max_retries}"

    @admin.display(description=_("preview"))
    def preview(self, obj):
        """What the channel would send, built without any network call."""
        if obj is None or obj.pk is None:
            return "-"
        try:
            channel = get_channel(obj.user_target.target.notification_module_name)
            content = channel.preview(obj)
        except (NotificationSystemError, LookupError, ValueError) as err:
            return format_html('<span class="na-error">{}</span>', err)
        return render_to_string(
            "admin/notify_admin/includes/preview.html",
            {"preview": content, "extra_items": _preview_items(content)},
        )

    # --- actions -----------------------------------------------------------

    @admin.action(
        permissions=["send"],
        description=_("Send now (scheduled, retry and failed rows)"),
    )
    def send_now(self, request, queryset):
        if not is_confirmed(request):
            return render_action_page(
                self,
                request,
                queryset.select_related("user_target"),
                title=gettext("Send now"),
                question=gettext(
                    "Deliver these notifications now, through the same engine and "
                    "claims as the scheduled runs? Delivered and opted-out rows, "
                    "and rows a worker is sending right now, are skipped."
                ),
                submit_label=gettext("Yes, send now"),
            )
        selected = list(queryset)
        result = delivery.send_now(queryset, source="admin")
        log_change(
            request,
            selected,
            gettext("Send now (admin action): %(summary)s")
            % {"summary": result.summary()},
        )
        trouble = result.failed or result.retried or result.inactive
        level = messages.WARNING if trouble else messages.SUCCESS
        self.message_user(
            request,
            gettext(
                "Send now: %(delivered)d delivered, %(retried)d to retry, "
                "%(failed)d failed, %(inactive)d inactive device, "
                "%(opted_out)d opted out, %(skipped)d skipped."
            )
            % result.as_dict(),
            level,
        )
        return None

    @admin.action(
        permissions=["change"],
        description=_("Retry failed: back to SCHEDULED now, retry counter reset"),
    )
    def retry(self, request, queryset):
        now = timezone.now()
        eligible = (
            queryset.filter(status__in=FAILED_STATUSES, user_target__active=True)
            .filter(not_leased(now))
            .exclude(user_opted_out())
        )
        count = queryset.count()
        if needs_confirmation(request, count):
            return render_action_page(
                self,
                request,
                queryset,
                count=count,
                title=gettext("Retry"),
                question=gettext(
                    "Schedule the failed notifications among these for delivery "
                    "now, with their retry counter reset?"
                ),
                notes=[_retry_rule()],
                submit_label=gettext("Yes, retry"),
            )
        changed = list(eligible)
        # The seed's rule 1: a SCHEDULED row has no attempted delivery; the
        # attempt history stays in the DeliveryAttempt rows.
        eligible.update(
            status=Notification.SCHEDULED,
            scheduled_delivery=now,
            attempted_delivery=None,
            retry_attempts=0,
            claim_token=None,
            claimed_until=None,
        )
        log_change(
            request,
            changed,
            gettext("Retry (admin action): back to SCHEDULED, retry counter reset."),
        )
        self._report(request, gettext("scheduled for retry now"), changed, count)
        return None

    @admin.action(
        permissions=["change"],
        description=_("Reschedule scheduled and retry rows to a chosen time…"),
    )
    def reschedule(self, request, queryset):
        form = RescheduleForm(request.POST if is_confirmed(request) else None)
        if not form.is_valid():
            return render_action_page(
                self,
                request,
                queryset,
                form=form,
                title=gettext("Reschedule"),
                question=gettext(
                    "Move the selected SCHEDULED and RETRY notifications to a new "
                    "delivery time."
                ),
                notes=[
                    gettext(
                        "Delivered, failed and opted-out rows, and rows being sent "
                        "right now, are left unchanged (use Retry for failed rows)."
                    )
                ],
                submit_label=gettext("Reschedule"),
            )
        now = timezone.now()
        when = form.cleaned_data["scheduled_delivery"]
        count = queryset.count()
        eligible = queryset.open().filter(not_leased(now)).exclude(user_opted_out())
        changed = list(eligible)
        eligible.update(scheduled_delivery=when)
        log_change(
            request,
            changed,
            gettext("Reschedule (admin action): scheduled delivery %(when)s.")
            % {"when": when.isoformat()},
        )
        self._report(request, gettext("rescheduled"), changed, count)
        return None

    @admin.action(
        permissions=["change"],
        description=_("Cancel scheduled and retry rows (mark OPTED_OUT)"),
    )
    def cancel(self, request, queryset):
        now = timezone.now()
        count = queryset.count()
        if needs_confirmation(request, count):
            return render_action_page(
                self,
                request,
                queryset,
                count=count,
                title=gettext("Cancel"),
                question=gettext(
                    "Cancel the SCHEDULED and RETRY notifications among these? "
                    "They are marked OPTED_OUT and never sent."
                ),
                submit_label=gettext("Yes, cancel them"),
            )
        eligible = queryset.open().filter(not_leased(now))
        changed = list(eligible)
        eligible.opt_out()
        log_change(
            request,
            changed,
            gettext("Cancel (admin action): marked OPTED_OUT."),
        )
        self._report(request, gettext("cancelled (marked OPTED_OUT)"), changed, count)
        return None

    def _report(self, request, verb, changed, selected_count):
        skipped = selected_count - len(changed)
        self.message_user(
            request,
            gettext("%(n)d notifications %(verb)s; %(skipped)d skipped.")
            % {"n": len(changed), "verb": verb, "skipped": skipped},
            messages.SUCCESS if changed else messages.WARNING,
        )


def _retry_rule():
    return gettext(
        "Only DELIVERY_FAILURE and INACTIVE_DEVICE rows are retried, and only "
        "when the address is active (activate the target user record first) and "
        "the user has not opted out; other rows are skipped."
    )


def _preview_items(content):
    """The preview's fields other than the ones the template lays out itself."""
    shown = {"subject", "title", "body", "html", "to", "from"}
    return [(key, value) for key, value in content.items() if key not in shown]
