"""The standalone console: its settings and its demo data."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from notify_admin.models import Notification, NotificationOptOut, TargetUserRecord
from tests.support.paths import REPO


def load_site_settings(**env):
    """Import notify_admin.site.settings in a fresh interpreter with ``env``."""
    code = (
        "import json, notify_admin.site.settings as s;"
        "db = s.DATABASES['default'];"
        "print(json.dumps({'DEBUG': s.DEBUG, 'SECRET_KEY': s.SECRET_KEY,"
        "'DB': db['ENGINE'], 'NAME': str(db['NAME']), 'HOSTS': s.ALLOWED_HOSTS,"
        "'TWILIO': s.NOTIFICATION_SYSTEM_TARGETS['twilio_sms']}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_secret_key_is_required_without_debug():
    result = load_site_settings()
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_debug_gets_a_development_key_and_sqlite_by_default():
    import json

    result = load_site_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"].startswith("django-insecure")
    assert values["DB"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(REPO / "db.sqlite3")
    assert "localhost" in values["HOSTS"]


def test_environment_configures_database_and_providers():
    import json

    result = load_site_settings(
        SECRET_KEY="s3cret",
        DATABASE_URL="postgres://u@db.invalid:5432/notify",
        ALLOWED_HOSTS="console.example.com",
        TWILIO_ACCOUNT_SID="AC123",
        TWILIO_AUTH_TOKEN="tok",
        TWILIO_SENDER="+14155550100",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == "s3cret"
    assert values["DB"] == "django.db.backends.postgresql"
    assert values["HOSTS"] == ["console.example.com"]
    assert values["TWILIO"] == {
        "account_sid": "AC123",
        "auth_token": "tok",
        "sender": "+14155550100",
    }


@pytest.fixture
def demo(db):
    call_command("loaddata", str(REPO / "fixtures" / "demo.json"), verbosity=0)


def test_demo_data_has_every_status_and_obeys_the_rules(demo):
    statuses = set(Notification.objects.values_list("status", flat=True))
    assert statuses == {choice for choice, _ in Notification.STATUS_CHOICES}
    # loaddata bypasses save(): check the fixture itself keeps the seed's rules.
    opted_out = set(
        NotificationOptOut.objects.filter(active=True).values_list("user", flat=True)
    )
    for notification in Notification.objects.select_related("user_target"):
        if notification.user_target.user_id in opted_out:
            # History from before the opt-out stays; nothing is left open.
            assert notification.status not in Notification.OPEN_STATUSES
        else:
            notification.full_clean()
    for record in TargetUserRecord.objects.select_related("target"):
        record.full_clean()
    modules = set(TargetUserRecord.objects.values_list("target__name", flat=True))
    assert modules == {"Email", "Twilio", "Expo"}
    assert get_user_model().objects.count() >= 30
    assert NotificationOptOut.objects.filter(active=True).exists()


def test_demo_login_and_every_admin_page_renders(demo, client):
    assert client.login(username="admin", password="notify-admin-demo")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    for model in ["notification", "targetuserrecord", "notificationoptout"]:
        url = reverse(f"admin:notify_admin_{model}_changelist")
        assert client.get(url).status_code == 200, url
    n = Notification.objects.filter(attempts__isnull=False).first()
    page = client.get(reverse("admin:notify_admin_notification_change", args=[n.pk]))
    assert page.status_code == 200
    assert n.attempts.first().address in page.content.decode()


def test_refresh_demo_dates_moves_the_demo_to_the_present(demo):
    import runpy
    from datetime import timedelta

    from django.db.models import Max
    from django.utils import timezone

    from notify_admin.models import DeliveryAttempt

    before = {
        n.pk: (n.scheduled_delivery, n.attempted_delivery, n.status)
        for n in Notification.objects.all()
    }
    runpy.run_path(str(REPO / "fixtures" / "refresh_demo_dates.py"))
    latest = DeliveryAttempt.objects.aggregate(latest=Max("attempted_at"))["latest"]
    # The newest event (here the rows' creation) is an hour old; attempts
    # happened before it, within the dashboard's last 24 hours.
    assert timezone.now() - timedelta(hours=24) < latest < timezone.now()
    shifts = set()
    for n in Notification.objects.all():
        scheduled, attempted, status = before[n.pk]
        assert n.status == status
        shifts.add(n.scheduled_delivery - scheduled)
        if attempted is None:
            assert n.attempted_delivery is None
        else:
            shifts.add(n.attempted_delivery - attempted)
    assert len(shifts) == 1  # every date moved by the same amount
