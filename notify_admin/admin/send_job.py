"""The admin of send jobs (bulk sends from a CSV file, issue 24).

The changelist lists the jobs (state, template, file, rows and outcomes, who
and when; filters by state, template and date). "Add send job" is the upload
page (:mod:`.send_job_upload`): a template, its language, the file, now or at
a time. A file with errors shows them all by line and column and asks for a
fixed file; a clean one becomes a job in state *checked* and goes to its
preview (:mod:`.send_job_preview`), where it is sent (or handed for approval
by a second person). The change page is the job's own page
(:mod:`.send_job_page`): counts by status and channel, live while it sends,
links to its notifications, Approve and Cancel (:mod:`.send_job_actions`) and
the export of its rows (:mod:`.send_job_export`).

Permissions: viewing a job needs ``view_sendjob``; uploading needs
``add_sendjob`` and the console's send permission
(``notify_admin.send_notification``, the one the Send actions use), as do
sending and approving; cancelling needs ``change_sendjob``; exporting needs
``view_sendjob`` and ``export_notification``. Jobs are never deleted from the
admin (their notifications point to them).
"""

from django.contrib import admin
from django.db.models import Count
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from rangefilter.filters import DateRangeFilterBuilder

from ..models import Notification, SendJob
from . import send_job_actions, send_job_export, send_job_page, send_job_preview
from .columns import compact_time
from .guards import GuardedActionsMixin, can_send
from .send_job_upload import upload_view

#: A list column's outcomes, in this order, with their CSS class.
OUTCOMES = [
    (Notification.DELIVERED, _("delivered"), "na-good"),
    (Notification.SCHEDULED, _("scheduled"), ""),
    (Notification.RETRY, _("to retry"), "na-warn"),
    (Notification.DELIVERY_FAILURE, _("failed"), "na-bad"),
    (Notification.INACTIVE_DEVICE, _("inactive"), "na-bad"),
    (Notification.OPTED_OUT, _("opted out or cancelled"), ""),
]


def status_counts(job_ids):
    """``{job id: {status: n}}`` for the listed jobs, in one GROUP BY."""
    found = {}
    rows = (
        Notification.objects.filter(send_job_id__in=list(job_ids))
        .order_by()
        .values_list("send_job_id", "status")
        .annotate(n=Count("pk"))
    )
    for job_id, status, n in rows:
        found.setdefault(job_id, {})[status] = n
    return found


def state_badge(job):
    return format_html(
        '<span class="na-job-state na-job-state--{}">{}</span>',
        job.state,
        job.get_state_display(),
    )


@admin.register(SendJob)
class SendJobAdmin(GuardedActionsMixin, admin.ModelAdmin):
    list_display = [
        "job_display",
        "template_display",
        "state_display",
        "rows_display",
        "outcomes_display",
        "created_display",
    ]
    list_display_links = ["job_display"]
    list_filter = [
        "state",
        ("created_at", DateRangeFilterBuilder(title=_("created (range)"))),
        "template",
    ]
    list_select_related = ["template", "created_by", "approved_by"]
    search_fields = ["file_name", "file_sha256", "template__key", "template__name"]
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    # Every change of a job goes through its page's buttons, checked and logged.
    actions = None

    class Media:
        css = {"all": ["notify_admin/css/admin.css", "notify_admin/css/send_job.css"]}

    # -- permissions ----------------------------------------------------------

    def has_add_permission(self, request):
        """Uploading a file is the first step of a send."""
        return super().has_add_permission(request) and can_send(request.user)

    def has_send_permission(self, request):
        return can_send(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request, obj=None):
        return self.has_view_or_change_permission(request, obj) and (
            request.user.has_perm("notify_admin.export_notification")
        )

    # -- the list ---------------------------------------------------------------

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        counts = status_counts(job.pk for job in changelist.result_list)
        for job in changelist.result_list:
            job._na_counts = counts.get(job.pk, {})
        return changelist

    @admin.display(description=_("job"), ordering="pk")
    def job_display(self, obj):
        return format_html(
            '{}<br><span class="na-address">{}</span>',
            _("Job %(id)s") % {"id": obj.pk},
            obj.file_name,
        )

    @admin.display(description=_("template"), ordering="template__name")
    def template_display(self, obj):
        return format_html(
            '{}<br><span class="na-address">{}</span>',
            obj.template.name,
            obj.template.key,
        )

    @admin.display(description=_("state / send at"), ordering="state")
    def state_display(self, obj):
        when = compact_time(obj.scheduled_for) if obj.scheduled_for else _("at once")
        return format_html("{}<br>{}", state_badge(obj), when)

    @admin.display(description=_("rows"), ordering="row_count")
    def rows_display(self, obj):
        skipped = obj.skipped_count or 0
        if not skipped:
            return obj.row_count
        return format_html(
            '{}<br><span class="na-address">{}</span>',
            obj.row_count,
            _("%(n)s skipped (opted out)") % {"n": skipped},
        )

    @admin.display(description=_("outcomes"))
    def outcomes_display(self, obj):
        counts = getattr(obj, "_na_counts", None)
        if counts is None:
            counts = status_counts([obj.pk]).get(obj.pk, {})
        shown = [
            (css, counts[status], label)
            for status, label, css in OUTCOMES
            if counts.get(status)
        ]
        if not shown:
            return "-"
        return format_html_join(
            mark_safe("<br>"), '<span class="{}">{} {}</span>', shown
        )

    @admin.display(description=_("created"), ordering="created_at")
    def created_display(self, obj):
        """Who created it and when, and who approved it."""
        creator = obj.created_by.get_username() if obj.created_by else "-"
        approved = (
            format_html(
                '<br><span class="na-address">{}</span>',
                _("approved by %(user)s") % {"user": obj.approved_by.get_username()},
            )
            if obj.approved_by is not None
            else ""
        )
        return format_html(
            "{}<br>{}{}", creator, compact_time(obj.created_at), approved
        )

    # -- pages --------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        return upload_view(self, request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return send_job_page.job_page_view(self, request, object_id)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view

        def view(func):
            return wrap(
                lambda request, *args, **kwargs: func(self, request, *args, **kwargs)
            )

        pages = [
            ("preview", send_job_preview.preview_view),
            ("counts", send_job_page.counts_view),
            ("approve", send_job_actions.approve_view),
            ("cancel", send_job_actions.cancel_view),
            ("export", send_job_export.export_view),
        ]
        return [
            *(
                path(
                    f"<path:object_id>/{name}/",
                    view(func),
                    name="{}_{}_{}".format(*info, name),
                )
                for name, func in pages
            ),
            *super().get_urls(),
        ]
