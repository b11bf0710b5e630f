"""Pausing a target while runs overlap (PostgreSQL, real processes): once the
pause commits, no run hands that target another batch (what each run had in
flight may finish); the rest stay SCHEDULED with nothing spent; resumed,
they go, each exactly once. And two pauses racing make one."""

import threading
import time

import pytest
from django.db import connection, connections

from notify_admin.delivery import deliver_due
from notify_admin.delivery.pauses import pause_target, resume_target
from notify_admin.models import (
    DeliveryAttempt,
    Notification,
    NotificationTarget,
    TargetPause,
)
from tests.support.bulk import populate
from tests.support.fakes import FakeTwilioServer
from tests.support.processes import child_env, database_url, start

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BATCH = 5
RUNS = 3


def wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_a_pause_stops_overlapping_runs_and_resuming_sends_the_rest():
    expected = populate({"twilio": 300})
    twilio = NotificationTarget.objects.get(notification_module_name="twilio")
    with FakeTwilioServer(latency=0.05) as sms:
        env = child_env(
            DATABASE_URL=database_url(),
            NA_TWILIO_URL=sms.url,
            NA_TWILIO_CONCURRENCY=1,
        )
        runs = [start("--batch-size", str(BATCH), env=env) for _ in range(RUNS)]
        wait_for(lambda: len(sms.arrivals) >= 30)
        pause_target(twilio, reason="a wrong message is going out")
        committed = time.time()  # autocommit: the pause is visible now
        results = [run.communicate(timeout=300) for run in runs]
        late = [at for at in sms.arrivals if at > committed]
        sent = len(sms.messages)
        for run, (_out, err) in zip(runs, results, strict=True):
            assert run.returncode == 0, err
        # Each run may finish the one batch it had handed over; none more.
        print(f"\npaused mid-run: {len(late)} SMS arrived after the pause committed")
        assert len(late) <= RUNS * BATCH
        waiting = Notification.objects.filter(status=Notification.SCHEDULED)
        assert waiting.count() == 300 - sent > 0
        # Nothing spent on the held rows: no attempt, no retry, no lease.
        assert not DeliveryAttempt.objects.filter(notification__in=waiting).exists()
        assert not waiting.exclude(retry_attempts=0).exists()
        assert not waiting.filter(claim_token__isnull=False).exists()
        # Still paused: a run claims nothing.
        assert deliver_due().claimed == 0
        assert resume_target(twilio)
        resumed = start("--batch-size", "50", env=env)
        out, err = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, err
        received = sms.received("to")
    assert received == dict.fromkeys(expected, 1)
    assert Notification.objects.exclude(status=Notification.DELIVERED).count() == 0


def test_two_pauses_racing_make_one():
    twilio = NotificationTarget.objects.get(notification_module_name="twilio")
    start_line = threading.Barrier(6)
    made = []

    def pause(n):
        try:
            start_line.wait()
            made.append(pause_target(twilio, reason=f"pause {n}"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pause, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert connection.vendor == "postgresql"
    assert len([p for p in made if p is not None]) == 1
    assert TargetPause.objects.count() == 1
