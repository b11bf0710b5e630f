"""A separate Django project that only ``pip install``s this repository.

The project is built in a temporary folder; the package is installed
(not in editable mode) into a folder of its own, so the host sees exactly what
a wheel ships: the app, its migrations, templates and static files.
"""

import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.paths import REPO

HOST_SETTINGS = """
SECRET_KEY = "host-project-test"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rangefilter",
    "import_export",
    "notify_admin",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "host_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "host.sqlite3"}
}
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

HOST_URLS = """
from django.contrib import admin
from django.urls import path
urlpatterns = [path("admin/", admin.site.urls)]
"""

HOST_CHECK = """
import django, os
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import notify_admin
from notify_admin.models import Notification, NotificationOptOut, TargetUserRecord

site_dir = os.environ["HOST_SITE_DIR"]
assert notify_admin.__file__.startswith(site_dir), notify_admin.__file__

call_command("migrate", verbosity=0)
User = get_user_model()
admin_user = User.objects.create_superuser("root", "root@example.com", "pw")
user = User.objects.create_user("eggs", "eggs@example.com", "pw")
record = TargetUserRecord.reset_email_target(user)
n = Notification.objects.create(user_target=record, title="Hello", body="b",
                                scheduled_delivery=timezone.now())
other = User.objects.create_user("ham", "ham@example.com", "pw")
opt_out = NotificationOptOut.objects.create(user=other)

client = Client()
client.force_login(admin_user)
pages = [reverse("admin:app_list", args=["notify_admin"])]
from django.contrib import admin
registered = [m for m in admin.site._registry if m._meta.app_label == "notify_admin"]
assert len(registered) >= 4, registered
for model in registered:
    info = ("notify_admin", model._meta.model_name)
    pages.append(reverse("admin:%s_%s_changelist" % info))
    obj = model.objects.first()
    if obj is not None:
        pages.append(reverse("admin:%s_%s_change" % info, args=[obj.pk]))
for url in pages:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    for template in response.templates:
        origin = getattr(template.origin, "name", "") or ""
        if "notify_admin" in origin:
            assert origin.startswith(site_dir), origin

response = client.get(reverse("admin:notify_admin_notification_changelist"))
body = response.content.decode()
assert "notify_admin/css/admin.css" in body, "app template not used"
assert 'na-status--SCHEDULED' in body
css = finders.find("notify_admin/css/admin.css")
assert css and css.startswith(site_dir), css
print("HOST-OK", len(pages))
"""


@pytest.mark.slow
def test_installed_package_works_in_a_host_project(tmp_path):
    site_dir = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site_dir),
            str(REPO),
        ],
        check=True,
        cwd=tmp_path,
    )
    assert not (site_dir / "tests").exists(), "the test suite must not be installed"
    assert (site_dir / "notify_admin" / "templates" / "admin" / "notify_admin").is_dir()
    project = tmp_path / "host"
    project.mkdir()
    (project / "host_settings.py").write_text(HOST_SETTINGS)
    (project / "host_urls.py").write_text(HOST_URLS)
    (project / "check.py").write_text(textwrap.dedent(HOST_CHECK))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site_dir), str(project)]),
        "DJANGO_SETTINGS_MODULE": "host_settings",
        "HOST_SITE_DIR": str(site_dir),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "check.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "HOST-OK" in result.stdout
