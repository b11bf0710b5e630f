"""Recount the dashboard's notification counts (or compare them, with --check)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ...models import NotificationCount


class Command(BaseCommand):
    help = (
        "Recount the notification counts the dashboard reads (PostgreSQL keeps "
        "them with triggers) from the notifications themselves. --check "
        "compares them and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the counts with a fresh count; exit 1 if they differ.",
        )

    def handle(self, *args, **options):
        counts = NotificationCount.objects
        if not counts.kept():
            self.stdout.write(
                "This database keeps no notification counts (PostgreSQL only): "
                "the dashboard counts the notifications themselves."
            )
            return
        try:
            if options["check"]:
                return self.check_counts()
            groups = counts.rebuild()
        except DatabaseError as err:
            raise CommandError(f"Could not count notifications: {err}") from err
        self.stdout.write(f"Recounted: {groups} target x status x quarter-hour groups.")

    def check_counts(self):
        kept = NotificationCount.objects.kept_counts()
        fresh = NotificationCount.objects.fresh()
        keys = kept.keys() | fresh.keys()
        wrong = sorted((k for k in keys if kept.get(k) != fresh.get(k)), key=str)
        for target_id, status, bucket in wrong[:20]:
            self.stderr.write(
                f"target {target_id} {status} {bucket or 'never attempted'}: "
                f"kept {kept.get((target_id, status, bucket), 0)}, "
                f"counted {fresh.get((target_id, status, bucket), 0)}"
            )
        if wrong:
            raise CommandError(
                f"{len(wrong)} of the counts differ from the notifications; "
                "run rebuild_notification_counts without --check to recount."
            )
        self.stdout.write(f"The counts match the notifications ({len(fresh)} groups).")
