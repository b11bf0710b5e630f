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
``preview_job(job, limit=5)``
    The same preview for a saved job: its stored file's first rows rendered
    from the version it pinned (reads only that far).
``duplicate_of(job_or_sha, template, within=timedelta(hours=24))``
    The earlier job of the same file and template, or None.
``needs_approval(job)`` / ``may_approve(job, user)`` / ``approve(job, user)``
    The second-person rule (``approve`` raises :class:`ApprovalRefused`;
    ``may_approve`` returns ``(allowed, reason)`` for showing a button).
``start(job, *, confirmed_duplicate=False, by=None)``
    Create the rows now (one transaction, in batches) or hand a large file to
    the background; raises :class:`DuplicateJob`, :class:`ApprovalRequired`.
``cancel(job, by)``
    The job's open rows become cancelled, as the admin's Cancel action does.
``job_counts(job)``
    A :class:`JobCounts` (``by_status``, ``by_target``, ``total``, ``open``)
    in one query; it also moves a finished job to ``finished``.
``export_rows(job)`` / ``EXPORT_COLUMNS``
    The job's notifications with their outcome and the provider's reason.
``process_send_jobs()``
    What cron runs: background creations, states, retention of files.

States (``SendJob.state``): ``checked`` → (``awaiting_approval`` →
``checked``) → ``creating`` → ``scheduled`` / ``sending`` → ``finished``;
``cancelled`` from any state before ``finished``; ``failed`` when the rows
could not be created (nothing was), startable again.
"""

import importlib

# The API is imported on first use (PEP 562): Django imports this package at
# set-up for its system check (``jobs.checks``), and a delivery run from cron
# should not pay for the file readers (tablib, import-export, XML) it never
# uses. ``name: (module, attribute)``.
_EXPORTS = {
    "SEND_PERMISSION": (".approval", "SEND_PERMISSION"),
    "approve": (".approval", "approve"),
    "may_approve": (".approval", "may_approve"),
    "needs_approval": (".approval", "needs_approval"),
    "cancel": (".cancel", "cancel"),
    "JobCheck": (".check", "JobCheck"),
    "JobProblem": (".check", "JobProblem"),
    "check_file": (".check", "check_file"),
    "JobCounts": (".counts", "JobCounts"),
    "job_counts": (".counts", "job_counts"),
    "duplicate_of": (".duplicates", "duplicate_of"),
    "ApprovalRefused": (".errors", "ApprovalRefused"),
    "ApprovalRequired": (".errors", "ApprovalRequired"),
    "DuplicateJob": (".errors", "DuplicateJob"),
    "JobError": (".errors", "JobError"),
    "JobNotStartable": (".errors", "JobNotStartable"),
    "EXPORT_COLUMNS": (".export", "EXPORT_COLUMNS"),
    "export_rows": (".export", "export_rows"),
    "prepare_job": (".prepare", "prepare_job"),
    "PreviewMessage": (".preview", "PreviewMessage"),
    "PreviewRow": (".preview", "PreviewRow"),
    "preview_job": (".preview", "preview_job"),
    "process_send_jobs": (".process", "process_send_jobs"),
    "RULE_LABELS": (".rules", "LABELS"),
    "start": (".start", "start"),
}


def __getattr__(name):
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTS})


__all__ = sorted(_EXPORTS)
