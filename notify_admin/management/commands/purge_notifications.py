"""Delete old finished notifications, their attempts, and old delivery runs."""

import math

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ... import conf
from ...retention import BATCH_SIZE, purge


class Command(BaseCommand):
    help = (
        "Delete delivered, failed, inactive-device and opted-out notifications "
        "(with their delivery attempts) and delivery runs older than DAYS. Open "
        "and leased rows are never touched. Safe to run while deliveries go on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=days,
            default=None,
            metavar="DAYS",
            help="Age in days (default: NOTIFICATION_SYSTEM_PURGE_AFTER_DAYS, 90).",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=BATCH_SIZE,
            help=f"Rows deleted per transaction (default {BATCH_SIZE}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted and change nothing.",
        )

    def handle(self, *args, **options):
        older_than = options["older_than"]
        if older_than is None:
            try:
                older_than = days(conf.purge_after_days())
            except (TypeError, ValueError) as err:
                raise CommandError(
                    "NOTIFICATION_SYSTEM_PURGE_AFTER_DAYS must be a number of days "
                    "of at least 1."
                ) from err
        try:
            result = purge(
                older_than,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
            )
        except DatabaseError as err:
            raise CommandError(f"Could not purge notifications: {err}") from err
        self.stdout.write(result.summary(dry_run=options["dry_run"]))
        return None


def days(value):
    number = float(value)
    # Less than a day would purge rows whose receipts may still arrive.
    if not math.isfinite(number) or number < 1:
        raise ValueError(value)
    return number


def positive_int(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


days.__name__ = "number of days (at least 1)"
positive_int.__name__ = "positive integer"
