"""Shared by the tests that run real Celery workers (tests/operations/): the
broker's URL, the lease the workers run with, and waits on the database.

The test modules skip themselves (``pytest.importorskip``) when celery or
redis-py is missing; ``redis_or_skip`` skips when the broker does not answer.
"""

import os
import time

import pytest

from notify_admin.models import DeliveryRun, Notification

BROKER = os.environ.get("NA_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
LEASE = 3


def redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(BROKER, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis is not reachable at {BROKER}: {err}")
    return client


def wait_for(condition, timeout=180, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def delivered():
    return Notification.objects.filter(status=Notification.DELIVERED).count()


def celery_runs():
    return DeliveryRun.objects.filter(source="celery")


def start_workers(env, logs, names=("w1", "w2"), concurrency=2):
    """``celery worker`` processes (prefork) on the tests' Celery app, each
    logging to ``logs/<name>.log``; returns them once each says it is ready."""
    import subprocess
    import sys

    from tests.support.processes import ROOT

    started = []
    for name in names:
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
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
                str(concurrency),
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
        )
        started.append((process, logs / f"{name}.log"))
    deadline = time.monotonic() + 90
    for process, log in started:
        while " ready." not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        assert " ready." in log.read_text(), log.read_text()[-3000:]
    return [process for process, _log in started]


def stop_workers(processes):
    import os
    import signal
    import subprocess

    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
