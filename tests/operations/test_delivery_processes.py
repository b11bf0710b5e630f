"""Several process_notifications processes at once, and a worker killed mid-batch.

PostgreSQL only: the child processes need the same database as the test, and
overlapping workers is the PostgreSQL (FOR UPDATE SKIP LOCKED) story.
"""

import signal
import time

import pytest

from notify_admin.models import (
    DeliveryAttempt,
    DeliveryRun,
    Notification,
)
from tests.support.bulk import populate
from tests.support.fakes import FakeExpoServer, FakeSMTPServer, FakeTwilioServer
from tests.support.processes import child_env, database_url, start

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_four_processes_at_once_send_each_notification_exactly_once():
    expected = populate({"email": 600, "twilio": 600, "expo": 800})
    with FakeSMTPServer() as smtp, FakeTwilioServer() as sms, FakeExpoServer() as push:
        env = child_env(
            DATABASE_URL=database_url(),
            NA_SMTP_PORT=smtp.port,
            NA_TWILIO_URL=sms.url,
            NA_EXPO_URL=push.url,
        )
        workers = [start("--batch-size", "50", env=env) for _ in range(4)]
        results = [worker.communicate(timeout=300) for worker in workers]
        for worker, (_out, err) in zip(workers, results, strict=True):
            assert worker.returncode == 0, err
        received = {**smtp.received("to"), **sms.received("to"), **push.received("to")}
    assert set(received) == expected
    assert set(received.values()) == {1}
    assert Notification.objects.filter(status=Notification.DELIVERED).count() == 2000
    assert DeliveryAttempt.objects.count() == 2000
    runs = DeliveryRun.objects.all()
    assert len(runs) == 4
    assert sum(run.claimed for run in runs) == 2000
    # They really overlapped: more than one worker took a share.
    assert sum(1 for run in runs if run.claimed) > 1


def test_killed_worker_rows_are_delivered_after_the_lease():
    batch = 40
    expected = populate({"twilio": 200})
    with FakeTwilioServer(latency=0.02) as sms:
        env = child_env(
            DATABASE_URL=database_url(),
            NA_TWILIO_URL=sms.url,
            NA_TWILIO_CONCURRENCY=1,
            NA_LEASE_SECONDS=2,
        )
        worker = start("--batch-size", str(batch), env=env)
        deadline = time.monotonic() + 120
        # Kill it in the middle of its second batch.
        while len(sms.messages) < batch + batch // 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
        assert worker.returncode == -signal.SIGKILL
        # Leased: the batch it was sending and the next one, claimed while
        # that one went out (and not sent).
        leased = Notification.objects.filter(claimed_until__isnull=False).count()
        assert 0 < leased <= 2 * batch
        sms.latency = 0
        # The dead worker's rows wait for their lease to expire, then any
        # worker delivers them.
        time.sleep(2.1)
        finisher = start(env=env)
        out, err = finisher.communicate(timeout=120)
        assert finisher.returncode == 0, err
        received = sms.received("to")
    assert set(received) == expected
    assert Notification.objects.exclude(status=Notification.DELIVERED).count() == 0
    sent_twice = sum(count - 1 for count in received.values())
    print(f"\nSIGKILL mid-batch: {sent_twice} of 200 notifications sent twice")
    assert sent_twice <= batch


def test_a_slow_batch_keeps_its_lease_so_a_second_worker_sends_nothing_twice():
    expected = populate({"twilio": 30})
    with FakeTwilioServer(latency=0.1) as sms:
        env = child_env(
            DATABASE_URL=database_url(),
            NA_TWILIO_URL=sms.url,
            NA_TWILIO_CONCURRENCY=1,
            NA_LEASE_SECONDS=1,
        )
        # One batch of 30 at 0.1 s each: three times longer than the lease.
        slow = start("--batch-size", "30", env=env)
        deadline = time.monotonic() + 120
        while len(sms.messages) < 15 and time.monotonic() < deadline:
            time.sleep(0.01)
        # By now the original lease has run out; only renewal protects the rows.
        other = start(env=env)
        other_out, other_err = other.communicate(timeout=120)
        slow_out, slow_err = slow.communicate(timeout=120)
        received = sms.received("to")
    assert slow.returncode == 0, slow_err
    assert other.returncode == 0, other_err
    assert other_out.startswith("delivered=0 ")
    assert slow_out.startswith("delivered=30 ")
    assert received == dict.fromkeys(expected, 1)
