from django.contrib import admin
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin
from rangefilter.filters import DateRangeFilterBuilder

from .. import conf
from ..channels.registry import get_channel
from ..exceptions import NotificationSystemError
from ..imports.notifications import NotificationResource
from ..models import DeliveryAttempt, Notification
from .change_page import NotificationChangePageMixin
from .columns import CompactTimeColumnsMixin
from .compose import measure_view
from .consent_state import ConsentStateMixin, short_state
from .display import cancellation_text, error_words, is_cancelled, when
from .feedback import ATTEMPT_FIELDS, ConfirmationFilter, ProviderEventInline
from .filters import (
    DeferredFilter,
    DueFilter,
    OptedOutFilter,
    RunFilter,
    SendJobFilter,
    StatusFilter,
    UserFilter,
    datetime_range_filter,
)
from .forms import NotificationForm
from .guards import GuardedActionsMixin, can_send
from .import_export_admin import LoggedExportMixin
from .inlines import ReadOnlyInline
from .notification_actions import NOTIFICATION_ACTIONS
from .pagination import EstimatedCountPaginator
from .search import NotificationSearchMixin
from .send_job_access import job_url
from .streaming_export import StreamingExportMixin
from .template import version_link

TEMPLATE_LOOKUPS = (
    "template_version__template__id__exact",
    "template_version__id__exact",
)


class DeliveryAttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = [
        "attempted_at",
        "outcome",
        "address",
        "provider_id",
        "error_code",
        "reason",
        *ATTEMPT_FIELDS,
    ]
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def reason(self, obj):
        """The provider's reason; a Python exception in words, with the
        exception's own text below it."""
        words, detail = error_words(obj.error_code, obj.error_message)
        if not detail:
            return words or "-"
        return format_html('{}<br><span class="na-detail">{}</span>', words, detail)


@admin.register(Notification)
class NotificationAdmin(
    ConsentStateMixin,
    NotificationChangePageMixin,
    NotificationSearchMixin,
    CompactTimeColumnsMixin,
    GuardedActionsMixin,
    StreamingExportMixin,
    LoggedExportMixin,
    ExportActionMixin,
    admin.ModelAdmin,
):
    # Export: the button (filtered list) and the "Export selected" action.
    resource_classes = [NotificationResource]
    form = NotificationForm
    change_list_template = "admin/notify_admin/change_list.html"
    list_display = [
        "title",
        "user_display",
        "status_badge",
        "scheduled_display",
        "attempted_display",
        "retries_display",
    ]
    list_filter = [
        DueFilter,
        UserFilter,
        ("status", StatusFilter),
        ConfirmationFilter,
        "user_target__target",
        (
            "scheduled_delivery",
            DateRangeFilterBuilder(title=_("scheduled delivery (range)")),
        ),
        (
            # Date and time: the dashboard links to "the last 24 hours".
            "attempted_delivery",
            datetime_range_filter(_("attempted delivery (range)")),
        ),
        OptedOutFilter,
        DeferredFilter,
        "category",
        RunFilter,
        SendJobFilter,
    ]
    list_select_related = ["user_target__user", "user_target__target", "cancelled_by"]
    autocomplete_fields = ["user_target"]
    readonly_fields = [
        "consent_state",
        "preview",
        "template_version_link",
        "send_job_link",
        "idempotency_key",
        "created",
        "modified",
    ]
    inlines = [DeliveryAttemptInline, ProviderEventInline]
    actions = NOTIFICATION_ACTIONS
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

    def get_urls(self):
        # Before the default "<object_id>/" routes, which would swallow it.
        return [
            path(
                "measure/",
                self.admin_site.admin_view(measure_view),
                name="notify_admin_notification_measure",
            ),
            *super().get_urls(),
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user_target":
            # The picker's chosen record names its user and target too.
            kwargs.setdefault(
                "queryset",
                db_field.remote_field.model._default_manager.select_related(
                    "user", "target"
                ),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        """The add form's retry settings default to Compose's (the settings
        NOTIFICATION_SYSTEM_RETRY_TIME_INTERVAL, 300 s, and
        NOTIFICATION_SYSTEM_MAX_RETRIES, 3), not the model's bare 0."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault(
            "retry_time_interval", int(conf.get_setting("RETRY_TIME_INTERVAL", 300))
        )
        initial.setdefault("max_retries", int(conf.get_setting("MAX_RETRIES", 3)))
        return initial

    def has_send_permission(self, request):
        return can_send(request.user)

    def lookup_allowed(self, lookup, value, request):
        # The template admin links to "the notifications of this template".
        if lookup in TEMPLATE_LOOKUPS:
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("rendered from template"))
    def template_version_link(self, obj):
        if obj is None or obj.template_version_id is None:
            return "-"
        return version_link(obj.template_version)

    @admin.display(description=_("send job"))
    def send_job_link(self, obj):
        if obj is None or obj.send_job_id is None:
            return "-"
        job = obj.send_job
        url = job_url("change", job, self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, str(job))

    # --- columns -----------------------------------------------------------

    @admin.display(
        description=_("user / target · address"),
        ordering="user_target__user__" + get_user_model().USERNAME_FIELD,
    )
    def user_display(self, obj):
        # The address under the user: one column less keeps the list inside
        # a 1,400 px window with both sidebars open.
        return format_html(
            '{}<br><span class="na-address">{} · {}</span>',
            obj.user_target.user.get_username(),
            obj.user_target.target.name,
            obj.user_target.target_user_id,
        )

    @admin.display(description=_("target"), ordering="user_target__target__name")
    def target_display(self, obj):
        return obj.user_target.target.name

    @admin.display(description=_("address"), ordering="user_target__target_user_id")
    def address_display(self, obj):
        return obj.user_target.target_user_id

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        if is_cancelled(obj):
            # A staff cancellation (stored OPTED_OUT), never "Opted out".
            who = obj.cancelled_by.get_username() if obj.cancelled_by else "?"
            return format_html(
                '<span class="na-status na-status--CANCELLED" title="{}">{}</span>'
                '<br><span class="na-address">{}</span>',
                cancellation_text(obj),
                gettext("Cancelled by %(user)s") % {"user": who},
                gettext("at %(time)s") % {"time": when(obj.cancelled_at)},
            )
        # Why a row was not sent, or until when it waits, under its status.
        state = short_state(obj)
        return format_html(
            '<span class="na-status na-status--{}">{}</span>{}',
            obj.status,
            obj.get_status_display(),
            format_html('<span class="na-reason">{}</span>', state) if state else "",
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
            # The size the channel measures (SMS segments, a push payload).
            size = channel.measure(obj.title, obj.body, obj.extra)
            if size is not None:
                content["size"] = size.summary
        except (NotificationSystemError, LookupError, ValueError) as err:
            return format_html('<span class="na-error">{}</span>', err)
        except Exception as err:  # noqa: BLE001
            # A template named in ``extra`` can fail in any way; the preview
            # shows why instead of breaking the change page.
            return format_html(
                '<span class="na-error">{}</span>',
                gettext("This notification cannot be rendered: %(error)s")
                % {"error": f"{type(err).__name__}: {err}"},
            )
        return render_to_string(
            "admin/notify_admin/includes/preview.html",
            {"preview": content, "extra_items": _preview_items(content)},
        )


def _preview_items(content):
    """The preview's fields other than the ones the template lays out itself;
    keys left unset (a push option not given) are not listed."""
    shown = {"subject", "title", "body", "html", "to", "from"}
    return [
        (key, value)
        for key, value in content.items()
        if key not in shown and value not in (None, "", [], {})
    ]
