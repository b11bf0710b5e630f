"""The Redis the shared rate limiter's tests book in: a Django RedisCache at
``NA_TEST_CACHE_URL`` (default ``redis://127.0.0.1:6379/13``: a database no
other test uses; use your own number when others run tests on the machine).
Tests skip with the reason when it does not answer."""

import os

import pytest

CACHE_URL = os.environ.get("NA_TEST_CACHE_URL", "redis://127.0.0.1:6379/13")
ALIAS = "rate_limits"


def cache_settings():
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "na-test",
    }


def redis_cache_or_skip():
    """A redis client on the test cache's database, emptied."""
    redis = pytest.importorskip("redis")
    try:
        client = redis.Redis.from_url(CACHE_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis is not reachable at {CACHE_URL}: {err}")
    client.flushdb()
    return client
