"""What every page of a send job shares: finding the job named in the URL
(a forged or unknown id is a 404, never a 500), the pages' URLs, the admin
log, and the shared context of the pages."""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import SendJob
from .display import when

#: Largest id a URL may name (a bigint); longer numbers are no job.
MAX_ID_DIGITS = 18


def parse_id(object_id):
    text = str(object_id)
    if not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


def get_job(model_admin, request, object_id, *, change=False):
    """The job of the URL (its template, version and people selected), or 404;
    PermissionDenied without the view (``change``: change) permission."""
    pk = parse_id(object_id)
    job = (
        SendJob.objects.select_related(
            "template", "template_version", "created_by", "approved_by"
        )
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if job is None:
        raise Http404(_("No such send job."))
    allowed = (
        model_admin.has_change_permission(request, job)
        if change
        else model_admin.has_view_or_change_permission(request, job)
    )
    if not allowed:
        raise PermissionDenied
    return job


def job_url(name, job, site_name="admin"):
    """The URL of one of a job's pages: ``change`` (the job page),
    ``preview``, ``counts``, ``approve``, ``cancel``, ``export``."""
    return reverse(f"{site_name}:notify_admin_sendjob_{name}", args=[job.pk])


def log_job(request, job, message, *, added=False):
    """One admin-log entry on the job, by the request's user."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[job],
        action_flag=ADDITION if added else CHANGE,
        change_message=message,
    )


def page_context(model_admin, request, job, title, **extra):
    """The context every job page starts from (admin's own, the job, media)."""
    request.current_app = model_admin.admin_site.name
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": job,
        "job": job,
        "title": title,
        "media": model_admin.media,
        "created_at": when(job.created_at),
        "approved_at": when(job.approved_at),
        "send_at": when(job.scheduled_for) if job.scheduled_for else None,
        **extra,
    }
