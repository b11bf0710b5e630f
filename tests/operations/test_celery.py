"""Celery: real `celery worker` processes on the real Redis, PostgreSQL rows.

Two workers (two pool processes each) plus an overlapping cron run; a pool
process SIGKILLed mid-task; a task the broker delivers twice; a large admin
"send now" handed to a worker and followed on its progress page. Not eager
mode: the tasks go through Redis DB 14 to processes of their own.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.urls import reverse

from notify_admin.models import DeliveryRun, Notification
from tests.support.bulk import populate
from tests.support.celery_workers import (
    BROKER,
    LEASE,
    celery_runs,
    delivered,
    redis_or_skip,
    wait_for,
)
from tests.support.processes import ROOT, child_env, database_url, start

celery = pytest.importorskip(
    "celery", reason="Celery is not installed: pip install 'notify_admin[celery]'"
)
pytest.importorskip("redis", reason="redis-py is not installed")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="module")
def workers(django_db_setup, django_db_blocker, sms_server, tmp_path_factory):
    """Two `celery worker` processes (prefork, two pool processes each)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the workers share the test's database")
    redis_or_skip().flushdb()
    logs = tmp_path_factory.mktemp("celery")
    env = child_env(
        DATABASE_URL=database_url(),
        NA_TWILIO_URL=sms_server.url,
        NA_LEASE_SECONDS=LEASE,
        NA_BROKER_URL=BROKER,
    )
    started = []
    for name in ("w1", "w2"):
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115
        started.append(
            (
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "tests.celery_app",
                        "worker",
                        "--pool",
                        "prefork",
                        "--concurrency",
                        "2",
                        "--hostname",
                        f"{name}@%h",
                        "--loglevel",
                        "INFO",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                ),
                logs / f"{name}.log",
            )
        )
    deadline = time.monotonic() + 90
    for process, log in started:
        while " ready." not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        assert " ready." in log.read_text(), log.read_text()[-3000:]
    yield {"env": env, "processes": [p for p, _ in started], "logs": logs}
    for process, _ in started:
        os.killpg(process.pid, signal.SIGTERM)
    for process, _ in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def app(workers, sms_server):
    """A Celery app in this process that sends to the workers' broker."""
    sms_server.reset()
    sms_server.latency = 0.02
    client = celery.Celery(
        "notify_admin_test_sender", broker=BROKER, set_as_current=True
    )
    client.conf.task_ignore_result = True
    yield client
    client.close()


def test_two_workers_and_a_cron_run_send_3000_sms_exactly_once(
    app, workers, sms_server
):
    expected = populate({"twilio": 3000})
    for _ in range(4):
        app.send_task("notify_admin.deliver_due", kwargs={"batch_size": 100})
    assert wait_for(lambda: celery_runs().exists(), timeout=60)
    cron = start("--batch-size", "100", env=workers["env"])
    out, err = cron.communicate(timeout=300)
    assert cron.returncode == 0, err
    assert wait_for(lambda: delivered() == 3000)
    assert wait_for(lambda: not DeliveryRun.objects.filter(finished_at=None).exists())
    received = sms_server.received("to")
    assert received == dict.fromkeys(expected, 1)  # 0 lost, 0 duplicates
    runs = list(DeliveryRun.objects.all())
    assert sum(run.claimed for run in runs) == 3000
    assert sum(run.delivered for run in runs) == 3000
    # Both workers took tasks (four pool processes, four runs)...
    assert len({run.pid for run in runs if run.source == "celery"}) == 4
    # ... and the cron run ran while they did.
    cron_run = next(run for run in runs if run.source == "command")
    assert any(
        run.started_at < cron_run.finished_at and run.finished_at > cron_run.started_at
        for run in runs
        if run.source == "celery"
    )
    shares = sorted((run.source, run.claimed) for run in runs)
    print(f"\nclaimed per run: {shares}")


def test_a_pool_process_killed_mid_task_loses_nothing(app, workers, sms_server):
    batch = 40
    expected = populate({"twilio": 400})
    sms_server.latency = 0.1  # a batch of 40 takes 0.4 s over ten connections
    app.send_task("notify_admin.deliver_due", kwargs={"batch_size": batch})
    assert wait_for(lambda: len(sms_server.messages) >= batch + batch // 2, timeout=60)
    victim = celery_runs().get()
    os.kill(victim.pid, signal.SIGKILL)
    # acks_late + reject_on_worker_lost: the task goes back on the queue and
    # a pool process runs it again; it skips the rows the dead one leased.
    assert wait_for(lambda: celery_runs().count() >= 2, timeout=60)
    assert wait_for(
        lambda: not celery_runs().filter(finished_at=None).exclude(pk=victim.pk)
    )
    # After one lease the dead process's rows are due again: the next beat
    # tick delivers them.
    time.sleep(LEASE + 0.5)
    app.send_task("notify_admin.deliver_due", kwargs={"batch_size": batch})
    assert wait_for(lambda: delivered() == 400)
    # The last run records its end after its last send: wait for it, so no
    # worker still writes while the test's database is flushed.
    assert wait_for(
        lambda: not celery_runs().filter(finished_at=None).exclude(pk=victim.pk)
    )
    received = sms_server.received("to")
    assert set(received) == expected
    sent_twice = sum(count - 1 for count in received.values())
    print(f"\npool process SIGKILLed mid-batch: {sent_twice} of 400 sent twice")
    # At most the batch that was on its way when the process died.
    assert sent_twice <= batch
    assert DeliveryRun.objects.get(pk=victim.pk).finished_at is None


def test_a_task_delivered_twice_sends_nothing_twice(app, workers, sms_server):
    expected = populate({"twilio": 600})
    ids = [str(pk) for pk in Notification.objects.values_list("pk", flat=True)]
    task_id = str(uuid.uuid4())
    source = f"background:{task_id}"
    # The same message twice, as a broker redelivery would hand it out.
    for _ in range(2):
        app.send_task(
            "notify_admin.send_selected",
            args=(ids,),
            kwargs={"source": source, "batch_size": 50},
            task_id=task_id,
        )
    assert wait_for(lambda: delivered() == 600)
    assert wait_for(
        lambda: (
            DeliveryRun.objects.filter(source=source).count() >= 2
            and not DeliveryRun.objects.filter(source=source, finished_at=None).exists()
        )
    )
    assert sms_server.received("to") == dict.fromkeys(expected, 1)
    runs = DeliveryRun.objects.filter(source=source)
    assert sum(run.delivered for run in runs) == 600


def test_a_large_admin_selection_is_sent_by_a_worker(
    app, workers, sms_server, admin_client, post_action, settings
):
    settings.NOTIFICATION_SYSTEM_BACKGROUND_SEND_THRESHOLD = 50
    expected = populate({"twilio": 120})
    selected = list(Notification.objects.all())
    response = post_action(
        admin_client, Notification, "send_now", selected, confirm="yes"
    )
    assert response.status_code == 302
    progress_url = response["Location"]
    assert progress_url.startswith(reverse("notify_admin:health")[: -len("health/")])
    page = admin_client.get(progress_url)
    assert page.status_code == 200
    assert wait_for(lambda: delivered() == 120, timeout=120)
    assert wait_for(
        lambda: "Finished." in admin_client.get(progress_url).content.decode()
    )
    done = admin_client.get(progress_url).content.decode()
    assert '<td class="delivered">120</td>' in done
    assert sms_server.received("to") == dict.fromkeys(expected, 1)
    # A forged address is a 404, not another task's page.
    assert admin_client.get(progress_url[:-3] + "xx/").status_code == 404
