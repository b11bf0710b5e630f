"""Rate limits shared by every process and worker: a target's messages per
second (``NOTIFICATION_SYSTEM_TARGETS[key]["rate_limit"]``) and an optional
daily cap (``["daily_limit"]``).

A GCRA (generic cell rate algorithm) without burst: the bucket keeps the
next free slot (the "theoretical arrival time", TAT). A sender books ``n``
messages in one atomic step: it gets the slot ``max(TAT, now)`` and moves
the TAT on by ``n / rate``; it then waits until its slot. Bookings never
overlap, whichever process or host makes them, so the provider never sees
more than the rate in any second (plus one message at the window's edge),
and nobody books ahead more than what is in flight.

Where the state lives:

- in Django's cache when it is Redis (``django.core.cache.backends.redis.
  RedisCache``; ``NOTIFICATION_SYSTEM_RATE_LIMIT_CACHE`` names the alias):
  one Lua script per booking, timed by Redis's own clock;
- otherwise in the database (:class:`~notify_admin.models.RateLimitBucket`):
  one row-locked UPDATE per booking, timed by the hosts' clocks (keep them
  in sync, as the leases already need).

``reserve(n)`` answers the seconds to wait, or None when the daily cap is
reached (today counted in ``settings.TIME_ZONE``).
"""

import datetime
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import caches
from django.db import OperationalError, connections, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from .. import conf
from ..models import RateLimitBucket

KEY_PREFIX = "notify_admin:rate"
LOCKED_TRIES = 100

# KEYS[1]: the TAT (microseconds), KEYS[2]: today's count.
# ARGV: interval (us), n, daily cap (0: none), seconds to keep the count.
# Returns the microseconds to wait, or -1 when the cap is reached.
GCRA_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
if cap > 0 then
  local sent = tonumber(redis.call('GET', KEYS[2]) or '0')
  if sent + n > cap then
    return -1
  end
  redis.call('INCRBY', KEYS[2], n)
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
end
if interval <= 0 then
  return 0
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local new_tat = tat + n * interval
redis.call('SET', KEYS[1], string.format('%d', new_tat),
  'PX', math.ceil((new_tat - now) / 1000) + 1000)
