"""Where a recipient's time zone and quiet hours come from.

In order: the callable named by ``NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK``
(``hook(user_ids) -> {user_id: QuietHours or None}``, one call per batch;
users it leaves out get the site default), else the users' RecipientSettings
rows (blank fields are filled from the site default), else the site default
``NOTIFICATION_SYSTEM_QUIET_HOURS``::

    NOTIFICATION_SYSTEM_QUIET_HOURS = {
        "time_zone": "Europe/Paris",  # default: TIME_ZONE
        "start": "21:00",  # quiet hours, in each recipient's own time zone
        "end": "08:00",
    }

A hook that raises is logged and the site default is used for the batch.
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .. import conf
from .quiet_hours import QuietHours

logger = logging.getLogger("notify_admin.consent")

SETTING = "NOTIFICATION_SYSTEM_QUIET_HOURS"
HOOK_SETTING = "NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK"


def parse_time(value, name):
    if value is None or isinstance(value, datetime.time):
        return value
    try:
        return datetime.time.fromisoformat(str(value))
    except ValueError as err:
        raise ImproperlyConfigured(
            f'{name} must be a time such as "21:00", not {value!r}.'
        ) from err


def parse_zone(value, name):
    try:
        return zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as 'Europe/Paris', not {value!r}."
        ) from err


def site_time_zone():
    return parse_zone(getattr(settings, "TIME_ZONE", None) or "UTC", "TIME_ZONE")


def site_default():
    """The site's QuietHours; raises ImproperlyConfigured naming the setting."""
    value = conf.quiet_hours_default()
    if value is None:
        return QuietHours(site_time_zone())
    if not isinstance(value, dict) or set(value) - {"time_zone", "start", "end"}:
        raise ImproperlyConfigured(
            f'{SETTING} must be a dict with the keys "time_zone", "start" and "end".'
        )
    zone = value.get("time_zone")
    start = parse_time(value.get("start"), f'{SETTING}["start"]')
    end = parse_time(value.get("end"), f'{SETTING}["end"]')
    if (start is None) != (end is None):
        raise ImproperlyConfigured(
            f'{SETTING} needs both "start" and "end", or neither.'
        )
    return QuietHours(
        parse_zone(zone, f'{SETTING}["time_zone"]') if zone else site_time_zone(),
        start,
        end,
    )


def get_hook():
    """The hook callable, or None; raises ImproperlyConfigured naming the
    setting when it cannot be imported."""
    path = conf.quiet_hours_hook()
    if not path:
        return None
    try:
        hook = import_string(str(path))
    except ImportError as err:
        raise ImproperlyConfigured(
            f"{HOOK_SETTING}: cannot import {path!r}: {err}"
        ) from err
    if not callable(hook):
        raise ImproperlyConfigured(f"{HOOK_SETTING}: {path!r} is not callable.")
    return hook


def from_recipient_settings(user_ids, default):
    """QuietHours from the users' RecipientSettings rows (one query)."""
    from ..models import RecipientSettings
    from ..models.expressions import fk_in

    found, shared = {}, {}
    rows = RecipientSettings.objects.filter(
        fk_in(RecipientSettings, "user", user_ids)
    ).values_list("user_id", "time_zone", "quiet_hours_start", "quiet_hours_end")
    for user_id, zone, start, end in rows:
        # One QuietHours per distinct window (most users share a few).
        if (zone, start, end) not in shared:
            shared[zone, start, end] = _quiet_hours(zone, start, end, default)
        found[user_id] = shared[zone, start, end]
    return found


def _quiet_hours(zone, start, end, default):
    try:
        tz = zoneinfo.ZoneInfo(zone) if zone else default.time_zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # Saved before this machine lost the zone: the site's.
        tz = default.time_zone
    if start is None or end is None:
        start, end = default.start, default.end
    return QuietHours(tz, start, end)


def quiet_hours_for(user_ids):
    """``{user_id: QuietHours}`` for every id in ``user_ids``."""
    user_ids = list(dict.fromkeys(user_ids))
    default = site_default()
    hook = get_hook()
    try:
        found = hook(user_ids) if hook else from_recipient_settings(user_ids, default)
        none = QuietHours(default.time_zone)
        found = {
            user_id: _checked(found.get(user_id, default), none) for user_id in user_ids
        }
    except Exception:
        logger.exception(
            "%s failed; the site default quiet hours hold for this batch.", HOOK_SETTING
        )
        found = dict.fromkeys(user_ids, default)
    return found


def _checked(hours, none):
    if hours is None:
        return none
    if not isinstance(hours, QuietHours):
        raise TypeError(
            f"{HOOK_SETTING} must map user ids to QuietHours or None, "
            f"not {type(hours).__name__}."
        )
    return hours
