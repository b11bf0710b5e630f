"""What the ``process_send_jobs`` command (cron) and the Celery task do.

- create the rows of jobs left ``creating`` (large files; a Celery task that
  never ran; a worker that died: its lease ran out), one job at a time;
- move created jobs on (``scheduled`` → ``sending`` → ``finished``);
- retention: the stored file of a job never started is deleted after
  NOTIFICATION_SYSTEM_SEND_JOB_FILE_DAYS days, and the job is cancelled
  (a started job's file is deleted as soon as its rows exist).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Notification, SendJob, SendJobChunk
from .create import claim, create_rows
from .errors import JobError
from .limits import file_days

logger = logging.getLogger("notify_admin.jobs")


@dataclass
class ProcessResult:
    created: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    finished: int = 0
    expired: int = 0

    def as_dict(self):
        return {
            "created": self.created,
            "failed": self.failed,
            "finished": self.finished,
            "expired": self.expired,
        }


def process_send_jobs(now=None, *, limit=None):
    """One pass; returns a :class:`ProcessResult`."""
    now = now or timezone.now()
    result = ProcessResult()
    waiting = SendJob.objects.filter(state=SendJob.CREATING).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    for job in waiting.order_by("started_at", "pk")[:limit]:
        create_job(job, result)
    result.finished = settle_all(timezone.now())
    result.expired = expire_files(timezone.now())
    return result


def create_job(job, result=None):
    """Create a ``creating`` job's rows unless another process has it."""
    if not claim(job):
        return None
    try:
        create_rows(job)
    except JobError as err:
        logger.warning("Send job %s failed: %s", job.pk, err)
        if result is not None:
            result.failed.append(job.pk)
        return False
    if result is not None:
        result.created.append(job.pk)
    return True


def settle_all(now):
    """Scheduled jobs whose time has come are sending; sending jobs without
    open rows are finished. Two UPDATEs."""
    SendJob.objects.filter(state=SendJob.SCHEDULED).filter(
        Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now)
    ).update(state=SendJob.SENDING)
    open_rows = Notification.objects.filter(
        send_job=OuterRef("pk"), status__in=Notification.OPEN_STATUSES
    )
    return (
        SendJob.objects.filter(state=SendJob.SENDING)
        .exclude(Exists(open_rows))
        .update(state=SendJob.FINISHED, finished_at=now)
    )


def expire_files(now):
    cutoff = now - timedelta(days=file_days())
    stale = SendJob.objects.filter(
        state__in=(SendJob.CHECKED, SendJob.AWAITING_APPROVAL, SendJob.FAILED),
        created_at__lt=cutoff,
    )
    with transaction.atomic():
        pks = list(stale.select_for_update().values_list("pk", flat=True))
        if not pks:
            return 0
        SendJobChunk.objects.filter(job_id__in=pks).delete()
        return SendJob.objects.filter(pk__in=pks).update(
            state=SendJob.CANCELLED,
            cancelled_at=now,
            failure=_("Never started within %(days)s days: its file was deleted.")
            % {"days": f"{file_days():g}"},
        )
