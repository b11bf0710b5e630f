"""System checks name the setting to fix."""

import os
import subprocess
import sys

from django.core import checks

from notify_admin.checks import check_settings_shape, check_targets
from notify_admin.models import NotificationTarget
from tests.support.paths import REPO

ROOT = REPO


def ids(errors):
    return [error.id for error in errors]


def test_default_test_settings_pass(db):
    assert check_settings_shape() == []
    assert check_targets() == []


def test_targets_must_be_a_dict(settings):
    settings.NOTIFICATION_SYSTEM_TARGETS = ["email"]
    assert ids(check_settings_shape()) == ["notify_admin.E001"]


def test_bad_provider_values(settings):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        "twilio_sms": {"concurrency": 0, "base_url": "127.0.0.1:9"},
        "expo": "token",
    }
    errors = check_settings_shape()
    assert sorted(ids(errors)) == [
        "notify_admin.E002",
        "notify_admin.E003",
        "notify_admin.E004",
    ]
    text = " ".join(error.msg for error in errors)
    assert 'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["concurrency"]' in text


def test_engine_numbers_and_locations(settings):
    settings.NOTIFICATION_SYSTEM_LEASE_SECONDS = -1
    settings.NOTIFICATION_SYSTEM_HANDLERS = [3]
    assert sorted(ids(check_settings_shape())) == [
        "notify_admin.E005",
        "notify_admin.E006",
    ]


def test_unknown_module_is_an_error(db):
    NotificationTarget.objects.create(name="Pigeon", notification_module_name="pigeon")
    errors = check_targets()
    assert ids(errors) == ["notify_admin.E010"]
    assert "'pigeon'" in errors[0].msg


def test_missing_twilio_setting_named_when_twilio_is_in_use(
    settings, make_user, make_record
):
    settings.NOTIFICATION_SYSTEM_TARGETS = {"twilio_sms": {"account_sid": "AC1"}}
    assert check_targets() == []  # pre-loaded, but nobody has a Twilio record
    make_record(make_user(), "twilio")
    errors = check_targets()
    assert ids(errors) == ["notify_admin.E012", "notify_admin.E012"]
    assert [error.msg for error in errors] == [
        "Notification target 'Twilio' needs "
        'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["auth_token"].',
        "Notification target 'Twilio' needs "
        'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["sender"].',
    ]


def test_missing_provider_setting_is_a_warning_in_debug(
    settings, make_user, make_record
):
    settings.DEBUG = True
    settings.NOTIFICATION_SYSTEM_TARGETS = {}
    make_record(make_user(), "twilio")
    assert set(ids(check_targets())) == {"notify_admin.W012"}


def test_checks_registered_and_run_by_django(settings, make_user, make_record):
    settings.NOTIFICATION_SYSTEM_TARGETS = {"twilio_sms": {}}
    make_record(make_user(), "twilio")
    errors = checks.run_checks()
    assert "notify_admin.E012" in ids(errors)


def test_checks_pass_before_migrate(tmp_path):
    """Checks run before migrations too: a database without tables is fine."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_breaker_and_rate_limit_settings(settings):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = -1
    settings.NOTIFICATION_SYSTEM_BREAKER_BACKOFF = "30s"
    settings.NOTIFICATION_SYSTEM_RATE_LIMIT_CACHE = "no-such-cache"
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "twilio_sms": {"rate_limit": 0, "daily_limit": 2.5, "breaker_threshold": True},
    }
    errors = check_settings_shape()
    assert set(ids(errors)) == {"notify_admin.E060"}
    text = "\n".join(error.msg for error in errors)
    for name in (
        "NOTIFICATION_SYSTEM_BREAKER_THRESHOLD",
        "NOTIFICATION_SYSTEM_BREAKER_BACKOFF ",
        "NOTIFICATION_SYSTEM_RATE_LIMIT_CACHE",
        'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["rate_limit"]',
        'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["daily_limit"]',
        'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["breaker_threshold"]',
    ):
        assert name in text
    assert len(errors) == 6


def test_good_breaker_and_rate_limit_settings_pass(settings):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 0
    settings.NOTIFICATION_SYSTEM_BREAKER_BACKOFF = 5
    settings.NOTIFICATION_SYSTEM_BREAKER_BACKOFF_MAX = 60.0
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "email": {"rate_limit": 0.5, "daily_limit": 1000, "breaker_threshold": 3},
    }
    assert check_settings_shape() == []
