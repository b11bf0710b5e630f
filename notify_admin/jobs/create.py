"""Creating a job's notifications: all of them in one transaction, or none.

The stored file is read again (a batch of rows at a time) and each row is
rendered from the job's pinned version exactly as the creation calls render
(the same :class:`~notify_admin.models.template_plan.Plan`, the same
``insert_rows``: one INSERT a batch on PostgreSQL), every row pointing to
the job. Users who opted out since the check, or whose addresses were
deactivated, are skipped and counted; a row that can no longer be rendered
(a user deleted, a value now too long) fails the whole job: nothing is
created, the job is ``failed`` with the reasons, and may be started again.

The job is taken with a lease (``claimed_until``), so a worker that dies
mid-way leaves it to the next ``process_send_jobs`` run. At the end one
conditional UPDATE moves it on (``scheduled`` / ``sending``) inside the same
transaction: a job cancelled meanwhile is not moved, and its rows are rolled
back.
"""

import logging
import uuid
from datetime import timedelta
from itertools import islice

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import TemplateChannelMissing, TemplateRenderError
from ..models import Notification, SendJob
from .errors import JobError
from .header import read_header
from .limits import batch_size, creation_lease
from .plan import JobPlan
from .progress import Progress
from .reading import FileProblem, FileRows
from .recipients import Recipients

logger = logging.getLogger("notify_admin.jobs")
#: Row problems listed in a failed job's ``failure`` (the count is full).
FAILURES_LISTED = 20


class Cancelled(Exception):
    """The job was cancelled while its rows were being created."""


def claim(job, now=None):
    """Take ``job`` (state ``creating``, no live lease) for this process;
    False when another process holds it or it is no longer creating."""
    now = now or timezone.now()
    return bool(
        SendJob.objects.filter(pk=job.pk, state=SendJob.CREATING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=creation_lease()))
    )


def create_rows(job):
    """Create the notifications of a claimed job; returns the job refreshed.

    Raises JobError when the rows cannot be created (the job is then
    ``failed``); a database error leaves the job ``creating`` with its lease
    released, for the next try, and is raised."""
    progress = Progress(job)
    try:
        with transaction.atomic():
            created, skipped = _create(job, progress)
            _finish(job, created, skipped)
    except Cancelled:
        logger.info("Send job %s was cancelled while its rows were created.", job.pk)
    except DatabaseError:
        SendJob.objects.filter(pk=job.pk, state=SendJob.CREATING).update(
            claimed_until=None
        )
        raise
    except (JobError, FileProblem) as err:
        # Not failed when it was cancelled meanwhile (its file was deleted).
        if _fail(job, str(err)):
            raise JobError(str(err)) from err
    except Exception as err:
        logger.exception("Send job %s: creating its rows failed.", job.pk)
        if _fail(
            job, _("Creating the notifications failed: %(error)s") % {"error": err}
        ):
            raise
    finally:
        progress.close()
    job.refresh_from_db()
    return job


def _fail(job, message):
    return SendJob.objects.filter(pk=job.pk, state=SendJob.CREATING).update(
        state=SendJob.FAILED, failure=message, claimed_until=None, created_count=0
    )


def _finish(job, created, skipped):
    now = timezone.now()
    later = job.scheduled_for is not None and job.scheduled_for > now
    moved = SendJob.objects.filter(pk=job.pk, state=SendJob.CREATING).update(
        state=SendJob.SCHEDULED if later else SendJob.SENDING,
        created_count=created,
        # Opted out at creation time (those of the check among them, if still).
        skipped_count=skipped["opted_out"],
        summary={**job.summary, "skipped_at_creation": skipped},
        claimed_until=None,
        failure="",
    )
    if not moved:
        raise Cancelled
    # The file is not needed any more: its rows hold everything.
    job.delete_file()


def _create(job, progress):
    plan = JobPlan(job.template, job.template_version)
    recipients = Recipients(plan)
    fixed = {
        "status": Notification.SCHEDULED,
        "category_id": job.template.category_id,
        "scheduled_delivery": job.scheduled_for or timezone.now(),
        "retry_time_interval": 0,
        "max_retries": 3,
        "send_job_id": job.pk,
        "template_version_id": job.template_version_id,
    }
    created, skipped, problems = 0, {"opted_out": 0, "no_address": 0}, []
    stream = job.open_file()
    rows = FileRows(stream, job.file_name, limit=None).open()
    columns = read_header(rows.header, job.template_version, job.template.name)
    if columns.problems:
        raise JobError(columns.problems[0][2])
    row_iter = iter(rows)
    while batch := list(islice(row_iter, batch_size())):
        recipients.load(cells[columns.user] for _line, cells in batch)
        new = []
        for row in batch:
            new += _row(plan, recipients, columns, row, fixed, (skipped, problems))
        if problems:
            continue  # nothing will be kept: read on, to list every problem
        Notification.objects.insert_rows(new)
        created += len(new)
        progress(created)
    rows.finish()
    if rows.sha256 != job.file_sha256:
        raise JobError(_("The stored file has changed since it was checked."))
    if problems:
        raise JobError(_failure(problems))
    return created, skipped


def _row(plan, recipients, columns, row, fixed, found):
    """The new notifications of one row (as dicts); ``found``: the
    ``(skipped, problems)`` the row adds to."""
    (line, cells), (skipped, problems) = row, found
    try:
        user = recipients.user(cells[columns.user])
    except ValueError as err:
        problems.append((line, str(err)))
        return []
    target = None
    if columns.target is not None and cells[columns.target].strip():
        target = plan.find_target(cells[columns.target])
        if target is None or target.pk not in plan.targets:
            problems.append((line, _("The target is not one of the template's.")))
            return []
    if user.pk in recipients.opted_out:
        skipped["opted_out"] += 1
        return []
    mine = recipients.addresses(user, target)
    if not mine:
        skipped["no_address"] += 1
        return []
    try:
        version, messages = plan.messages(user, columns.personalisation(cells), mine)
    except (TemplateRenderError, TemplateChannelMissing) as err:
        problems.append((line, str(err)))
        return []
    return [
        {
            "id": uuid.uuid4(),
            "user_target_id": record_id,
            "title": messages[target_id].title,
            "body": messages[target_id].body,
            "extra": messages[target_id].extra,
            **fixed,
        }
        for record_id, target_id in mine
    ]


def _failure(problems):
    lines = [
        _(
            "Nothing was created: %(n)d rows can no longer be sent (the data "
            "changed since the file was checked)."
        )
        % {"n": len(problems)}
    ]
    lines += [
        _("Line %(line)d: %(message)s") % {"line": line, "message": message}
        for line, message in problems[:FAILURES_LISTED]
    ]
    return "\n".join(lines)
