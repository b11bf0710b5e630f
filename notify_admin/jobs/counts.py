"""A job's notifications counted by status and channel (one query), and the
job moved on when they are all done."""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone

from ..models import Notification, SendJob

#: The key of OPTED_OUT rows a staff member cancelled (the dashboard's).
CANCELLED = "CANCELLED"


@dataclass
class JobCounts:
    """``by_status``: ``{status: n}`` (``CANCELLED`` apart from a user's
    OPTED_OUT); ``by_target``: ``{target name: {status: n}}``; ``total``;
    ``open``: SCHEDULED and RETRY rows (still to be sent)."""

    by_status: dict = field(default_factory=dict)
    by_target: dict = field(default_factory=dict)
    total: int = 0

    @property
    def open(self):
        return sum(self.by_status.get(s, 0) for s in Notification.OPEN_STATUSES)

    def as_dict(self):
        return {
            "by_status": self.by_status,
            "by_target": self.by_target,
            "total": self.total,
            "open": self.open,
        }


def job_counts(job, *, settle=True):
    """The :class:`JobCounts` of ``job`` (one GROUP BY query). With
    ``settle``, a job whose rows are all done is marked finished, and a
    scheduled one whose time has come sending (so a page polling the counts
    sees the job move on without waiting for cron)."""
    rows = (
        Notification.objects.filter(send_job_id=job.pk)
        .order_by()
        .annotate(
            staff_cancelled=ExpressionWrapper(
                Q(cancelled_at__isnull=False), output_field=BooleanField()
            )
        )
        .values("user_target__target__name", "status", "staff_cancelled")
        .annotate(n=Count("pk"))
    )
    counts = JobCounts()
    for row in rows:
        status = row["status"]
        if status == Notification.OPTED_OUT and row["staff_cancelled"]:
            status = CANCELLED
        target = counts.by_target.setdefault(row["user_target__target__name"], {})
        target[status] = target.get(status, 0) + row["n"]
        counts.by_status[status] = counts.by_status.get(status, 0) + row["n"]
        counts.total += row["n"]
    if settle:
        settle_state(job, counts)
    return counts


def settle_state(job, counts):
    """Move a created job on: ``scheduled`` → ``sending`` when its time has
    come, → ``finished`` when none of its rows is open. Conditional UPDATEs:
    a job cancelled meanwhile stays cancelled."""
    now = timezone.now()
    due = job.scheduled_for is None or job.scheduled_for <= now
    if job.state == SendJob.SCHEDULED and due and _move(job, SendJob.SENDING):
        job.state = SendJob.SENDING
    done = job.state == SendJob.SENDING and counts.open == 0
    if done and _move(job, SendJob.FINISHED, finished_at=now):
        job.state, job.finished_at = SendJob.FINISHED, now


def _move(job, state, **values):
    return SendJob.objects.filter(pk=job.pk, state=job.state).update(
        state=state, **values
    )
