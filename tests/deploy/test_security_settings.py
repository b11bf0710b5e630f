"""Security of the configuration: the DEBUG / SECRET_KEY system check, and
provider secrets that must never show in output, attempt rows, logs or
exports."""

import importlib
import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from notify_admin.checks import check_debug_and_secret_key
from notify_admin.imports.notifications import NotificationResource
from notify_admin.imports.records import TargetUserRecordResource
from notify_admin.models import DeliveryAttempt, DeliveryRun, Notification
from tests.support.processes import child_env, start
from tests.support.reliability_tally import tally

SAFE_KEY = "a-long-random-production-key-0123456789abcdefghijklmnopqrstuv"


def warning_ids():
    return [warning.id for warning in check_debug_and_secret_key()]


def development_secret_key(monkeypatch):
    # The console's settings need a key (or DEBUG) to import at all.
    monkeypatch.setenv("SECRET_KEY", SAFE_KEY)
    return importlib.import_module("notify_admin.site.settings").DEVELOPMENT_SECRET_KEY


@pytest.mark.parametrize(
    ("debug", "hosts", "expected"),
    [
        (True, ["example.com"], ["notify_admin.W020"]),
        (True, ["*"], ["notify_admin.W020"]),
        (True, ["localhost", "127.0.0.1", "[::1]", "app.localhost"], []),
        (False, ["example.com", "*"], []),
        (True, [], []),
    ],
)
def test_debug_with_hosts_others_can_reach_is_a_warning(
    settings, debug, hosts, expected
):
    settings.DEBUG = debug
    settings.ALLOWED_HOSTS = hosts
    settings.SECRET_KEY = SAFE_KEY
    assert warning_ids() == expected


def test_the_console_development_key_is_a_warning(settings, monkeypatch):
    settings.SECRET_KEY = development_secret_key(monkeypatch)
    settings.DEBUG = False
    (warning,) = check_debug_and_secret_key()
    assert warning.id == "notify_admin.W021"
    assert "SECRET_KEY" in warning.msg
    # The warning names the setting, never the key itself.
    assert settings.SECRET_KEY not in warning.msg + warning.hint


@pytest.mark.parametrize(
    "key", ["django-insecure-abc123", "django-insecure-" + "x" * 50]
)
def test_startproject_keys_are_a_warning(settings, key):
    settings.SECRET_KEY = key
    settings.DEBUG = False
    assert warning_ids() == ["notify_admin.W021"]


def test_both_warnings_through_django_check_framework(settings, monkeypatch):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["ops.example.com"]
    settings.SECRET_KEY = development_secret_key(monkeypatch)
    found = {message.id for message in checks.run_checks(tags=[checks.Tags.security])}
    assert {"notify_admin.W020", "notify_admin.W021"} <= found


def test_a_safe_production_configuration_has_no_warning(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["ops.example.com"]
    settings.SECRET_KEY = SAFE_KEY
    assert warning_ids() == []


# -- provider secrets -------------------------------------------------------------

TWILIO_TOKEN = "twilio-auth-token-SECRET-5f1c"
EXPO_TOKEN = "expo-access-token-SECRET-9a2e"
SMTP_PASSWORD = "smtp-password-SECRET-77d0"
SECRETS = (TWILIO_TOKEN, EXPO_TOKEN, SMTP_PASSWORD)


def assert_no_secret(text, where):
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"
        # Not even its distinctive middle part.
        assert "SECRET" not in text, f"a secret leaked into {where}"


@pytest.fixture
def secret_settings(settings, fake_twilio, fake_expo, fake_smtp):
    targets = {k: dict(v) for k, v in settings.NOTIFICATION_SYSTEM_TARGETS.items()}
    targets["twilio_sms"]["auth_token"] = TWILIO_TOKEN
    targets["expo"]["access_token"] = EXPO_TOKEN
    settings.NOTIFICATION_SYSTEM_TARGETS = targets
    # The fake SMTP server offers no AUTH: logging in fails, with the
    # password in hand.
    settings.EMAIL_HOST_USER = "mailer"
    settings.EMAIL_HOST_PASSWORD = SMTP_PASSWORD
    return fake_twilio, fake_expo, fake_smtp


FAULTS = {
    "provider_500": lambda sms, push: [
        setattr(sms, "fail_status", 500),
        setattr(push, "fail_status", 500),
    ],
    "unauthorized_401": lambda sms, push: [
        setattr(sms, "fail_status", 401),
        setattr(push, "fail_status", 401),
    ],
    "garbage": lambda sms, push: [
        setattr(sms, "garbage", True),
        setattr(push, "garbage", True),
    ],
    "refused": lambda sms, push: [sms.stop(), push.stop()],
}


@pytest.mark.django_db
@pytest.mark.parametrize("fault", FAULTS)
def test_provider_secrets_never_leak_on_errors(
    fault, secret_settings, make_user, make_record, caplog, admin_client
):
    sms, push, _smtp = secret_settings
    for module in ("email", "twilio", "expo"):
        Notification.objects.create(
            user_target=make_record(make_user(), module),
            title="t",
            body="b",
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
        )
    FAULTS[fault](sms, push)
    tally("faults injected")
    caplog.set_level(logging.DEBUG)
    out, err = StringIO(), StringIO()
    call_command("process_notifications", stdout=out, stderr=err)
    assert out.getvalue().startswith("delivered=0 ")
    assert_no_secret(out.getvalue() + err.getvalue(), "the command's output")
    assert_no_secret(caplog.text, "the logs")
    attempts = list(DeliveryAttempt.objects.values_list("error_message", "response"))
    # A 401 is refused credentials: the SMS and push rows are released with
    # no attempt (the reason is in the command's output, checked above).
    expected = 1 if fault == "unauthorized_401" else 3
    assert len(attempts) == expected and all(message for message, _ in attempts)
    assert_no_secret(repr(attempts), "attempt rows")
    assert_no_secret(repr(list(DeliveryRun.objects.values())), "run rows")
    for resource in (NotificationResource(), TargetUserRecordResource()):
        assert_no_secret(resource.export().csv, "CSV exports")
    # Admin pages showing the runs, the attempts and the previews.
    pages = [
        reverse("admin:notify_admin_notification_changelist"),
        reverse("admin:notify_admin_deliveryrun_changelist"),
        reverse("admin:app_list", args=["notify_admin"]),
        *(
            reverse("admin:notify_admin_notification_change", args=[pk])
            for pk in Notification.objects.values_list("pk", flat=True)
        ),
        *(
            reverse("admin:notify_admin_deliveryrun_change", args=[pk])
            for pk in DeliveryRun.objects.values_list("pk", flat=True)
        ),
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode(), url)


@pytest.mark.slow
def test_database_password_never_printed_when_the_database_is_unreachable():
    env = child_env(DATABASE_URL="postgres://mailer:db-SECRET-pw@127.0.0.1:9/nowhere")
    process = start(env=env)
    out, err = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "Could not deliver notifications" in err
    assert "db-SECRET-pw" not in out + err
