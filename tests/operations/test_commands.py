"""The management commands: process_notifications and
create_email_target_user_records."""

import signal
import subprocess
import sys
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from notify_admin.models import DeliveryRun, Notification, TargetUserRecord
from tests.support.processes import ROOT, child_env, start

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("process_notifications", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_one_summary_line(due):
    due()
    due()
    out, err = run()
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "delivered=2 retry=0 failed=0 inactive=0 opted_out=0 skipped=0 in "
    )
    assert err == ""
    assert DeliveryRun.objects.get().delivered == 2


class Terminal(StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal(due):
    for _ in range(3):
        due()
    out = Terminal()
    call_command("process_notifications", "--batch-size", "2", stdout=out)
    assert "\rsent 2 ...\rsent 3 ...\r" in out.getvalue()
    due()
    plain, _ = run()
    assert "sent" not in plain and "\r" not in plain


def test_batch_size_limit_and_target(due):
    for _ in range(3):
        due()
    sms = due("twilio")
    out, _ = run("--batch-size", "1", "--limit", "2", "--target", "Email")
    assert out.startswith("delivered=2 ")
    assert len(mail.outbox) == 2
    sms.refresh_from_db()
    assert sms.status == Notification.SCHEDULED


def test_dry_run_lists_and_changes_nothing(due):
    notification = due()
    out, _ = run("--dry-run")
    assert str(notification.pk) in out
    assert f"to {notification.user_target.target_user_id}" in out
    assert "Would send 1 notification(s); nothing was changed." in out
    notification.refresh_from_db()
    assert notification.status == Notification.SCHEDULED
    assert not DeliveryRun.objects.exists()
    assert mail.outbox == []


def test_failures_still_exit_zero(due, fake_twilio):
    notification = due("twilio")
    fake_twilio.fail_status = 500
    out, _ = run()
    assert out.startswith("delivered=0 retry=1 ")
    notification.refresh_from_db()
    assert notification.status == Notification.RETRY


def test_unknown_target_name_is_an_error(due):
    notification = due()
    with pytest.raises(CommandError, match="no notification target named 'Fax'"):
        run("--target", "Fax")
    notification.refresh_from_db()
    assert notification.status == Notification.SCHEDULED


def test_broken_settings_stop_the_run(due, settings):
    notification = due()
    settings.NOTIFICATION_SYSTEM_TARGETS = "oops"
    with pytest.raises(CommandError, match="NOTIFICATION_SYSTEM_TARGETS must be"):
        run()
    notification.refresh_from_db()
    assert notification.status == Notification.SCHEDULED


def test_one_broken_target_does_not_stop_the_others(due, settings, targets):
    email = due()
    sms = due("twilio")
    settings.NOTIFICATION_SYSTEM_TARGETS = {"email": {"from_email": "a@example.com"}}
    out, err = run()
    assert "notify_admin.E012" in err
    assert 'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["auth_token"]' in err
    # A configuration error is not a delivery failure: the SMS waits untouched,
    # with no attempt and no retry spent, and the run says why.
    assert out.startswith("delivered=1 retry=0 ")
    assert "not_configured=1" in out
    assert "Not sent: the 'twilio' channel is not configured" in err
    email.refresh_from_db()
    sms.refresh_from_db()
    assert (email.status, sms.status) == (
        Notification.DELIVERED,
        Notification.SCHEDULED,
    )
    assert (sms.retry_attempts, sms.claim_token, sms.attempts.count()) == (0, None, 0)


def test_bad_option_is_an_error():
    with pytest.raises(Exception, match="positive integer"):
        run("--batch-size", "0")


def test_unreachable_database_exits_non_zero_with_the_reason():
    env = child_env(DATABASE_URL="postgres://postgres@127.0.0.1:9/nowhere")
    process = start(env=env)
    out, err = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "Could not deliver notifications" in err
    assert "127.0.0.1" in err or "connection" in err.lower()


@pytest.mark.slow
def test_loop_stops_cleanly_on_sigterm(tmp_path):
    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'loop.sqlite3'}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    process = start("--loop", "0.2", env=env)
    try:
        first = process.stdout.readline()
        assert first.startswith("delivered=0 ")
        second = process.stdout.readline()
        assert second.startswith("delivered=0 ")  # it keeps going
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out.strip().endswith("Stopped.")


def test_create_email_target_user_records(make_user, make_record):
    with_record = make_user()
    make_record(with_record, "email")
    changed = make_user()
    make_record(changed, "email")
    changed.email = "new-address@example.com"
    changed.save()
    make_user()  # no record yet
    make_user(email="")  # nothing to create
    out = StringIO()
    call_command("create_email_target_user_records", stdout=out)
    assert out.getvalue().strip() == "created=1 updated=1 unchanged=1 skipped=1"
    active = TargetUserRecord.objects.filter(
        target__notification_module_name="email", active=True
    )
    assert active.count() == 3
    assert active.filter(
        user=changed, target_user_id="new-address@example.com"
    ).exists()
    out = StringIO()
    call_command("create_email_target_user_records", stdout=out)
    assert out.getvalue().strip() == "created=0 updated=0 unchanged=3 skipped=1"
