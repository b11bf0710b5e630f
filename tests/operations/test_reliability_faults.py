"""Faults during delivery, through the real ``process_notifications`` command.

Each case ends with every notification in a correct status, none claimed past
its lease, none DELIVERED that the fake server did not receive, and the
command's exit status and output saying what happened. The provider faults run
on every database; the dropped database connection is PostgreSQL only (the
worker runs in a child process whose backend the test terminates).
"""

import socket
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from notify_admin.models import DeliveryAttempt, DeliveryRun, Notification
from tests.support.bulk import populate
from tests.support.fakes import FakeTwilioServer
from tests.support.invariants import assert_consistent
from tests.support.processes import child_env, database_url, start
from tests.support.reliability_tally import tally

pytestmark = pytest.mark.django_db

ADDRESS = {
    "email": lambda n: f"person{n}@example.com",
    "twilio": lambda n: f"+1415555{n:04d}",
    "expo": lambda n: f"ExponentPushToken[person-{n}]",
}


@pytest.fixture
def fault_rows(make_user, make_record):
    """Due notifications of one channel: a fresh one and one on its last try."""

    def make(module, count=2):
        rows = []
        for n in range(count):
            user = make_user()
            record = make_record(user, module, address=ADDRESS[module](user.pk))
            rows.append(
                Notification.objects.create(
                    user_target=record,
                    title="Fault",
                    body="Body",
                    scheduled_delivery=timezone.now() - timedelta(seconds=1),
                    # The second row has used up its retries.
                    retry_attempts=3 if n == 1 else 0,
                    max_retries=3,
                )
            )
        return rows

    return make


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command("process_notifications", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def received_addresses(fake):
    return fake.received("to")


class GarbageServer:
    """A TCP server that answers every connection with a line of nonsense."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"\x00\xffHTTP/1.1 418 I'm a teapot\r\n\r\n")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()


# -- provider faults, per channel -------------------------------------------

# fault name -> what the fake does. Each leaves the fresh row RETRY and the
# row on its last try DELIVERY_FAILURE.
HTTP_FAULTS = {
    "http_500": lambda fake: setattr(fake, "fail_status", 500),
    "http_429_retry_after": lambda fake: (
        setattr(fake, "fail_status", 429),
        setattr(fake, "retry_after", "120"),
    ),
    "hang_past_timeout": lambda fake: setattr(fake, "hang", 1.5),  # timeout 1 s
    "connection_refused": lambda fake: fake.stop(),
    "garbage_answer": lambda fake: setattr(fake, "garbage", True),
}
# What the attempt row says for each fault (case-insensitive).
HTTP_FAULT_WORDS = {
    "http_500": "500",
    "http_429_retry_after": "429",
    "hang_past_timeout": "timeout",
    "connection_refused": "connection",
    "garbage_answer": "",
}


def fault_cases():
    for module in ("twilio", "expo"):
        for fault in HTTP_FAULTS:
            yield pytest.param(module, fault, id=f"{module}-{fault}")


def check_fault_run(module, fake, out, err, words):
    assert out.startswith("delivered=0 retry=1 failed=1 inactive=0 "), out
    assert err == ""
    received = received_addresses(fake)
    assert_consistent(received)
    statuses = sorted(Notification.objects.values_list("status", flat=True))
    assert statuses == [Notification.DELIVERY_FAILURE, Notification.RETRY]
    run = DeliveryRun.objects.get()
    assert (run.claimed, run.retried, run.failed, run.error) == (2, 1, 1, "")
    for attempt in DeliveryAttempt.objects.all():
        assert attempt.error_message
        said = f"{attempt.error_code} {attempt.error_message}".lower()
        assert words.lower() in said


def recover_and_check(fake, fault):
    """The provider is back: the RETRY row goes, exactly once (or, after a
    time-out the provider had in fact accepted, a second time)."""
    fake.reset()
    if fault == "connection_refused":
        fake.start()
    out, _err = run_command()
    assert out.startswith("delivered=1 retry=0 failed=0 ")
    received = received_addresses(fake)
    assert_consistent(received)
    delivered = Notification.objects.get(status=Notification.DELIVERED)
    tally(
        "notifications lost", 1 - received.get(delivered.user_target.target_user_id, 0)
    )
    assert received[delivered.user_target.target_user_id] == 1
    assert Notification.objects.filter(status=Notification.RETRY).count() == 0


@pytest.mark.parametrize(("module", "fault"), list(fault_cases()))
def test_http_provider_fault(module, fault, fault_rows, request):
    fake = request.getfixturevalue(f"fake_{module}")
    fault_rows(module)
    HTTP_FAULTS[fault](fake)
    tally("faults injected")
    out, err = run_command()
    check_fault_run(module, fake, out, err, HTTP_FAULT_WORDS[fault])
    if fault == "hang_past_timeout":
        # The fake still accepts the timed-out requests after its hang.
        time.sleep(1)
    else:
        # Nothing reached the provider while it was failing.
        assert received_addresses(fake) == {}
    recover_and_check(fake, fault)


SMTP_FAULTS = {
    "smtp_451": "451 4.3.0 Local error, try again",
    "smtp_421_slow_down": "421 4.7.0 Too many messages, slow down",
}


@pytest.mark.parametrize("fault", SMTP_FAULTS)
def test_smtp_server_error_is_retried(fault, fault_rows, fake_smtp):
    fault_rows("email")
    fake_smtp.data_reply = SMTP_FAULTS[fault]
    tally("faults injected")
    out, err = run_command()
    check_fault_run("email", fake_smtp, out, err, SMTP_FAULTS[fault][:3])
    assert fake_smtp.received() == {}
    fake_smtp.reset()
    out, _err = run_command()
    assert out.startswith("delivered=1 retry=0 failed=0 ")
    assert set(fake_smtp.received().values()) == {1}


def test_smtp_permanent_rejection_fails_without_retry(fault_rows, fake_smtp):
    fault_rows("email")
    fake_smtp.data_reply = "554 5.6.0 Message rejected"
    tally("faults injected")
    out, err = run_command()
    assert out.startswith("delivered=0 retry=0 failed=2 "), out
    assert_consistent(fake_smtp.received())
    assert set(Notification.objects.values_list("status", flat=True)) == {
        Notification.DELIVERY_FAILURE
    }


def test_smtp_server_hanging_past_the_timeout(fault_rows, fake_smtp, settings):
    settings.EMAIL_TIMEOUT = 0.5
    fake_smtp.latency = 1.5
    tally("faults injected")
    fault_rows("email")
    out, err = run_command()
    check_fault_run("email", fake_smtp, out, err, "timed out")


def test_smtp_server_refusing_connections(fault_rows, fake_smtp):
    fault_rows("email")
    fake_smtp.stop()
    tally("faults injected")
    out, err = run_command()
    check_fault_run("email", fake_smtp, out, err, "connection")
    fake_smtp.start()
    out, _err = run_command()
    assert out.startswith("delivered=1 retry=0 failed=0 ")
    assert set(fake_smtp.received().values()) == {1}


def test_smtp_server_answering_garbage(fault_rows, fake_smtp, settings):
    fault_rows("email")
    tally("faults injected")
    with GarbageServer() as garbage:
        settings.EMAIL_PORT = garbage.port
        out, err = run_command()
    check_fault_run("email", fake_smtp, out, err, "")


# -- the database connection dropped mid-run (PostgreSQL) ----------------------


def terminate_other_backends():
    """Kill every other session on the test database: the worker's too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def allow_connections(allowed):
    """Let new sessions into the test database, or not (existing ones stay)."""
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        autocommit=True,
    ) as admin:
        admin.execute(
            f'ALTER DATABASE "{settings["NAME"]}" ALLOW_CONNECTIONS '
            + ("true" if allowed else "false")
        )


