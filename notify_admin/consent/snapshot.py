"""The few rows every batch's consent decision reads: the category table and
the blackout periods, kept in the process for a few seconds.

A run claims a batch every few milliseconds; reading these two small tables
for each batch cost two round trips and about a millisecond a batch. They
change rarely and by hand, so a process keeps what it read for
``NOTIFICATION_SYSTEM_CONSENT_CACHE_SECONDS`` (default 10; 0: read for every
batch), and forgets it at once when this process saves or deletes a category
(or its off-by-default channels) or a blackout period. Another process sees
such a change within those seconds. Preferences, opt-outs and quiet hours
are never kept: they are read for every batch.
"""

import datetime
import threading
import time

from django.core.signals import setting_changed
from django.db.models.signals import m2m_changed, post_delete, post_save

from .. import conf

DEFAULT_SECONDS = 10

_kept = {}
_lock = threading.Lock()


def seconds():
    return float(conf.get_setting("CONSENT_CACHE_SECONDS", DEFAULT_SECONDS) or 0)


def _get(key, load):
    ttl = seconds()
    if ttl <= 0:
        return load()
    found = _kept.get(key)
    now = time.monotonic()
    if found is not None and found[0] > now:
        return found[1]
    value = load()
    with _lock:
        _kept[key] = (now + ttl, value)
    return value


def category_rules():
    """``NotificationCategory.objects.rules()``, kept a few seconds."""
    from ..models import NotificationCategory

    key = ("rules", conf.default_category_key())
    return _get(key, NotificationCategory.objects.rules)


def blackout_periods(now):
    """``(first_day, last_day)`` of every blackout period not over (a day of
    slack for time zones behind UTC), kept a few seconds."""
    from ..models import BlackoutPeriod

    since = now.date() - datetime.timedelta(days=1)

    def load():
        return list(
            BlackoutPeriod.objects.filter(end_date__gte=since)
            .order_by("start_date")
            .values_list("start_date", "end_date")
        )

    return _get(("blackout", since), load)


def forget(**kwargs):
    with _lock:
        _kept.clear()


def connect():
    """Forget what was kept when this process changes it (AppConfig.ready)."""
    from ..models import BlackoutPeriod, NotificationCategory

    uid = "notify_admin.consent.snapshot"
    for model in (NotificationCategory, BlackoutPeriod):
        post_save.connect(forget, sender=model, dispatch_uid=f"{uid}.save.{model}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"{uid}.del.{model}")
    m2m_changed.connect(
        forget,
        sender=NotificationCategory.off_by_default.through,
        dispatch_uid=f"{uid}.off",
    )
    setting_changed.connect(forget, dispatch_uid=f"{uid}.settings")
