"""Read the providers' receipts for accepted notifications (cron, every few
minutes; ``process_notifications`` does it too)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ...feedback.receipts import MAX_RECEIPT_IDS, check_receipts


class Command(BaseCommand):
    help = (
        "Check push receipts of tickets 15 minutes to 24 hours old: confirm "
        "deliveries, make dead devices inactive, retry transient failures. "
        "Safe to run several at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Check at most this many tickets.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=MAX_RECEIPT_IDS,
            help=f"Tickets per request (at most {MAX_RECEIPT_IDS}).",
        )

    def handle(self, *args, **options):
        for name in ("limit", "batch_size"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        try:
            result = check_receipts(
                batch_size=options["batch_size"], limit=options["limit"]
            )
        except (DatabaseError, ImproperlyConfigured) as err:
            raise CommandError(f"Could not check receipts: {err}") from err
        self.stdout.write(result.summary())
        if result.unavailable:
            self.stderr.write(f"Receipts unavailable: {result.unavailable}")
