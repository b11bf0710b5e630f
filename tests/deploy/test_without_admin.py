"""notify_admin in a project without django.contrib.admin (a worker, an API).

Django loads every installed app's template-tag libraries when the template
engine starts, and the delivery command renders email templates: nothing on
that path may import the admin.
"""

import os
import subprocess
import sys

from tests.support.paths import REPO

SETTINGS = """
SECRET_KEY = "no-admin"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "notify_admin",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "APP_DIRS": True}]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
"""

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.template import engines
engines["django"].engine.template_libraries  # loads every app's tag libraries
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from notify_admin.models import Notification, TargetUserRecord
user = get_user_model().objects.create_user("u", "u@example.com")
Notification.objects.create(
    user_target=TargetUserRecord.reset_email_target(user), title="t", body="b"
)
call_command("process_notifications")
assert Notification.objects.get().status == "DELIVERED"
import sys
assert "django.contrib.admin" not in sys.modules, "the admin was imported"
print("NO-ADMIN-OK")
"""


def test_engine_runs_without_django_admin(tmp_path):
    (tmp_path / "noadmin_settings.py").write_text(SETTINGS)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
        "DJANGO_SETTINGS_MODULE": "noadmin_settings",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "NO-ADMIN-OK" in result.stdout


IMPORT_SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from notify_admin.models import TargetUserRecord
get_user_model().objects.create_user("ann", "ann@example.com")
call_command("import_target_user_records", "records.csv")
record = TargetUserRecord.objects.get()
assert (record.user.username, record.target.name) == ("ann", "Twilio"), record
assert record.target_user_id == "+14155552671", record.target_user_id
import sys
assert "django.contrib.admin" not in sys.modules, "the admin was imported"
print("IMPORT-NO-ADMIN-OK")
"""


def test_import_command_runs_without_django_admin(tmp_path):
    (tmp_path / "noadmin_settings.py").write_text(SETTINGS)
    (tmp_path / "records.csv").write_text(
        "user,target,target_user_id\nann,Twilio,+1 415 555 2671\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
        "DJANGO_SETTINGS_MODULE": "noadmin_settings",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "IMPORT-NO-ADMIN-OK" in result.stdout
