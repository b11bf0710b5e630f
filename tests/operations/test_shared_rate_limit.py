"""The rate limit holds across every process and worker (PostgreSQL, Redis,
real Celery workers): four ``--processes`` children, two ``celery worker``
processes and a cron run send through one Twilio limit of 50/s, booked in
Redis (Django's RedisCache on NA_TEST_CACHE_URL). The fake provider sees no
one-second window above 55, and the throughput is within 10% of 50/s."""

import pytest
from django.db import connection

from notify_admin.models import DeliveryRun
from tests.support.bulk import populate
from tests.support.celery_workers import (
    BROKER,
    celery_runs,
    delivered,
    redis_or_skip,
    start_workers,
    stop_workers,
    wait_for,
)
from tests.support.fakes import FakeTwilioServer
from tests.support.processes import child_env, database_url, start
from tests.support.rate_cache import CACHE_URL, redis_cache_or_skip

celery = pytest.importorskip(
    "celery", reason="Celery is not installed: pip install 'notify_admin[celery]'"
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RATE = 50
ROWS = 1000


def busiest_second(times):
    """The most requests in any one-second window (sliding)."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_one_limit_for_processes_workers_and_cron(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the children share the test's database")
    redis_or_skip().flushdb()
    redis_cache_or_skip()
    expected = populate({"twilio": ROWS})
    with FakeTwilioServer(latency=0.02) as sms:
        env = child_env(
            DATABASE_URL=database_url(),
            NA_TWILIO_URL=sms.url,
            NA_BROKER_URL=BROKER,
            NA_RATE_LIMIT=RATE,
            NA_CACHE_URL=CACHE_URL,
        )
        workers = start_workers(env, tmp_path)
        try:
            app = celery.Celery("na_rate_sender", broker=BROKER, set_as_current=False)
            for _ in range(2):
                app.send_task("notify_admin.deliver_due", kwargs={"batch_size": 20})
            processes = start("--processes", "4", "--batch-size", "20", env=env)
            cron = start("--batch-size", "20", env=env)
            for child in (processes, cron):
                out, err = child.communicate(timeout=300)
                assert child.returncode == 0, err
            assert wait_for(lambda: delivered() == ROWS, timeout=120)
            assert wait_for(
                lambda: not DeliveryRun.objects.filter(finished_at=None).exists()
            )
            app.close()
        finally:
            stop_workers(workers)
        arrivals = sorted(sms.arrivals)
        received = sms.received("to")
    assert received == dict.fromkeys(expected, 1)
    busiest = busiest_second(arrivals)
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    runs = DeliveryRun.objects.filter(claimed__gt=0)
    senders = {(run.source, run.pid) for run in runs}
    print(
        f"\nshared limit {RATE}/s: {len(arrivals)} SMS, busiest second {busiest}, "
        f"{rate:.1f}/s overall, {len(senders)} sending processes"
    )
    # Every kind of sender took part: the cron run, the --processes
    # children, the Celery workers.
    assert {source for source, _pid in senders} >= {"command", "celery"}
    assert len([s for s in senders if s[0] == "command"]) >= 3
    assert celery_runs().filter(claimed__gt=0).exists()
    assert busiest <= RATE * 1.1
    assert RATE * 0.9 <= rate <= RATE * 1.1
