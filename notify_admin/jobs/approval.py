"""The second-person rule: a job sending to more users than
NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD waits until someone other
than its creator, holding the permission the admin's "Send now" needs
(``notify_admin.send_notification``), approves it."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import SendJob
from .errors import ApprovalRefused, JobNotStartable
from .limits import approval_threshold

#: The permission of the notification changelist's "Send now" action.
SEND_PERMISSION = "notify_admin.send_notification"


def needs_approval(job, *, recipients=None):
    """True when ``job`` (not yet approved) sends to more users than the
    threshold; ``recipients`` overrides the job's own count."""
    threshold = approval_threshold()
    if threshold is None or job.approved_at is not None:
        return False
    if recipients is None:
        recipients = job.row_count - job.skipped_count
    return recipients > threshold


def may_approve(job, user):
    """``(True, "")``, or ``(False, the reason)``: for showing the button."""
    if user is None or not getattr(user, "pk", None):
        return False, _("Only a signed-in user can approve a job.")
    if job.created_by_id is not None and job.created_by_id == user.pk:
        return False, _(
            "You created this job: someone else who may send notifications "
            "must approve it."
        )
    if not user.has_perm(SEND_PERMISSION):
        return False, _(
            "Approving a job needs the permission to send notifications "
            "(“Can send notifications now”)."
        )
    return True, ""


def approve(job, user):
    """Record ``user``'s approval; the job goes back to ``checked`` (ready to
    start). Raises ApprovalRefused (the creator, no send permission) or
    JobNotStartable (not waiting for approval, e.g. approved meanwhile)."""
    allowed, reason = may_approve(job, user)
    if not allowed:
        raise ApprovalRefused(reason)
    now = timezone.now()
    changed = SendJob.objects.filter(pk=job.pk, state=SendJob.AWAITING_APPROVAL).update(
        state=SendJob.CHECKED, approved_by=user, approved_at=now
    )
    if not changed:
        raise JobNotStartable(_("This job is not waiting for approval."))
    job.refresh_from_db()
    return job