def populate_sms(count):
    return populate({"twilio": count})


def held_worker(sms, *args, **env):
    """Start a worker and return once the fake holds its first request."""
    sms.hold = threading.Event()
    worker = start(
        *args,
        env=child_env(
            DATABASE_URL=database_url(),
            NA_TWILIO_URL=sms.url,
            NA_TWILIO_CONCURRENCY=1,
            **env,
        ),
    )
    assert sms.held.wait(120), "the worker never reached the provider"
    return worker


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dropped_database_connection_is_reopened_and_nothing_sent_twice():
    expected = populate_sms(20)
    with FakeTwilioServer() as sms:
        worker = held_worker(sms, "--batch-size", "10")
        assert terminate_other_backends() >= 1
        tally("faults injected")
        sms.hold.set()
        out, err = worker.communicate(timeout=120)
        received = sms.received("to")
    tally("notifications lost", len(expected - set(received)))
    tally(
        "sent twice after a dropped connection", sum(received.values()) - len(received)
    )
    # The run noticed, reconnected, recorded what it had sent and went on.
    assert worker.returncode == 0, err
    assert out.startswith("delivered=20 retry=0 failed=0 "), out
    assert "The connection to the database was lost" in err
    assert received == dict.fromkeys(expected, 1)
    assert_consistent(received)
    assert Notification.objects.filter(status=Notification.DELIVERED).count() == 20
    assert DeliveryAttempt.objects.count() == 20


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_gone_for_good_leaves_the_batch_leased_then_sent_again():
    batch = 10
    expected = populate_sms(30)
    with FakeTwilioServer() as sms:
        worker = held_worker(sms, "--batch-size", str(batch), NA_LEASE_SECONDS=2)
        allow_connections(False)
        tally("faults injected")
        try:
            terminate_other_backends()
            sms.hold.set()
            out, err = worker.communicate(timeout=120)
        finally:
            allow_connections(True)
        # The run stops and says why; the batch it was sending and the one it
        # had claimed next (claimed while the first was being sent) stay leased.
        assert worker.returncode == 1
        assert "Could not deliver notifications" in err
        leased = Notification.objects.filter(claim_token__isnull=False)
        assert 0 < leased.count() <= 2 * batch
        assert all(
            n.claimed_until <= timezone.now() + timedelta(seconds=2) for n in leased
        )
        assert not Notification.objects.filter(status=Notification.DELIVERED).exists()
        # Once the lease has run out, the next run sends everything.
        time.sleep(2.1)
        finisher = start(
            env=child_env(DATABASE_URL=database_url(), NA_TWILIO_URL=sms.url)
        )
        out, err = finisher.communicate(timeout=120)
        assert finisher.returncode == 0, err
        received = sms.received("to")
    tally("notifications lost", len(expected - set(received)))
    assert set(received) == expected  # nothing lost
    assert_consistent(received)
    assert Notification.objects.exclude(status=Notification.DELIVERED).count() == 0
    # At-least-once, bounded: only the batch in flight may have gone twice.
    sent_twice = sum(count - 1 for count in received.values())
    tally("sent twice after the database went away (bound: one batch)", sent_twice)
    assert sent_twice <= batch


def test_smtp_421_closes_the_connection_and_the_rest_of_the_batch_reconnects(
    fault_rows, fake_smtp
):
    first, second = fault_rows("email")
    Notification.objects.filter(pk=second.pk).update(retry_attempts=0)
    Notification.objects.filter(pk=first.pk).update(
        scheduled_delivery=timezone.now() - timedelta(minutes=5)
    )
    # smtplib closes the connection when a server says 421.
    fake_smtp.refuse = {
        first.user_target.target_user_id: "421 4.7.0 Too many messages, slow down"
    }
    tally("faults injected")
    out, _err = run_command()
    assert out.startswith("delivered=1 retry=1 failed=0 "), out
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (
        Notification.RETRY,
        Notification.DELIVERED,
    )
    assert fake_smtp.received() == {second.user_target.target_user_id: 1}
    assert_consistent(fake_smtp.received())
