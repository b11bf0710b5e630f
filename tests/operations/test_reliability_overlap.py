"""Overlapping workers on one PostgreSQL database: each notification reaches its
fake server exactly once.

- a cron run starting while the previous one is still sending (slow provider);
- ``--loop`` workers on two "hosts" (two processes with their own settings
  modules, tests/host_a_settings.py and tests/host_b_settings.py);
- ``send_now()`` (the admin's "Send now") racing a cron run on the same rows.
"""

import signal
import threading
import time

import pytest
from django.db import connections

from notify_admin.delivery import send_now
from notify_admin.models import DeliveryAttempt, DeliveryRun, Notification
from tests.support.bulk import populate
from tests.support.fakes import FakeExpoServer, FakeSMTPServer, FakeTwilioServer
from tests.support.invariants import assert_consistent
from tests.support.processes import child_env, database_url, start
from tests.support.reliability_tally import tally

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def check_exactly_once(expected, received):
    """Tally, then assert: every address received once, none lost."""
    tally("notifications lost", len(expected - set(received)))
    tally("duplicates under overlap", sum(received.values()) - len(received))
    tally("notifications sent by overlapping workers", len(expected))
    assert set(received) == expected
    assert set(received.values()) == {1}
    assert_consistent(received)
    assert Notification.objects.exclude(status=Notification.DELIVERED).count() == 0
    assert DeliveryAttempt.objects.count() == len(expected)


def wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_cron_run_starting_while_the_previous_one_is_still_sending():
    expected = populate({"twilio": 60, "email": 40})
    with FakeTwilioServer(latency=0.03) as sms, FakeSMTPServer(latency=0.01) as smtp:
        env = child_env(
            DATABASE_URL=database_url(),
            NA_TWILIO_URL=sms.url,
            NA_SMTP_PORT=smtp.port,
            NA_TWILIO_CONCURRENCY=1,
        )
        first = start("--batch-size", "10", env=env)
        # The next minute's cron run starts while the first is mid-way. The
        # provider slows down meanwhile, so that the first is still sending
        # when the later runs are up, however long a loaded machine takes to
        # start a process.
        wait_for(lambda: len(sms.messages) + len(smtp.messages) >= 15)
        sms.latency = 0.25
        second = start("--batch-size", "10", env=env)
        wait_for(lambda: len(sms.messages) + len(smtp.messages) >= 30)
        third = start("--batch-size", "10", env=env)
        wait_for(lambda: len(sms.messages) + len(smtp.messages) >= 40)
        sms.latency = 0.03
        results = [p.communicate(timeout=300) for p in (first, second, third)]
        received = {**sms.received("to"), **smtp.received("to")}
    for process, (out, err) in zip((first, second, third), results, strict=True):
        assert process.returncode == 0, err
        assert out.startswith("delivered="), out
    check_exactly_once(expected, received)
    runs = DeliveryRun.objects.order_by("started_at")
    assert sum(run.claimed for run in runs) == 100
    # The later runs found work the first had not claimed yet: they overlapped.
    assert sum(1 for run in runs if run.claimed) > 1


def test_loop_workers_on_two_hosts_share_the_work():
    expected = populate({"email": 150, "twilio": 150, "expo": 100})
    with (
        FakeSMTPServer() as smtp,
        FakeTwilioServer(latency=0.005) as sms,
        FakeExpoServer() as push,
    ):
        fakes = {
            "DATABASE_URL": database_url(),
            "NA_SMTP_PORT": smtp.port,
            "NA_TWILIO_URL": sms.url,
            "NA_EXPO_URL": push.url,
        }
        hosts = [
            start(
                "--loop",
                "0.2",
                env=child_env(
                    DJANGO_SETTINGS_MODULE=f"tests.host_{name}_settings", **fakes
                ),
            )
            for name in ("a", "b")
        ]
        try:
            # A second wave arrives while both loops are running.
            wait_for(lambda: len(smtp.messages) >= 20)
            expected |= populate_more()
            wait_for(
                lambda: (
                    not Notification.objects.exclude(
                        status=Notification.DELIVERED
                    ).exists()
                ),
                seconds=300,
            )
        finally:
            for host in hosts:
                host.send_signal(signal.SIGTERM)
            results = [host.communicate(timeout=60) for host in hosts]
        received = {**smtp.received("to"), **sms.received("to"), **push.received("to")}
        senders = {m["from"] for m in smtp.messages} | {m["from"] for m in sms.messages}
    for host, (out, err) in zip(hosts, results, strict=True):
        assert host.returncode == 0, err
        assert out.strip().endswith("Stopped.")
    check_exactly_once(expected, received)
    # Both hosts, each with its own settings, sent a share.
    assert {"host-a@example.com", "host-b@example.com"} <= senders
    assert {"+14155550101", "+14155550102"} <= senders
    assert len({run.pid for run in DeliveryRun.objects.exclude(claimed=0)}) == 2


def populate_more():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notify_admin.models import NotificationTarget, TargetUserRecord

    email = NotificationTarget.objects.get(notification_module_name="email")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"late{n}", email=f"late{n}@example.com")
        for n in range(100)
    )
    records = TargetUserRecord.objects.bulk_create(
        TargetUserRecord(user=user, target=email, target_user_id=user.email)
        for user in users
    )
    Notification.objects.bulk_create(
        Notification(
            user_target=record, title="t", body="b", scheduled_delivery=timezone.now()
        )
        for record in records
    )
    return {record.target_user_id for record in records}


def test_send_now_racing_a_cron_run_on_the_same_rows(fake_twilio, fake_expo, settings):
    expected = populate({"twilio": 80, "expo": 120})
    fake_twilio.latency = 0.02
    # The fixtures' 1 s time-outs are for fault tests; here a slow accept on a
    # busy machine must not turn into a retry.
    settings.NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["timeout"] = 30
    settings.NOTIFICATION_SYSTEM_TARGETS["expo"]["timeout"] = 30
    env = child_env(
        DATABASE_URL=database_url(),
        NA_TWILIO_URL=fake_twilio.url,
        NA_EXPO_URL=fake_expo.url,
        NA_TWILIO_CONCURRENCY=2,
    )
    cron = start("--batch-size", "20", env=env)
    wait_for(lambda: len(fake_twilio.messages) + len(fake_expo.messages) >= 10)
    # What the admin action runs, on every row, while the cron run is sending.
    results = []

    def press_send_now():
        try:
            results.append(send_now(Notification.objects.all(), batch_size=20))
        finally:
            connections.close_all()

    admin = threading.Thread(target=press_send_now)
    admin.start()
    admin.join(timeout=300)
    out, err = cron.communicate(timeout=300)
    received = {**fake_twilio.received("to"), **fake_expo.received("to")}
    assert cron.returncode == 0, err
    (result,) = results
    cron_run = DeliveryRun.objects.get(source="command")
    # Every row went through exactly one of them.
    assert result.delivered + cron_run.delivered == 200
    assert result.delivered > 0 and cron_run.delivered > 0
    # send_now skipped what it found DELIVERED or held by the cron run.
    assert result.skipped == 200 - result.claimed
    check_exactly_once(expected, received)
