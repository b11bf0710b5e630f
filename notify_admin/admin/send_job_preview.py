"""The preview of a checked send job, and the button that sends it.

The page shows the first rows rendered for each channel exactly as they will
be sent (the template preview's include: values escaped, an email's HTML in
a sandboxed frame's ``srcdoc``), the totals per channel, and the users
skipped because they opted out. Then the guards:

- the same file (same SHA-256) for the same template within 24 hours: the
  page names the earlier job, links to it, and sending needs the box "send
  it again" ticked (``jobs.duplicate_of``; ``jobs.start(...,
  confirmed_duplicate=True)``);
- more recipients than the approval threshold: ``jobs.prepare_job`` left the
  job *awaiting approval*; the page has no Send button, says so to its
  creator, and shows "Approve and send" (posted to
  :func:`.send_job_actions.approve_view`) to anyone else who may send.

Sending needs the console's send permission; every press is logged.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import jobs
from ..models import SendJob
from .display import when
from .send_job_access import get_job, job_url, log_job, page_context
from .template_preview import PART_NAMES, PREVIEW_INCLUDE, part_preview

#: Rows of the file rendered on the preview.
PREVIEW_ROWS = 3
#: Opted-out users listed by name (the count is always given).
SKIPPED_SHOWN = 50
TEMPLATE = "admin/notify_admin/sendjob/preview.html"
#: A job has a preview until it starts; a failed background creation (nothing
#: was created) may be started again from it.
PREVIEW_STATES = (SendJob.CHECKED, SendJob.AWAITING_APPROVAL, SendJob.FAILED)


class SendForm(forms.Form):
    confirm_duplicate = forms.BooleanField(
        label=gettext_lazy("Yes, send this file again"),
        required=False,
    )

    def __init__(self, data=None, *, duplicate=None):
        super().__init__(data)
        self.duplicate = duplicate
        if duplicate is None:
            del self.fields["confirm_duplicate"]

    def clean(self):
        cleaned = super().clean()
        if self.duplicate is not None and not cleaned.get("confirm_duplicate"):
            self.add_error(
                "confirm_duplicate",
                _(
                    "The same file was sent with this template as job %(job)s: "
                    "tick the box to send it again."
                )
                % {"job": self.duplicate.pk},
            )
        return cleaned


def rendered_rows(preview):
    """The preview's rows (``jobs`` PreviewRow), each target's message
    through the template preview's include."""
    rows = []
    for row in preview:
        parts = []
        for message in row.messages:
            shown, items = part_preview(message.rendered)
            parts.append(
                {
                    "part": message.part,
                    "name": PART_NAMES.get(message.part, message.part),
                    "target": message.target,
                    "html": render_to_string(
                        PREVIEW_INCLUDE, {"preview": shown, "extra_items": items}
                    ),
                }
            )
        rows.append({"line": row.line, "user": row.user, "parts": parts})
    return rows


def preview_view(model_admin, request, object_id):
    job = get_job(model_admin, request, object_id)
    site = model_admin.admin_site.name
    if job.state not in PREVIEW_STATES:
        messages.info(
            request,
            _("Job %(job)s is %(state)s: it has no preview to confirm any more.")
            % {"job": job.pk, "state": job.get_state_display().lower()},
        )
        return HttpResponseRedirect(job_url("change", job, site))
    may_send = model_admin.has_send_permission(request)
    duplicate = jobs.duplicate_of(job, job.template)
    data = request.POST if request.method == "POST" else None
    form = SendForm(data, duplicate=duplicate)
    if data is not None:
        if not may_send:
            raise PermissionDenied
        if job.state == SendJob.AWAITING_APPROVAL:
            # Waiting for approval: only the Approve button starts it.
            messages.error(
                request,
                _("Job %(job)s waits for approval: it cannot be sent before.")
                % {"job": job.pk},
            )
            return HttpResponseRedirect(job_url("preview", job, site))
        if form.is_valid():
            return send(model_admin, request, job, duplicate)
    waiting = job.state == SendJob.AWAITING_APPROVAL
    preview = jobs.preview_job(job, PREVIEW_ROWS)
    mine = job.created_by_id == request.user.pk
    summary = job.summary or {}
    skipped = list(summary.get("skipped") or [])
    context = page_context(
        model_admin,
        request,
        job,
        _("Preview of job %(job)s") % {"job": job.pk},
        rows=rendered_rows(preview),
        preview_gone=not preview and not job.has_file,
        totals=sorted((summary.get("totals") or {}).items()),
        total=job.notification_count,
        skipped=skipped[:SKIPPED_SHOWN],
        skipped_hidden=max(job.skipped_count - SKIPPED_SHOWN, 0),
        duplicate=duplicate,
        duplicate_when=when(duplicate.started_at or duplicate.created_at)
        if duplicate
        else "",
        duplicate_url=job_url("change", duplicate, site) if duplicate else "",
        waiting=waiting,
        may_send=may_send and not waiting,
        may_approve=waiting and may_send and not mine,
        creator_waits=waiting and mine,
        form=form,
        approve_url=job_url("approve", job, site),
        cancel_url=job_url("cancel", job, site),
        can_cancel=model_admin.has_change_permission(request, job),
    )
    return TemplateResponse(request, TEMPLATE, context)


def send_note(duplicate):
    """The log's words for a send confirmed despite the duplicate warning."""
    if duplicate is None:
        return ""
    return " " + _(
        "Confirmed despite the duplicate warning (the same file was job %(job)s)."
    ) % {"job": duplicate.pk}


def send(model_admin, request, job, duplicate):
    """Start the job; log and say what happened."""
    site = model_admin.admin_site.name
    try:
        jobs.start(job, confirmed_duplicate=duplicate is not None, by=request.user)
    except jobs.JobError as err:
        messages.error(request, str(err))
        return HttpResponseRedirect(job_url("preview", job, site))
    text = started_message(job)
    log_job(request, job, text + send_note(duplicate))
    messages.success(request, text)
    return HttpResponseRedirect(job_url("change", job, site))


def started_message(job):
    """What starting a job did, in words (its state after ``jobs.start``)."""
    job.refresh_from_db()
    if job.state == SendJob.SCHEDULED:
        return ngettext(
            "Job %(job)s: %(n)d notification scheduled for %(when)s.",
            "Job %(job)s: %(n)d notifications scheduled for %(when)s.",
            job.created_count,
        ) % {"job": job.pk, "n": job.created_count, "when": when(job.scheduled_for)}
    if job.state == SendJob.CREATING:
        return ngettext(
            "Job %(job)s: %(n)d notification is being created in the background.",
            "Job %(job)s: %(n)d notifications are being created in the background.",
            job.notification_count,
        ) % {"job": job.pk, "n": job.notification_count}
    return ngettext(
        "Job %(job)s: %(n)d notification created and sending.",
        "Job %(job)s: %(n)d notifications created and sending.",
        job.created_count,
    ) % {"job": job.pk, "n": job.created_count}
