"""Cancelling a job.

Its open rows become cancelled exactly as the notification changelist's
Cancel action leaves them (OPTED_OUT, ``cancelled_at`` / ``cancelled_by``,
lease cleared; "Undo cancel" works on them), with the action's own rule:
only SCHEDULED and RETRY rows no worker is sending right now. Rows a worker
holds at that moment finish; cancelling again catches any that come back
(a RETRY). One UPDATE whatever the row count, in one transaction with the
job's own state. A job still being created in the background is stopped:
its transaction sees the job cancelled and rolls back.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Notification, SendJob
from .errors import JobError


def cancel(job, by):
    """Cancel ``job``; returns the number of notifications cancelled.
    Raises JobError when the job has finished."""
    now = timezone.now()
    by_pk = getattr(by, "pk", None)
    with transaction.atomic():
        moved = (
            SendJob.objects.filter(pk=job.pk)
            .exclude(state__in=(SendJob.FINISHED, SendJob.CANCELLED))
            .update(
                state=SendJob.CANCELLED,
                cancelled_at=now,
                cancelled_by=by_pk,
                claimed_until=None,
            )
        )
        if (
            not moved
            and not SendJob.objects.filter(pk=job.pk, state=SendJob.CANCELLED).exists()
        ):
            raise JobError(_("This job has finished: there is nothing to cancel."))
        cancelled = (
            Notification.objects.filter(send_job_id=job.pk)
            .open()
            .lease_free(now)
            .update(
                status=Notification.OPTED_OUT,
                cancelled_at=now,
                cancelled_by=by_pk,
                claim_token=None,
                claimed_until=None,
                modified=now,
            )
        )
        job.delete_file()
    job.refresh_from_db()
    return cancelled