return tat - now
"""


def limiter_for(key, rate=None, daily_limit=None):
    """The shared limiter of target ``key`` (its provider key), or None
    when it has neither a rate nor a daily cap."""
    rate = float(rate) if rate else 0.0
    daily_limit = int(daily_limit) if daily_limit else 0
    if not rate and not daily_limit:
        return None
    cache = caches[conf.rate_limit_cache()]
    if is_redis(cache):
        return RedisLimiter(key, rate, daily_limit, cache)
    return DatabaseLimiter(key, rate, daily_limit)


def is_redis(cache):
    from django.core.cache.backends.redis import RedisCache

    return isinstance(cache, RedisCache)


def today():
    return timezone.localdate()


def seconds_to_keep_day():
    # Two days: the count outlives its day whatever the time zone.
    return 2 * 24 * 3600


class Limiter:
    def __init__(self, key, rate, daily_limit):
        self.key = key
        self.rate = rate
        self.daily_limit = daily_limit
        #: Seconds between two messages (0: no rate, only a daily cap).
        self.interval = 1.0 / rate if rate else 0.0

    def reserve(self, n=1):
        """Book ``n`` messages; the seconds to wait before sending them, or
        None when they would go over the daily cap (nothing booked)."""
        raise NotImplementedError

    def wait(self, n=1):
        """Book and wait; False when the daily cap is reached."""
        delay = self.reserve(n)
        if delay is None:
            return False
        if delay > 0:
            time.sleep(delay)
        return True

    def close(self):
        """Release what the limiter holds (a thread, a connection)."""

    def describe(self):
        parts = []
        if self.rate:
            parts.append(f"{self.rate:g}/s")
        if self.daily_limit:
            parts.append(f"{self.daily_limit}/day")
        return ", ".join(parts)


class RedisLimiter(Limiter):
    """The bucket in Redis, through Django's RedisCache's own client."""

    def __init__(self, key, rate, daily_limit, cache):
        super().__init__(key, rate, daily_limit)
        client = cache._cache.get_client(write=True)
        self.script = client.register_script(GCRA_LUA)
        self.tat_key = cache.make_key(f"{KEY_PREFIX}:{key}:tat")
        self.cache = cache

    def reserve(self, n=1):
        day_key = self.cache.make_key(f"{KEY_PREFIX}:{self.key}:day:{today()}")
        wait_us = self.script(
            keys=[self.tat_key, day_key],
            args=[
                math.ceil(self.interval * 1_000_000),
                int(n),
                self.daily_limit,
                seconds_to_keep_day(),
            ],
        )
        wait_us = int(wait_us)
        return None if wait_us < 0 else wait_us / 1_000_000


class DatabaseLimiter(Limiter):
    """The bucket in a RateLimitBucket row: one UPDATE books the slot and
    counts the day (the row lock orders concurrent bookings), the same
    transaction reads the slot back.

    Bookings are made on one thread of the limiter's own, with its own
    database connection: a channel may ask from an event loop (Django's ORM
    refuses to run there) or from its worker threads, and the bookings stay
    out of the run's transactions. ``close()`` ends it.
    """

    def __init__(self, key, rate, daily_limit):
        super().__init__(key, rate, daily_limit)
        self.booker = None
        self.lock = threading.Lock()

    def reserve(self, n=1):
        with self.lock:
            if self.booker is None:
                self.booker = ThreadPoolExecutor(
                    1, thread_name_prefix="notify-admin-rate-limit"
                )
        slot = self.booker.submit(self.book_slot, n).result()
        # Counted from now, not from the booking: the round trip (a first
        # connection, a lock wait) does not shorten the gap to the next slot.
        return None if slot is None else max(0.0, slot - time.time())

    def close(self):
        with self.lock:
            booker, self.booker = self.booker, None
        if booker is not None:
            booker.submit(connections.close_all)
            booker.shutdown(wait=True)

    def book_slot(self, n=1):
        """Book ``n`` messages; the time (``time.time()``) their slot
        starts, or None over the daily cap. SQLite answers "locked" at once
        to a second writer in one process (shared cache): tried again."""
        for attempt in range(LOCKED_TRIES):
            try:
                return self.book_slot_once(n)
            except OperationalError as err:
                if "locked" not in str(err) or attempt == LOCKED_TRIES - 1:
                    raise
                time.sleep(0.01)

    def book_slot_once(self, n):
        key = f"{KEY_PREFIX}:{self.key}"
        day = today()
        for attempt in range(2):
            with transaction.atomic():
                if self.book(key, time.time(), day, n):
                    tat = RateLimitBucket.objects.values_list("tat", flat=True).get(
                        key=key
                    )
                    return tat - n * self.interval
            if attempt == 0:
                # No row yet (the first booking of this key, or another
                # process is making it), or over the daily cap: make sure
                # the row exists, then book again.
                RateLimitBucket.objects.get_or_create(key=key)
        # The row exists and its day's count refused the booking.
        return None

    def book(self, key, now, day, n):
        rows = RateLimitBucket.objects.filter(key=key)
        changes = {"tat": Greatest(F("tat"), Value(now)) + n * self.interval}
        if self.daily_limit:
            rows = rows.filter(
                ~Q(day=day)
                | Q(day__isnull=True)
                | Q(day_count__lte=self.daily_limit - n)
            )
            changes["day"] = Value(day)
            changes["day_count"] = Case(
                When(day=day, then=F("day_count") + n), default=Value(n)
            )
        return rows.update(**changes)


def next_day_start():
    """When the daily cap's day ends (midnight, ``settings.TIME_ZONE``)."""
    tomorrow = today() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()))
