"""Deliver the notifications that are due (run it from cron every minute)."""

import atexit
import gc
import math

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.db.models import Q

from ...delivery import RunResult, plan_due
from ...models import NotificationTarget
from ...processes import run_processes
from ...runner import Runner

# Problems of one target only: its rows are left unsent (or failed, for an
# unknown channel) at send time, so they must not stop everything else.
PER_TARGET_CHECKS = {"notify_admin.E010", "notify_admin.E011", "notify_admin.E012"}
# Checks of what serves pages, which a delivery run never does, and of other
# management commands: they import the URLconf, every ModelAdmin and the
# migration autodetector (a third of a run's start-up), and a broken admin
# page must not stop delivery. `manage.py check` and runserver run them.
PAGE_CHECK_TAGS = {
    checks.Tags.admin,
    checks.Tags.urls,
    checks.Tags.templates,
    checks.Tags.staticfiles,
    # Django 5.2+: migrate and makemigrations use the same autodetector.
    getattr(checks.Tags, "commands", "commands"),
}
# Untagged, but of the request pipeline too: it imports every middleware.
PAGE_CHECKS = {"django.contrib.auth.checks.check_middleware"}


class Command(BaseCommand):
    help = (
        "Deliver due notifications: claim them in batches with a lease, send, and "
        "record each outcome. Safe to run several at once."
    )
    # The checks run in handle(): a per-target problem is reported, not fatal.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=None,
            help="Rows per batch (default: NOTIFICATION_SYSTEM_BATCH_SIZE, 500).",
        )
        parser.add_argument(
            "--limit",
            type=positive_int,
            default=None,
            help="Handle at most this many rows.",
        )
        parser.add_argument(
            "--target",
            default=None,
            help="Only notifications of this target (name or module name).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be sent and change nothing.",
        )
        parser.add_argument(
            "--loop",
            type=positive_float,
            default=None,
            metavar="SECONDS",
            help="Keep running, starting a run every SECONDS, until SIGTERM/SIGINT.",
        )
        parser.add_argument(
            "--processes",
            type=positive_int,
            default=1,
            metavar="N",
            help="Run N delivery processes sharing the claims (default 1): one "
            "per core for email, which one Python process sends on one core. "
            "--limit applies to each.",
        )

    def handle(self, *args, **options):
        skip_final_collections()
        self.check_configuration()
        self.check_target(options["target"])
        if options["dry_run"]:
            return self.dry_run(options)
        if options["processes"] > 1:
            return self.several(options)
        if options["loop"]:
            return self.loop(options)
        try:
            self.run_once(options)
        except (DatabaseError, ImproperlyConfigured) as err:
            raise CommandError(f"Could not deliver notifications: {err}") from err

    def check_configuration(self):
        problems = [e for e in delivery_checks() if not e.is_silenced()]
        for problem in problems:
            if problem.id in PER_TARGET_CHECKS:
                self.stderr.write(f"{problem.id}: {problem.msg}")
        fatal = [
            problem
            for problem in problems
            if problem.is_serious() and problem.id not in PER_TARGET_CHECKS
        ]
        if fatal:
            raise CommandError(
                "Configuration errors:\n" + "\n".join(str(problem) for problem in fatal)
            )

    def check_target(self, name):
        if name is None:
            return
        if not name.strip():
            # An empty shell variable must not widen the run to every target.
            raise CommandError("--target needs a target name (or leave it out).")
        try:
            exists = NotificationTarget.objects.filter(
                Q(name=name) | Q(notification_module_name=name)
            ).exists()
        except DatabaseError as err:
            raise CommandError(f"Could not deliver notifications: {err}") from err
        if not exists:
            raise CommandError(f"There is no notification target named {name!r}.")

    @property
    def runner(self):
        return Runner(self.stdout, self.stderr)

    def run_once(self, options):
        return self.runner.run_once(options)

    def loop(self, options):
        return self.runner.loop(options)

    def several(self, options):
        count = options["processes"]
        try:
            results, failed = run_processes(count, options)
        except RuntimeError as err:
            raise CommandError(str(err)) from err
        if not options["loop"]:
            self.stdout.write(
                f"total of {count} processes: {RunResult.total(results).summary()}"
            )
        if failed:
            raise CommandError(f"{failed} of {count} delivery processes failed.")

    def dry_run(self, options):
        count = 0
        try:
            for notification, preview in plan_due(
                limit=options["limit"], target=options["target"]
            ):
                count += 1
                self.stdout.write(describe(notification, preview))
        except (DatabaseError, ImproperlyConfigured) as err:
            raise CommandError(f"Could not list due notifications: {err}") from err
        self.stdout.write(f"Would send {count} notification(s); nothing was changed.")


_EXIT_REGISTERED = []


def skip_final_collections():
    """At interpreter exit, freeze what is left instead of collecting it.

    Python's shutdown runs full garbage collections over every object Django
    and the apps set up (about 60,000): 60 ms of a 0.3 s cron run with
    nothing due, for memory the operating system takes back anyway. Only the
    exit changes: an ``atexit`` callback (a long-lived process that calls
    this command keeps its collector until it exits); the other exit
    handlers (logging's flush and close) still run, the thread pools are
    joined before any of them, and only the final collections are skipped.
    Objects still in reference cycles at exit then get no ``__del__``, which
    Python never guaranteed.
    """
    if not _EXIT_REGISTERED:
        _EXIT_REGISTERED.append(True)
        atexit.register(gc.freeze)


def delivery_checks():
    """Every registered system check (untagged ones too) but those of pages."""
    problems = []
    for check in checks.registry.registry.get_checks():
        name = f"{check.__module__}.{check.__qualname__}"
        if name in PAGE_CHECKS or not PAGE_CHECK_TAGS.isdisjoint(
            getattr(check, "tags", ())
        ):
            continue
        problems.extend(check(app_configs=None, databases=None))
    return problems


def describe(notification, preview):
    target = notification.user_target.target.name
    where = preview.get("error") or f"to {preview.get('to', '?')}"
    return f"{notification.pk} [{target}] {where}: {notification.title}"


def positive_int(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def positive_float(value):
    number = float(value)
    # "nan" compares False with everything and "inf" never ends a wait: a
    # --loop of either would hang instead of running.
    if not math.isfinite(number) or number <= 0:
        raise ValueError(value)
    return number


# argparse names the type in its error message.
positive_int.__name__ = "positive integer"
positive_float.__name__ = "positive number"
