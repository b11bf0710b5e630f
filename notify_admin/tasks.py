"""Celery tasks (optional extra ``notify_admin[celery]``): deliver what is due,
send a large admin selection in the background, check receipts, purge.

The tasks hold no lock and keep no state: the rows' claims and leases are the
only coordination, exactly as for cron runs, so any number of workers, beat
ticks and cron hosts may overlap. How that meets Celery's delivery guarantees:

- ``acks_late=True``: the broker message is acknowledged when the task ends,
  so a worker that dies mid-task does not lose it; with
  ``reject_on_worker_lost=True`` a killed pool process puts it straight back
  on the queue (a killed whole worker: Redis hands it out again after its
  ``visibility_timeout``).
- A task delivered twice (redelivery, or a second beat tick while the first
  run is still going) is harmless: the second run claims only rows nobody
  holds, so each row is sent by one run.
- What the killed worker was sending stays leased: nobody sends it until the
  lease (NOTIFICATION_SYSTEM_LEASE_SECONDS) has run out, then the next run
  does. Those rows may go out twice (they left but their outcome was never
  written): at most one batch per killed process; the batch it had claimed
  next was not sent, and is simply sent later.
- Retries: a database error retries the task with a back-off; the retried
  run starts from the rows' state, like any new run. ``send_selected`` retries
  once more after a lease for rows that another run held when it ran.

Wire-up in the host project (see README "Running at scale")::

    from notify_admin.beat import BEAT_SCHEDULE
    app.conf.beat_schedule = {**BEAT_SCHEDULE}
"""

from dataclasses import asdict, is_dataclass

from celery import shared_task
from django.db import DatabaseError

from . import conf
from .beat import BEAT_SCHEDULE  # noqa: F401 (also importable from here)
from .delivery import SENDABLE_NOW, deliver_due, send_now
from .models import Notification
from .retention import purge

# Broker errors must not make a task run again with a half-done effect: the
# only effect of these tasks is on rows, and rows carry their own claims.
DATABASE_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}
COMMON = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="notify_admin.deliver_due", **COMMON, **DATABASE_RETRY)
def deliver_due_task(batch_size=None, limit=None, target=None):
    """What ``process_notifications`` does, in a worker."""
    return deliver_due(
        batch_size=batch_size, limit=limit, target=target, source="celery"
    ).as_dict()


@shared_task(name="notify_admin.send_selected", bind=True, **COMMON, **DATABASE_RETRY)
def send_selected(self, ids, source="celery-admin", batch_size=None):
    """An admin "send now" selection, sent by a worker.

    ``source`` names the DeliveryRun row, which the progress page follows.
    Rows that another run held at the time are tried once more after a lease
    (they are sent by then, or their sender died): the user asked for them.
    """
    result = send_now(
        Notification.objects.filter(pk__in=ids), source=source, batch_size=batch_size
    )
    held = list(
        Notification.objects.filter(
            pk__in=ids, status__in=SENDABLE_NOW, claim_token__isnull=False
        ).values_list("pk", flat=True)
    )
    if held and self.request.retries < 1:
        self.retry(
            args=([str(pk) for pk in held],),
            kwargs={"source": source, "batch_size": batch_size},
            countdown=conf.lease_seconds() + 1,
            max_retries=1,
        )
    return result.as_dict()


@shared_task(name="notify_admin.check_receipts", **COMMON, **DATABASE_RETRY)
def check_receipts_task():
    """Poll provider receipts (Expo) with the feedback module's
    ``check_receipts``; a no-op where that module is not installed."""
    try:
        from .feedback.receipts import check_receipts
    except ImportError:
        return None
    result = check_receipts()
    return asdict(result) if is_dataclass(result) else result


@shared_task(name="notify_admin.purge", **COMMON, **DATABASE_RETRY)
def purge_task(days=None):
    """``purge_notifications`` with the NOTIFICATION_SYSTEM_PURGE_AFTER_DAYS default."""
    result = purge(days)
    return {key: value for key, value in result.as_dict().items() if key != "cutoff"}


@shared_task(name="notify_admin.create_send_job", **COMMON, **DATABASE_RETRY)
def create_send_job(job_id):
    """Create a large send job's notifications (what ``process_send_jobs``
    does for it); a no-op when another worker or cron has the job."""
    from .jobs.process import create_job
    from .models import SendJob

    job = SendJob.objects.filter(pk=job_id, state=SendJob.CREATING).first()
    if job is None:
        return None
    return create_job(job)


@shared_task(name="notify_admin.process_send_jobs", **COMMON, **DATABASE_RETRY)
def process_send_jobs_task():
    """``process_send_jobs`` in a worker (beat may run it every minute)."""
    from .jobs.process import process_send_jobs

    return process_send_jobs().as_dict()
