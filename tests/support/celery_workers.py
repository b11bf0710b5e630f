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
