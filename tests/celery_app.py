"""The Celery app the tests' workers run (``celery -A tests.celery_app worker``),
set up as README "Running at scale" tells a host project to."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.subprocess_settings")

app = Celery("notify_admin_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["notify_admin"])
