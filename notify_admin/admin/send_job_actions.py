"""Approve and Cancel: the two buttons of a send job that change it.

Approve (POST from the job's preview page): a job above the approval
threshold waits for a second person who holds the send permission and did
not create it (``jobs.approve`` is the rule; this page says why it refuses,
as a message, never a 500). Approving starts the job; the admin log names
the approver and the creator.

Cancel job (a confirmation page, then POST): the job's open notifications
become cancelled as the notification Cancel action leaves them
(``jobs.cancel``); a job without rows yet simply never starts. Needs the
job's change permission. Both are logged on the job.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import jobs
from ..models import Notification, SendJob
from .send_job_access import get_job, job_url, log_job, page_context
from .send_job_preview import SendForm, send_note, started_message

CANCEL_TEMPLATE = "admin/notify_admin/sendjob/cancel.html"


def approve_view(model_admin, request, object_id):
    job = get_job(model_admin, request, object_id)
    site = model_admin.admin_site.name
    if request.method != "POST" or job.state != SendJob.AWAITING_APPROVAL:
        if job.state != SendJob.AWAITING_APPROVAL:
            messages.info(
                request,
                _("Job %(job)s is %(state)s: there is nothing to approve.")
                % {"job": job.pk, "state": job.get_state_display().lower()},
            )
            return HttpResponseRedirect(job_url("change", job, site))
        return HttpResponseRedirect(job_url("preview", job, site))
    refusal = approval_refusal(model_admin, request, job)
    if refusal:
        messages.error(request, refusal)
        return HttpResponseRedirect(job_url("preview", job, site))
    duplicate = jobs.duplicate_of(job, job.template)
    form = SendForm(request.POST, duplicate=duplicate)
    if not form.is_valid():
        for error in form.errors.get("confirm_duplicate", []):
            messages.error(request, error)
        return HttpResponseRedirect(job_url("preview", job, site))
    creator = job.created_by.get_username() if job.created_by else _("a deleted user")
    try:
        jobs.approve(job, request.user)
    except jobs.JobError as err:
        messages.error(request, str(err))
        return HttpResponseRedirect(job_url("preview", job, site))
    approved = _("Approved by %(approver)s (created by %(creator)s).") % {
        "approver": request.user.get_username(),
        "creator": creator,
    }
    log_job(request, job, approved + send_note(duplicate))
    messages.success(request, approved)
    job.refresh_from_db()
    if job.is_startable:
        try:
            jobs.start(job, confirmed_duplicate=duplicate is not None, by=request.user)
        except jobs.JobError as err:
            messages.error(request, str(err))
            return HttpResponseRedirect(job_url("change", job, site))
    started = started_message(job)
    log_job(request, job, started)
    messages.success(request, started)
    return HttpResponseRedirect(job_url("change", job, site))


def approval_refusal(model_admin, request, job):
    """Why this user may not approve ``job`` ("" when they may)."""
    if not model_admin.has_send_permission(request):
        return _(
            "You may not approve job %(job)s: approving needs the permission "
            "to send notifications."
        ) % {"job": job.pk}
    if job.created_by_id == request.user.pk:
        return _(
            "You created job %(job)s: another person who may send must approve it."
        ) % {"job": job.pk}
    return ""


class CancelForm(forms.Form):
    """Only the CSRF token and the button: the POST is the confirmation."""


def cancel_view(model_admin, request, object_id):
    job = get_job(model_admin, request, object_id)
    site = model_admin.admin_site.name
    if not model_admin.has_change_permission(request, job):
        raise PermissionDenied
    if not job.is_open:
        messages.info(
            request,
            _("Job %(job)s is %(state)s: there is nothing to cancel.")
            % {"job": job.pk, "state": job.get_state_display().lower()},
        )
        return HttpResponseRedirect(job_url("change", job, site))
    open_rows = Notification.objects.filter(
        send_job=job, status__in=Notification.OPEN_STATUSES
    ).count()
    if request.method == "POST":
        try:
            cancelled = jobs.cancel(job, request.user)
        except jobs.JobError as err:
            messages.error(request, str(err))
            return HttpResponseRedirect(job_url("change", job, site))
        count = cancelled if isinstance(cancelled, int) else open_rows
        text = ngettext(
            "Job %(job)s cancelled: %(n)d open notification cancelled.",
            "Job %(job)s cancelled: %(n)d open notifications cancelled.",
            count,
        ) % {"job": job.pk, "n": count}
        log_job(request, job, text)
        messages.success(request, text)
        return HttpResponseRedirect(job_url("change", job, site))
    context = page_context(
        model_admin,
        request,
        job,
        _("Cancel job %(job)s") % {"job": job.pk},
        open_rows=open_rows,
        job_page_url=job_url("change", job, site),
    )
    return TemplateResponse(request, CANCEL_TEMPLATE, context)
