"""The one reader of settings.

Settings are read at call time (never at import time) so that tests and host
projects can override them; a missing setting fails with the exact name to add.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "NOTIFICATION_SYSTEM_"

_MISSING = object()


def get_setting(name, default=_MISSING):
    """Return ``settings.NOTIFICATION_SYSTEM_<name>``, or ``default``.

    Without a default a missing setting raises ImproperlyConfigured naming it.
    """
    full_name = PREFIX + name
    value = getattr(settings, full_name, default)
    if value is _MISSING:
        raise ImproperlyConfigured(f"Set {full_name} in your Django settings.")
    return value


def get_target_setting(target, key, default=_MISSING):
    """Return ``NOTIFICATION_SYSTEM_TARGETS[target][key]``.

    ``target`` is the provider key of the original package
    (``"email"``, ``"twilio_sms"``, ``"expo"``).
    """
    targets = get_setting("TARGETS", {}) or {}
    value = (targets.get(target) or {}).get(key, default)
    if value is _MISSING:
        raise ImproperlyConfigured(
            f'Set NOTIFICATION_SYSTEM_TARGETS["{target}"]["{key}"] '
            "in your Django settings."
        )
    return value
