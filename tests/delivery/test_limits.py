"""The shared rate limiter (notify_admin.delivery.limits): bookings never
overlap whoever makes them, a daily cap holds, and a run honours both.

Each test runs on the database bucket and, when Redis answers, on the
Redis one (a RedisCache alias on NA_TEST_CACHE_URL). The bucket is booked
on a connection of its own: the tests are transactional ones."""

import datetime
import threading
import time

import pytest
from django.utils import timezone

from notify_admin.delivery import deliver_due, limits
from notify_admin.models import Notification, RateLimitBucket, TargetBackoff
from tests.support.provider_settings import merge_targets

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    """Where the buckets live for this test."""
    if request.param == "redis":
        request.getfixturevalue("redis_rate_cache")
    return request.param


def limiter(store, rate=None, daily=None, key="test"):
    found = limits.limiter_for(key, rate, daily)
    assert isinstance(
        found, limits.RedisLimiter if store == "redis" else limits.DatabaseLimiter
    )
    return found


def assert_never_early(times, started, rate):
    """The i-th of ``times`` (sorted) is no sooner than ``started + i / rate``
    (2 ms for the clocks' reading)."""
    early = [
        (i, round(at - started, 4))
        for i, at in enumerate(times)
        if at - started < i / rate - 0.002
    ]
    assert not early, f"sent before their slot: {early[:5]}"


def test_no_rate_and_no_cap_is_no_limiter():
    assert limits.limiter_for("test", None, None) is None
    assert limits.limiter_for("test", 0, "") is None


def test_bookings_follow_each_other_at_the_rate(store):
    bucket = limiter(store, rate=100)
    try:
        start = time.time()
        booked = []
        for _ in range(10):
            wait = bucket.reserve(1)
            booked.append(time.time() + wait - start)
        # Slot i starts i / 100 s after the first, however fast they were
        # asked for (never before; later only by the booking's own time).
        for i, at in enumerate(booked):
            assert i / 100 - 0.002 <= at <= i / 100 + 0.05
    finally:
        bucket.close()


def test_limiters_of_many_workers_share_one_bucket(store, is_postgres):
    """Four limiters (as four processes would hold), booking from threads:
    no two slots closer than the interval."""
    if store == "database" and not is_postgres:
        pytest.skip(
            "PostgreSQL only: SQLite's in-memory test database has no row locks "
            "to wait on (writers from threads fail at once)"
        )
    rate = 200
    buckets = [limiter(store, rate=rate) for _ in range(4)]
    slots, lock = [], threading.Lock()

    def book(bucket):
        for _ in range(25):
            wait = bucket.reserve(1)
            with lock:
                slots.append(time.time() + wait)

    threads = [threading.Thread(target=book, args=(b,)) for b in buckets]
    started = time.time()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for bucket in buckets:
            bucket.close()
    slots.sort()
    assert len(slots) == 100
    # Slots are disjoint: the i-th is never sooner than i intervals after the
    # first booking (a thread that got its answer late only makes it later).
    assert_never_early(slots, started, rate)


def test_a_daily_cap_refuses_what_goes_over_and_resets_the_next_day(store, monkeypatch):
    bucket = limiter(store, daily=5)
    try:
        assert [bucket.reserve(2) is not None for _ in range(3)] == [True, True, False]
        assert bucket.reserve(1) is not None  # 5 of 5
        assert bucket.reserve(1) is None
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        monkeypatch.setattr(limits, "today", lambda: tomorrow)
        assert bucket.reserve(5) is not None
        assert bucket.reserve(1) is None
    finally:
        bucket.close()


def test_the_database_bucket_is_one_row(settings):
    bucket = limiter("database", rate=50, daily=10, key="twilio_sms")
    try:
        bucket.reserve(3)
    finally:
        bucket.close()
    row = RateLimitBucket.objects.get()
    assert row.key.endswith("twilio_sms")
    assert (row.day, row.day_count) == (timezone.localdate(), 3)


# -- a run through the limit ------------------------------------------------


@pytest.fixture
def limited_sms(due, fake_twilio):
    def make(n):
        return [due("twilio") for _ in range(n)]

    return make


def test_a_run_sends_at_the_rate(store, limited_sms, fake_twilio, settings):
    merge_targets(settings, "twilio_sms", {"rate_limit": 40})
    limited_sms(30)
    started = time.time()
    assert deliver_due().delivered == 30
    arrivals = sorted(fake_twilio.arrivals)
    assert len(arrivals) == 30
    # 16 requests in flight, yet none before its slot: the i-th no sooner
    # than i slots of 25 ms after the run began (a request held up on a busy
    # machine arrives later than its slot, never sooner). The busiest second
    # of many senders is measured by tests/operations/test_shared_rate_limit.
    assert_never_early(arrivals, started, 40)


def test_the_daily_cap_holds_the_rest_until_midnight(
    store, limited_sms, fake_twilio, settings
):
    merge_targets(settings, "twilio_sms", {"daily_limit": 3})
    rows = limited_sms(5)
    result = deliver_due()
    assert (result.delivered, result.held) == (3, 2)
    assert len(fake_twilio.messages) == 3
    backoff = TargetBackoff.objects.get()
    assert backoff.kind == TargetBackoff.DAILY_LIMIT
    assert backoff.not_before == limits.next_day_start()
    assert "3 messages" in backoff.reason
    # Until midnight the runs claim none of the rest; nothing is spent.
    assert deliver_due().claimed == 0
    held = [r for r in rows if not r.attempts.exists()]
    assert len(held) == 2
    for row in held:
        row.refresh_from_db()
        assert (row.status, row.retry_attempts) == (Notification.SCHEDULED, 0)
