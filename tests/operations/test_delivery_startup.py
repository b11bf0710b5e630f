"""A delivery run from cron with the console's settings loads only what it uses.

The console's admin app (notify_admin.site.apps.ConsoleAdminConfig) imports
the admin modules with the URLconf, not at ``django.setup()``; Django's
``mail_admins`` handler imports its error reporter when it first mails one;
``process_notifications`` runs every system check but those of pages and of
other commands. Each in a fresh interpreter on a database of its own
(bench/issue25.py times it). ``manage.py check`` still checks every
ModelAdmin, and the console's pages still have notify_admin's admin.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from tests.support.processes import run_script

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import io, json, sys
import django
django.setup()
from django.core.management import call_command
call_command("process_notifications", stdout=io.StringIO(), stderr=io.StringIO())
seen = {"loaded": sorted(sys.modules)}
from notify_admin.models import DeliveryRun
seen["runs"] = DeliveryRun.objects.count()
from django.core import checks
seen["check errors"] = [e.id for e in checks.run_checks() if e.is_serious()]
from django.contrib import admin
from django.contrib.auth import get_user_model
from notify_admin.models import Notification
seen["after check"] = {
    "notification admin": admin.site.is_registered(Notification),
    "user actions": sorted(
        getattr(action, "__name__", str(action))
        for action in admin.site.get_model_admin(get_user_model()).actions or []
    ),
}
print(json.dumps(seen))
"""

# What serving pages needs, and a delivery run does not.
NOT_FOR_DELIVERY = [
    "notify_admin.admin",
    "import_export.admin",
    "import_export.resources",
    "django.contrib.postgres",
    "notify_admin.site.urls",
    "anymail.webhooks",
    "requests",
    "django.views.debug",
    "django.db.migrations.autodetector",
    "whitenoise.middleware",
    "axes.middleware",
    # Send jobs' file readers: the jobs package is imported at set-up for its
    # system check only.
    "notify_admin.jobs.check",
    "notify_admin.imports",
    "tablib",
]


@pytest.mark.slow
def test_a_delivery_run_with_the_console_settings_skips_the_admin_and_pages(
    tmp_path,
):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "notify_admin.site.settings",
        "SECRET_KEY": "test-startup-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_DEBUG", None)
    migrate = [sys.executable, "manage.py", "migrate", "--verbosity", "0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=120)
    lines = run_script(SCRIPT, env)
    seen = json.loads(lines[-1])
    loaded = seen["loaded"]
    for module in NOT_FOR_DELIVERY:
        assert not any(
            name == module or name.startswith(module + ".") for name in loaded
        ), module
    # An empty run still says the cron is alive: one DeliveryRun row.
    assert seen["runs"] == 1
    # The full checks discover the admin and check it, with nothing wrong;
    # the user admin gets notify_admin's actions as before.
    assert seen["check errors"] == []
    assert seen["after check"]["notification admin"] is True
    assert "notify_compose" in seen["after check"]["user actions"]


EXIT_SCRIPT = """
import atexit, gc, io, sys
# Registered first, so it runs last at exit: after the command's own.
atexit.register(lambda: sys.stdout.write(f"frozen at exit: {gc.get_freeze_count()}\\n"))
import django
django.setup()
from django.core.management import call_command
call_command("process_notifications", stdout=io.StringIO(), stderr=io.StringIO())
print(f"frozen after the run: {gc.get_freeze_count()}")
"""


@pytest.mark.slow
def test_a_delivery_run_skips_the_final_collections_at_exit(tmp_path):
    """Python's shutdown collects every object Django set up (about 60 ms of
    a cron run with nothing due); the run freezes them at exit instead, and
    only then: a process that goes on living keeps its collector."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'exit.sqlite3'}",
    }
    migrate = [sys.executable, "-m", "django", "migrate", "--verbosity", "0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=120)
    lines = run_script(EXIT_SCRIPT, env)
    assert lines[-2] == "frozen after the run: 0"
    frozen = int(lines[-1].removeprefix("frozen at exit: "))
    assert frozen > 10_000


def test_the_console_mail_admins_handler_imports_its_reporter_when_it_mails(
    settings,
):
    from notify_admin.site.log import MailAdminsHandler

    settings.ADMINS = [("Ops", "ops@example.com")]
    handler = MailAdminsHandler()
    assert "reporter_class" not in vars(handler)
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Boom at %s", ("/x",), None
    )
    handler.emit(record)
    from django.views.debug import ExceptionReporter

    assert handler.reporter_class is ExceptionReporter
    assert len(mail.outbox) == 1
    assert "Boom at /x" in mail.outbox[0].subject
