"""process_notifications --processes N: N children share the claims."""

import signal
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notify_admin.models import DeliveryAttempt, DeliveryRun, Notification
from tests.support.bulk import populate
from tests.support.fakes import FakeTwilioServer
from tests.support.processes import child_env, database_url, start


@pytest.mark.parametrize("bad", ["0", "-2", "two"])
def test_bad_process_count_is_refused(bad):
    with pytest.raises(CommandError, match="--processes"):
        call_command("process_notifications", "--processes", bad)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_processes_send_each_sms_exactly_once():
    expected = populate({"twilio": 900})
    with FakeTwilioServer(latency=0.02) as sms:
        env = child_env(DATABASE_URL=database_url(), NA_TWILIO_URL=sms.url)
        parent = start("--processes", "3", "--batch-size", "50", env=env)
        out, err = parent.communicate(timeout=300)
        received = sms.received("to")
    assert parent.returncode == 0, err
    assert received == dict.fromkeys(expected, 1)
    assert "total of 3 processes: delivered=900 " in out
    assert Notification.objects.filter(status=Notification.DELIVERED).count() == 900
    assert DeliveryAttempt.objects.count() == 900
    runs = list(DeliveryRun.objects.all())
    # One run per child, each its own process, and they shared the work.
    assert len(runs) == 3
    assert len({run.pid for run in runs}) == 3
    assert sum(run.claimed for run in runs) == 900
    assert sum(1 for run in runs if run.claimed) > 1


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_children_use_the_database_of_the_calling_process(monkeypatch):
    """In-process (as a host's own code or this suite calls it), the children
    reach the same database even though the test runner renamed it."""
    expected = populate({"twilio": 60})
    with FakeTwilioServer() as sms:
        # The children read settings from their module: that module points
        # them at the fake (never at the real provider).
        monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "tests.subprocess_settings")
        monkeypatch.setenv("NA_TWILIO_URL", sms.url)
        out = StringIO()
        call_command(
            "process_notifications",
            "--processes",
            "2",
            "--batch-size",
            "10",
            stdout=out,
        )
        received = sms.received("to")
    assert received == dict.fromkeys(expected, 1)
    assert "total of 2 processes: delivered=60 " in out.getvalue()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sigterm_stops_looping_children_cleanly():
    with FakeTwilioServer() as sms:
        env = child_env(DATABASE_URL=database_url(), NA_TWILIO_URL=sms.url)
        parent = start("--processes", "2", "--loop", "0.2", env=env)
        deadline = time.monotonic() + 60
        while DeliveryRun.objects.count() < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        expected = populate({"twilio": 20})
        while (
            Notification.objects.filter(status=Notification.DELIVERED).count() < 20
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        parent.send_signal(signal.SIGTERM)
        out, err = parent.communicate(timeout=60)
        received = sms.received("to")
    assert parent.returncode == 0, err
    assert out.count("Stopped.") == 2
    assert received == dict.fromkeys(expected, 1)
    assert len(set(DeliveryRun.objects.values_list("pid", flat=True))) == 2
