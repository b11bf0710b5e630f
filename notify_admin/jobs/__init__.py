"""Send jobs: a file of recipients checked row by row, then sent as one job.

The public API (the admin and the ``send_job`` command use only this):

``check_file(uploaded_file, template, *, language=None) -> JobCheck``
    Read and check every row (nothing is written). ``JobCheck.errors`` is a
    list of :class:`JobProblem` ``(line, column, message)`` in GOV.UK
    Notify's order; ``.ok``, ``.row_count``, ``.skipped`` (opted-out users),
    ``.totals`` ({target name: notifications}), ``.preview(limit=5)``,
    ``.sha256``, ``.file_name``, ``.size``, ``.version``.
``prepare_job(check, uploaded_file, *, template, by, scheduled_for=None)``
    Save a checked file as a :class:`~notify_admin.models.SendJob` (state
    ``checked``, or ``awaiting_approval`` above the approval threshold).
``duplicate_of(job_or_sha, template, within=timedelta(hours=24))``
    The earlier job of the same file and template, or None.
``needs_approval(job)`` / ``approve(job, user)``
    The second-person rule (raises :class:`ApprovalRefused`).
``start(job, *, confirmed_duplicate=False, by=None)``
    Create the rows now (one transaction, in batches) or hand a large file to
    the background; raises :class:`DuplicateJob`, :class:`ApprovalRequired`.
``cancel(job, by)``
    The job's open rows become cancelled, as the admin's Cancel action does.
``job_counts(job)`` / ``export_rows(job)``
    Counts by status and channel; the rows with their outcome.
"""

from .approval import approve, needs_approval
from .cancel import cancel
from .check import JobCheck, JobProblem, check_file
from .counts import job_counts
from .duplicates import duplicate_of
from .errors import (
    ApprovalRefused,
    ApprovalRequired,
    DuplicateJob,
    JobError,
    JobNotStartable,
)
from .export import export_rows
from .prepare import prepare_job
from .start import start

__all__ = [
    "ApprovalRefused",
    "ApprovalRequired",
    "DuplicateJob",
    "JobCheck",
    "JobError",
    "JobNotStartable",
    "JobProblem",
    "approve",
    "cancel",
    "check_file",
    "duplicate_of",
    "export_rows",
    "job_counts",
    "needs_approval",
    "prepare_job",
    "start",
]
