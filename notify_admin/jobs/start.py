"""Starting a job: its rows created now, or handed to the background.

A job of up to NOTIFICATION_SYSTEM_SEND_JOB_BACKGROUND_ROWS rows is created
in the caller's process (the request); a larger one is left ``creating`` for
a Celery task (NOTIFICATION_SYSTEM_SEND_JOB_CELERY) or, without Celery or
when the broker refuses the task, for the ``process_send_jobs`` command that
cron runs. Either way the creation itself is :func:`.create.create_rows`.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import SendJob
from .approval import needs_approval
from .create import claim, create_rows
from .duplicates import duplicate_message, duplicate_of
from .errors import ApprovalRequired, DuplicateJob, JobNotStartable
from .limits import background_rows, use_celery

logger = logging.getLogger("notify_admin.jobs")
#: The Celery task of :mod:`notify_admin.tasks` that creates one job's rows.
CREATE_TASK = "notify_admin.create_send_job"


def start(job, *, confirmed_duplicate=False, by=None, background=None):
    """Start ``job`` (``checked``, or ``failed`` to try again).

    Raises ApprovalRequired (above the threshold and not approved: the job
    is then ``awaiting_approval``), DuplicateJob (the same file went to the
    same template lately and ``confirmed_duplicate`` is False: ``.earlier``
    names that job), JobNotStartable (any other state), JobError (the rows
    cannot be created; the job is ``failed``). ``by``: who confirmed a
    duplicate. ``background``: force (True) or forbid (False) the hand-off.
    Returns the job, refreshed (``sending``/``scheduled``, or ``creating``).
    """
    job.refresh_from_db()
    if job.state == SendJob.AWAITING_APPROVAL:
        raise ApprovalRequired(_("This job waits for a second person's approval."))
    if job.state not in (SendJob.CHECKED, SendJob.FAILED):
        raise JobNotStartable(
            _("This job cannot start: it is %(state)s.")
            % {"state": job.get_state_display().lower()}
        )
    if needs_approval(job):
        SendJob.objects.filter(pk=job.pk, state=job.state).update(
            state=SendJob.AWAITING_APPROVAL
        )
        raise ApprovalRequired(_("This job waits for a second person's approval."))
    if not job.has_file:
        raise JobNotStartable(_("This job's file was deleted: upload it again."))
    earlier = duplicate_of(job)
    if earlier is not None and not confirmed_duplicate:
        raise DuplicateJob(duplicate_message(earlier), earlier)
    taken = SendJob.objects.filter(pk=job.pk, state=job.state).update(
        state=SendJob.CREATING,
        started_at=timezone.now(),
        duplicate_of=earlier,
        duplicate_confirmed_by=by if earlier is not None and by else None,
        claimed_until=None,
        created_count=0,
        failure="",
    )
    if not taken:
        raise JobNotStartable(_("This job was started meanwhile."))
    if background is None:
        background = job.row_count > background_rows()
    if background:
        hand_off(job)
    elif claim(job):
        create_rows(job)
    job.refresh_from_db()
    return job


def hand_off(job):
    """Queue the creation for a Celery worker once the caller's transaction
    commits; without Celery (or when the broker refuses) the job simply
    waits, ``creating``, for the next ``process_send_jobs`` run."""
    if not use_celery():
        return
    transaction.on_commit(lambda: _send_task(job.pk))


def _send_task(job_id):
    try:
        # By name (``notify_admin.tasks`` imports this package), through
        # the host's current Celery app, as ``.delay()`` would.
        from celery import current_app

        current_app.send_task(CREATE_TASK, args=(job_id,))
    except Exception as err:  # the broker's own errors (kombu, redis)
        logger.warning(
            "Send job %s not handed to Celery (%s): process_send_jobs will create it.",
            job_id,
            err,
        )
