"""A send job's own page (its change page) and the JSON its counts follow.

The page: the job (template and version, file, who created and approved it,
when it sends), the progress of background creation, the counts of its
notifications by channel (target) and status, each a link to the
notification changelist filtered to exactly those rows (``?send_job=<id>``,
a filter the sidebar shows, beside the sidebar's status filters), its
history from the admin log, and the buttons staff may use: the preview and
Send, Approve, Cancel job, Export.

Live while it is created or sends: ``static/notify_admin/js/send_job.js``
asks :func:`counts_view` every few seconds and updates the figures in place
(no inline script: the console's CSP). Without JavaScript a ``<noscript>``
refresh reloads the page instead. A fixed number of queries whatever the
number of rows.
"""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .. import jobs
from ..models import Notification, NotificationTarget, SendJob
from .dashboard import status_columns
from .filters import SendJobFilter
from .send_job_access import get_job, job_url, page_context

TEMPLATE = "admin/notify_admin/sendjob/job.html"
#: Seconds between two updates of a live page.
REFRESH_SECONDS = 3
#: ... and while it waits for a time more than a minute away.
WAITING_REFRESH_SECONDS = 30
HISTORY_SHOWN = 20
TARGET_PARAM = "user_target__target__id__exact"
#: States in which the figures still change.
LIVE_STATES = {SendJob.CREATING, SendJob.SCHEDULED, SendJob.SENDING}


def changelist_url(job, site_name="admin", **params):
    url = reverse(f"{site_name}:notify_admin_notification_changelist")
    return f"{url}?{urlencode({SendJobFilter.parameter_name: job.pk, **params})}"


def count_table(job, site_name="admin"):
    """Rows per target with a linked count per status, and linked totals:
    the dashboard's columns (a staff cancellation apart from an opt-out).
    Two queries: the counts (``jobs.job_counts``, which also moves a done
    job on to finished) and the targets' ids for the links."""
    counts = jobs.job_counts(job)
    columns = status_columns()
    names = sorted(counts.by_target)
    ids = dict(
        NotificationTarget.objects.filter(name__in=names).values_list("name", "pk")
    )
    rows = []
    for name in names:
        found = counts.by_target[name]
        by_target = {TARGET_PARAM: ids[name]} if name in ids else {}
        values = [
            {
                "key": f"{name}:{key}",
                "n": found.get(key, 0),
                "url": changelist_url(job, site_name, **by_target, **params),
            }
            for key, _label, params in columns
        ]
        rows.append(
            {
                "name": name,
                "counts": values,
                "key": f"{name}:total",
                "total": sum(cell["n"] for cell in values),
                "url": changelist_url(job, site_name, **by_target),
            }
        )
    totals = [
        {
            "key": f"total:{key}",
            "n": counts.by_status.get(key, 0),
            "url": changelist_url(job, site_name, **params),
        }
        for key, _label, params in columns
    ]
    return {
        "statuses": [(key, label) for key, label, _params in columns],
        "rows": rows,
        "totals": totals,
        "total": counts.total,
        "url": changelist_url(job, site_name),
    }


def figures(job, table):
    """What the live page updates: ``{key: number}`` and the job's state."""
    cells = {"total": table["total"]}
    for row in table["rows"]:
        cells[row["key"]] = row["total"]
        cells.update({cell["key"]: cell["n"] for cell in row["counts"]})
    cells.update({cell["key"]: cell["n"] for cell in table["totals"]})
    return {
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "live": job.state in LIVE_STATES,
        "created": job.created_count,
        "created_text": _("%(created)s of %(total)s notifications created")
        % {"created": job.created_count, "total": job.notification_count},
        "cells": cells,
    }


def refresh_seconds(job):
    """How often a live page asks again: often while rows are created or
    sent, seldom while the job waits for its time."""
    waiting = job.state == SendJob.SCHEDULED and job.scheduled_for is not None
    if waiting and job.scheduled_for - timezone.now() > timedelta(minutes=1):
        return WAITING_REFRESH_SECONDS
    return REFRESH_SECONDS


def history(job):
    """The admin log of the job, newest first (who uploaded, sent, approved,
    cancelled, exported)."""
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(SendJob),
            object_id=str(job.pk),
        )
        .select_related("user")
        .order_by("-action_time", "-pk")[:HISTORY_SHOWN]
    )


def job_page_view(model_admin, request, object_id):
    job = get_job(model_admin, request, object_id)
    site = model_admin.admin_site.name
    table = count_table(job, site)
    may_send = model_admin.has_send_permission(request)
    context = page_context(
        model_admin,
        request,
        job,
        _("Job %(job)s: %(file)s") % {"job": job.pk, "file": job.file_name},
        table=table,
        is_job_page=True,
        live=job.state in LIVE_STATES,
        refresh=refresh_seconds(job),
        counts_url=job_url("counts", job, site),
        history=history(job),
        can_preview=job.state in (SendJob.CHECKED, SendJob.FAILED),
        can_approve=job.state == SendJob.AWAITING_APPROVAL
        and may_send
        and job.created_by_id != request.user.pk,
        creator_waits=job.state == SendJob.AWAITING_APPROVAL
        and job.created_by_id == request.user.pk,
        can_cancel=job.is_open and model_admin.has_change_permission(request, job),
        can_export=model_admin.has_export_permission(request, job)
        and job.state in SendJob.CREATED_STATES + (SendJob.CANCELLED,),
        preview_url=job_url("preview", job, site),
        approve_url=job_url("approve", job, site),
        cancel_url=job_url("cancel", job, site),
        export_url=job_url("export", job, site),
        template_url=reverse(
            f"{site}:notify_admin_notificationtemplate_change",
            args=[job.template_id],
        ),
        notifications_opts=Notification._meta,
    )
    return TemplateResponse(request, TEMPLATE, context)


def counts_view(model_admin, request, object_id):
    """The live figures of the job page (JSON, GET)."""
    job = get_job(model_admin, request, object_id)
    table = count_table(job, model_admin.admin_site.name)
    return JsonResponse(figures(job, table))
