"""Shared set-up for the consent tests."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from notify_admin.models import NotificationCategory, RecipientSettings


def category(key, critical=False, off_on=()):
    made = NotificationCategory.objects.create(
        key=key, name=key.title(), critical=critical
    )
    made.off_by_default.add(*off_on)
    return made


def quiet_now(user, time_zone="UTC", now=None):
    """Quiet hours for ``user`` from an hour ago to an hour from now (their
    clock): a row due now is held until the window ends."""
    now = (now or timezone.now()).astimezone(ZoneInfo(time_zone))
    start = (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    return RecipientSettings.objects.create(
        user=user, time_zone=time_zone, quiet_hours_start=start, quiet_hours_end=end
    )
