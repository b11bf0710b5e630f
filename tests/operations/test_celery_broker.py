"""Celery: the broker (Redis) restarted while a real worker is mid-run.

A private, non-persistent ``redis-server`` on a free port (never the shared
one), so that it can be killed and started again.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.support.bulk import populate
from tests.support.celery_workers import LEASE, celery_runs, delivered, wait_for
from tests.support.processes import ROOT, child_env, database_url

celery = pytest.importorskip(
    "celery", reason="Celery is not installed: pip install 'notify_admin[celery]'"
)
redis = pytest.importorskip("redis", reason="redis-py is not installed")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_broker_restarted_mid_run_loses_and_repeats_nothing(
    django_db_setup, sms_server, tmp_path
):
    """A private, non-persistent redis-server (not the shared one): killed and
    started again while a worker is in the middle of a run."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed: the broker cannot be restarted")
    sms_server.latency = 0.05
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    redis_args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    redis_args += ["--appendonly", "no"]

    def start_redis():
        process = subprocess.Popen(redis_args, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(broker)
        assert wait_for(lambda: _pings(client), timeout=20)
        return process

    broker_process = start_redis()
    log_path = tmp_path / "worker.log"
    env = child_env(
        DATABASE_URL=database_url(),
        NA_TWILIO_URL=sms_server.url,
        NA_LEASE_SECONDS=LEASE,
        NA_BROKER_URL=broker,
    )
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
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
                "1",
                "--hostname",
                "wr@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sender = celery.Celery("restart_sender", broker=broker)
    try:
        assert wait_for(lambda: " ready." in log_path.read_text(), timeout=90)
        expected = populate({"twilio": 1500})
        sender.send_task("notify_admin.deliver_due", kwargs={"batch_size": 100})
        assert wait_for(lambda: len(sms_server.messages) >= 300, timeout=60)
        broker_process.kill()
        broker_process.wait()
        time.sleep(1)
        broker_process = start_redis()
        # The run goes on (its work is on the database, not the broker).
        assert wait_for(lambda: delivered() == 1500, timeout=120)
        # The worker reconnected: the next beat tick is picked up.
        sender.send_task("notify_admin.deliver_due")
        assert wait_for(lambda: celery_runs().count() >= 2, timeout=90), (
            log_path.read_text()[-3000:]
        )
        assert sms_server.received("to") == dict.fromkeys(expected, 1)
        assert worker.poll() is None
    finally:
        sender.close()
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        broker_process.kill()
        broker_process.wait()


def _pings(client):
    try:
        return client.ping()
    except redis.RedisError:
        return False
