"""What cron runs for send jobs (every minute, beside process_notifications).

    python manage.py process_send_jobs [--limit N]

Creates the notifications of large jobs waiting in the background (or whose
worker died), moves created jobs on (scheduled → sending → finished), and
deletes the stored files of jobs never started within
NOTIFICATION_SYSTEM_SEND_JOB_FILE_DAYS. Safe to overlap: each job is taken
with a lease.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ...jobs.process import process_send_jobs


class Command(BaseCommand):
    help = (
        "Create the notifications of send jobs waiting in the background, "
        "mark finished jobs, and delete the files of jobs never started."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Create at most this many jobs in this run (default: all).",
        )

    def handle(self, *args, **options):
        try:
            result = process_send_jobs(limit=options["limit"])
        except DatabaseError as err:
            raise CommandError(f"Could not process send jobs: {err}") from err
        for pk in result.created:
            self.stdout.write(f"Send job #{pk}: notifications created.")
        for pk in result.failed:
            self.stderr.write(f"Send job #{pk}: failed (see the job's page).")
        self.stdout.write(
            f"{len(result.created)} job(s) created, {len(result.failed)} failed, "
            f"{result.finished} finished, {result.expired} expired."
        )
