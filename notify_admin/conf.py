"""The one reader of settings.

Settings are read at call time (never at import time) so that tests and host
projects can override them; a missing setting fails with the exact name to add.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "NOTIFICATION_SYSTEM_"

_MISSING = object()

# Defaults of the engine's own settings (NOTIFICATION_SYSTEM_<name>).
DEFAULTS = {
    # Rows claimed and sent per batch: a batch costs a fixed handful of SQL
    # statements, so a large batch keeps the statements per notification low.
    "BATCH_SIZE": 500,
    # How long a claimed row belongs to the worker that claimed it; after that
    # a dead worker's rows are due again.
    "LEASE_SECONDS": 300,
    # Multiplier for retry delays: delay = retry_time_interval * factor ** tries.
    "RETRY_BACKOFF": 1,
    "CREATORS": [],
    "HANDLERS": [],
}


class ProviderNotConfigured(ImproperlyConfigured):
    """A channel's provider setting is missing or has the wrong shape."""


def get_setting(name, default=_MISSING):
    """Return ``settings.NOTIFICATION_SYSTEM_<name>``, or ``default``.

    Without a default a missing setting raises ImproperlyConfigured naming it.
    """
    full_name = PREFIX + name
    if default is _MISSING:
        default = DEFAULTS.get(name, _MISSING)
    value = getattr(settings, full_name, default)
    if value is _MISSING:
        raise ImproperlyConfigured(f"Set {full_name} in your Django settings.")
    return value


def target_setting_name(target, key):
    return f'NOTIFICATION_SYSTEM_TARGETS["{target}"]["{key}"]'


def provider_settings(target):
    """A copy of ``NOTIFICATION_SYSTEM_TARGETS[target]`` (``{}`` when unset)."""
    targets = get_setting("TARGETS", {}) or {}
    provider = targets.get(target) if isinstance(targets, dict) else None
    return dict(provider) if isinstance(provider, dict) else {}


def get_target_setting(target, key, default=_MISSING):
    """Return ``NOTIFICATION_SYSTEM_TARGETS[target][key]``.

    ``target`` is the provider key of the original package
    (``"email"``, ``"twilio_sms"``, ``"expo"``).
    """
    targets = get_setting("TARGETS", {}) or {}
    provider = targets.get(target) if isinstance(targets, dict) else None
    value = (provider if isinstance(provider, dict) else {}).get(key, default)
    if value is _MISSING or (default is _MISSING and value in (None, "")):
        raise ProviderNotConfigured(
            f"Set {target_setting_name(target, key)} in your Django settings."
        )
    return value


def batch_size():
    return int(get_setting("BATCH_SIZE"))


def lease_seconds():
    return float(get_setting("LEASE_SECONDS"))


def retry_backoff():
    return float(get_setting("RETRY_BACKOFF"))


def extension_locations():
    """Directories and dotted packages holding extra channel modules, in order."""
    locations = []
    for name in ("HANDLERS", "CREATORS"):
        value = get_setting(name) or []
        if isinstance(value, str):
            value = [value]
        for item in value:
            if str(item) not in locations:
                locations.append(str(item))
    return locations


# -- running at scale (Celery, retention, health) ------------------------------


def purge_after_days():
    """Default age, in days, of the rows purge_notifications removes."""
    return float(get_setting("PURGE_AFTER_DAYS", 90))


def background_send_threshold():
    """Admin "send now" selections larger than this go to a Celery task
    (``None``, the default: always in the request)."""
    value = get_setting("BACKGROUND_SEND_THRESHOLD", None)
    return None if value is None else int(value)


def health_token():
    """The token uptime checks send in ``Authorization: Bearer`` ("" = staff only)."""
    return str(get_setting("HEALTH_TOKEN", "") or "")


def health_limits():
    """When the health view answers 503: ``{"due_age": s, "run_age": s}``."""
    limits = {"due_age": 600, "run_age": 900}
    limits.update(get_setting("HEALTH_LIMITS", {}) or {})
    return limits


# -- consent: categories, quiet hours -------------------------------------------

#: The category of notifications created without one.
DEFAULT_CATEGORY = "general"


def default_category_key():
    """The key of the category a notification without one belongs to."""
    return str(get_setting("DEFAULT_CATEGORY", DEFAULT_CATEGORY) or "")


def quiet_hours_default():
    """``NOTIFICATION_SYSTEM_QUIET_HOURS``: the site's default time zone and
    quiet hours, ``{"time_zone": ..., "start": "HH:MM", "end": "HH:MM"}``
    (any key may be left out; None: no quiet hours)."""
    return get_setting("QUIET_HOURS", None)


def quiet_hours_hook():
    """``NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK``: the dotted path of a
    callable ``(user_ids) -> {user_id: QuietHours or None}`` (None: the
    recipients' RecipientSettings rows)."""
    return get_setting("QUIET_HOURS_HOOK", None)


# -- operations safety: circuit breaker, shared rate limits ---------------------

#: Transient failures in a row after which a run stops sending to a target.
BREAKER_THRESHOLD = 10
#: The first back-off after a trip, and its cap (it doubles with each trip).
BREAKER_BACKOFF = 30
BREAKER_BACKOFF_MAX = 300


def breaker_threshold(provider_settings=None):
    """Transient failures in a row after which a run stops sending to a
    target: ``NOTIFICATION_SYSTEM_TARGETS[key]["breaker_threshold"]``, else
    ``NOTIFICATION_SYSTEM_BREAKER_THRESHOLD`` (10); 0 turns the breaker off."""
    value = (provider_settings or {}).get("breaker_threshold")
    if value is None:
        value = get_setting("BREAKER_THRESHOLD", BREAKER_THRESHOLD)
    return int(value or 0)


def breaker_backoff():
    """``(first, cap)``: seconds a tripped target waits before the next run
    probes it, doubling with each trip in a row up to the cap
    (``NOTIFICATION_SYSTEM_BREAKER_BACKOFF``, ``..._BACKOFF_MAX``)."""
    first = float(get_setting("BREAKER_BACKOFF", BREAKER_BACKOFF))
    cap = float(get_setting("BREAKER_BACKOFF_MAX", BREAKER_BACKOFF_MAX))
    return first, max(first, cap)


def rate_limit_cache():
    """The alias of the Django cache the shared rate limiter books its slots
    in when it is Redis (``NOTIFICATION_SYSTEM_RATE_LIMIT_CACHE``, default
    "default"); any other backend: the database's RateLimitBucket table."""
    return str(get_setting("RATE_LIMIT_CACHE", "default") or "default")
