"""Send a template to the users of a CSV file: a send job, from a script or cron.

    python manage.py send_job FILE --template KEY [--at TIME] [--dry-run]
        [--language LANG] [--as USER] [--approved-by USER]
        [--confirm-duplicate] [--user-field username|email] [--background]

The file is checked exactly as the admin checks an upload
(:mod:`notify_admin.jobs`); every problem is printed as ``line N, column C:
message`` on stderr and the command exits with status 1, saving nothing.

Guards, as in the admin:

- the same file sent to the same template within 24 hours is refused
  unless ``--confirm-duplicate`` (the earlier job is named);
- above NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD users the job needs
  a second person: ``--approved-by USER``, a user other than ``--as`` (the
  creator, required then) who holds ``notify_admin.send_notification``.
  Without it the job is saved waiting for approval (exit status 3): someone
  approves and starts it in the admin.

The rows are created in this process (one transaction) unless
``--background``. Both users' actions go to the admin log.
"""

import argparse

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ...exceptions import TemplateNotFound
from ...imports.columns import USER_FIELDS
from ...jobs import (
    JobError,
    approve,
    check_file,
    duplicate_of,
    may_approve,
    needs_approval,
    prepare_job,
    start,
)
from ...jobs.duplicates import duplicate_message
from ...jobs.log import log_job
from ...models import SendJob

#: Exit status of a job saved to wait for a second person's approval.
AWAITING_APPROVAL = 3


class Command(BaseCommand):
    help = (
        "Check a CSV file of users (column user, optional target, a column per "
        "placeholder) and send the template to them as one send job."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV/TSV file.")
        parser.add_argument("--template", required=True, help="The template's key.")
        parser.add_argument(
            "--at",
            type=when,
            default=None,
            metavar="TIME",
            help="Send at this time (ISO 8601, e.g. 2026-05-01T09:00; default: now).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and print what would be sent; save nothing.",
        )
        parser.add_argument(
            "--language", default=None, help="The template's language (code)."
        )
        parser.add_argument(
            "--as", dest="as_user", default=None, metavar="USER",
            help="Username of the person sending (the job's creator, in the "
            "admin log).",
        )  # fmt: skip
        parser.add_argument(
            "--approved-by", default=None, metavar="USER",
            help="Username of a second person, holding the send permission, "
            "who approves a job above the approval threshold.",
        )  # fmt: skip
        parser.add_argument(
            "--confirm-duplicate",
            action="store_true",
            help="Send even though the same file went to this template lately.",
        )
        parser.add_argument(
            "--user-field",
            choices=USER_FIELDS,
            default=None,
            help="What the user column holds (default: a username, else an "
            "email address).",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Leave the creation to a Celery worker or process_send_jobs.",
        )

    def handle(self, *args, **options):
        creator = find_user(options["as_user"], "--as")
        approver = find_user(options["approved_by"], "--approved-by")
        try:
            check = check_file(
                options["file"],
                options["template"],
                language=options["language"],
                user_field=options["user_field"],
            )
        except TemplateNotFound as err:
            raise CommandError(str(err)) from err
        except OSError as err:
            raise CommandError(f"Cannot read {options['file']}: {err}") from err
        self.report(check)
        if not check.ok:
            raise CommandError(
                f"Nothing sent: {check.error_count} problem(s); fix them and run "
                "again.",
                returncode=1,
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was saved.")
            return
        earlier = duplicate_of(check.sha256, check.template)
        if earlier is not None and not options["confirm_duplicate"]:
            raise CommandError(
                f"{duplicate_message(earlier)} (--confirm-duplicate)", returncode=1
            )
        self.send(check, options, creator, approver)

    def send(self, check, options, creator, approver):
        if approver is not None:
            if creator is None:
                raise CommandError("--approved-by needs --as (the job's creator).")
            allowed, reason = may_approve(SendJob(created_by=creator), approver)
            if not allowed:
                raise CommandError(f"--approved-by: {reason}", returncode=1)
        job = prepare_job(
            check,
            options["file"],
            template=check.template,
            by=creator,
            scheduled_for=options["at"],
        )
        log_job(job, creator, f"Created by the send_job command from {job.file_name}.",
                added=True)  # fmt: skip
        if needs_approval(job):
            if approver is None:
                self.stdout.write(
                    f"Send job #{job.pk} waits for approval by a second person "
                    "(approve it in the admin, or run with --as and --approved-by)."
                )
                raise SystemExit(AWAITING_APPROVAL)
            approve(job, approver)
            log_job(job, approver, f"Approved (send_job command); created by "
                    f"{creator.get_username()}.")  # fmt: skip
        try:
            job = start(
                job,
                confirmed_duplicate=options["confirm_duplicate"],
                by=creator,
                background=bool(options["background"]),
            )
        except JobError as err:
            raise CommandError(f"Send job #{job.pk}: {err}", returncode=1) from err
        log_job(job, creator, f"Started (send_job command): {job.get_state_display()}.")
        self.stdout.write(self.style.SUCCESS(describe(job)))

    def report(self, check):
        self.stdout.write(
            f"Read {check.file_name}: {check.row_count} row(s), encoding "
            f"{check.encoding or '?'}, SHA-256 {check.sha256 or '?'}."
        )
        for problem in check.errors:
            self.stderr.write(str(problem))
        shown = len(check.errors)
        if check.error_count > shown:
            self.stderr.write(f"… and {check.error_count - shown} more problem(s).")
        if not check.ok:
            return
        for name, count in sorted(check.totals.items()):
            self.stdout.write(f"{name}: {count} notification(s)")
        if check.skipped_count:
            names = ", ".join(name for _line, name in check.skipped[:20])
            self.stdout.write(
                f"Skipped {check.skipped_count} user(s) who opted out: {names}"
            )


def describe(job):
    if job.state == job.CREATING:
        return (
            f"Send job #{job.pk}: handed to the background; process_send_jobs "
            "or a Celery worker creates its notifications."
        )
    when = timezone.localtime(job.scheduled_for or job.started_at)
    state = job.get_state_display().lower()
    return (
        f"Send job #{job.pk}: {job.created_count} notification(s) created, "
        f"{state} (from {when:%Y-%m-%d %H:%M})."
    )


def find_user(username, option):
    if not username:
        return None
    User = get_user_model()
    try:
        return User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist as err:
        raise CommandError(f"{option}: there is no user {username!r}.") from err


def when(value):
    """``--at``: an ISO 8601 date and time (naive: the current time zone)."""
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not a date and time: {value!r}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
