"""Consent under overlap, on PostgreSQL: two --loop workers share the rows
while preferences change; every row the users let through is sent exactly
once, nothing they turned off is sent, held rows wait (no retry spent)."""

import datetime as dt
import signal
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from notify_admin.models import (
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    NotificationTarget,
    TargetUserRecord,
)
from tests.support.consent import category, quiet_now
from tests.support.fakes import FakeSMTPServer
from tests.support.processes import child_env, database_url, start

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def users_with_rows(prefix, count, news, when):
    email = NotificationTarget.objects.get(notification_module_name="email")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com")
        for n in range(count)
    )
    records = TargetUserRecord.objects.bulk_create(
        TargetUserRecord(user=u, target=email, target_user_id=u.email) for u in users
    )
    Notification.objects.bulk_create(
        Notification(
            user_target=r, title="t", body="b", category=news, scheduled_delivery=when
        )
        for r in records
    )
    return users


def turn_off(users, news):
    email = NotificationTarget.objects.get(notification_module_name="email")
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=u, category=news, target=email, enabled=False)
        for u in users
    )


def wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def addresses(users):
    return {u.email for u in users}


def test_two_workers_honour_preferences_changed_while_they_run():
    news, security = category("news"), category("security", critical=True)
    now = timezone.now()
    past = now - dt.timedelta(seconds=1)
    sent = users_with_rows("sent", 60, news, past)
    off_before = users_with_rows("off", 30, news, past)
    turn_off(off_before, news)
    quiet = users_with_rows("quiet", 20, news, past)
    for user in quiet:
        quiet_now(user, "America/New_York")
    critical = users_with_rows("critical", 10, security, past)
    turn_off(critical, security)
    for user in critical:
        quiet_now(user, "Asia/Tokyo")
    # Due later: the preference changes while the workers run, then the
    # rows fall due.
    later = users_with_rows("later", 30, news, now + dt.timedelta(days=1))
    with FakeSMTPServer(latency=0.01) as smtp:
        env = child_env(DATABASE_URL=database_url(), NA_SMTP_PORT=smtp.port)
        workers = [start("--loop", "0.2", "--batch-size", "7", env=env) for _ in "ab"]
        try:
            wait_for(lambda: len(smtp.messages) >= 5)
            turn_off(later, news)
            Notification.objects.filter(user_target__user__in=later).update(
                scheduled_delivery=timezone.now()
            )
            wait_for(
                lambda: (
                    not Notification.objects.filter(
                        user_target__user__in=later, status="SCHEDULED"
                    ).exists()
                    and len(smtp.messages) >= 70
                ),
                seconds=120,
            )
            time.sleep(0.5)  # a last loop: nothing more may arrive
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            results = [worker.communicate(timeout=60) for worker in workers]
        received = smtp.received("to")
    for worker, (_out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
    assert received == dict.fromkeys(addresses(sent) | addresses(critical), 1)
    rows = Notification.objects.select_related("user_target__user")
    for users, status, reason in [
        (off_before, "OPTED_OUT", "preference"),
        (later, "OPTED_OUT", "preference"),
        (sent, "DELIVERED", ""),
        (critical, "DELIVERED", ""),
    ]:
        got = {
            (n.status, n.opted_out_reason)
            for n in rows.filter(user_target__user__in=users)
        }
        assert got == {(status, reason)}
    held = rows.filter(user_target__user__in=quiet)
    assert {(n.status, n.retry_attempts, n.deferral_reason) for n in held} == {
        ("SCHEDULED", 0, "quiet_hours")
    }
    assert all(n.scheduled_delivery == n.deferred_until > now for n in held)
    assert DeliveryAttempt.objects.count() == 70
