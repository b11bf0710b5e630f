"""System checks (``notify_admin.E0xx`` errors, ``notify_admin.W0xx`` warnings).

Each check says which setting to fix, so a broken configuration is reported
at start-up instead of at send time. Provider settings are only required when
a target that uses the provider exists; the targets table may not exist yet
(checks also run before ``migrate``), so reading it is guarded.

Every target is pre-loaded by a migration, so "a target that needs it" means a
target with active user records; with DEBUG on (the development console) a
missing provider setting is a warning rather than an error.

Nothing here names a channel: the provider settings' checks come from each
registered channel's declarations (``required_settings``,
``number_settings``, ``url_settings``, ``setting_problems``). Loading a
built-in channel's module imports no SDK.
"""

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from . import conf
from .channels.registry import get_channel, registered
from .exceptions import UnknownChannel

NUMERIC_SETTINGS = ("BATCH_SIZE", "LEASE_SECONDS", "RETRY_BACKOFF")


@checks.register(checks.Tags.compatibility)
def check_settings_shape(app_configs=None, **kwargs):
    errors = []
    targets = conf.get_setting("TARGETS", {})
    if not isinstance(targets, dict):
        errors.append(
            checks.Error(
                "NOTIFICATION_SYSTEM_TARGETS must be a dict of provider settings.",
                hint='For example {"email": {"from_email": "ops@example.com"}}.',
                id="notify_admin.E001",
            )
        )
        targets = {}
    for provider, values in targets.items():
        if not isinstance(values, dict):
            errors.append(
                checks.Error(
                    f'NOTIFICATION_SYSTEM_TARGETS["{provider}"] must be a dict.',
                    id="notify_admin.E002",
                )
            )
    errors.extend(_check_numbers())
    errors.extend(_check_safety(targets))
    location_errors = _check_locations()
    errors.extend(location_errors)
    if location_errors:
        # The extra channels cannot be found, nor their declarations read.
        return errors
    for channel_type in _declared_channels():
        values = targets.get(channel_type.provider_key)
        if isinstance(values, dict):
            errors.extend(_check_provider_values(channel_type, values))
    return errors


def _declared_channels():
    """The registered channel classes, one per provider key."""
    found = {}
    for _name, channel_type in registered():
        found.setdefault(channel_type.provider_key, channel_type)
    return list(found.values())


def _check_provider_values(channel_type, values):
    provider = channel_type.provider_key
    errors = []
    for key in channel_type.number_settings:
        value = values.get(key)
        if value is not None and not _positive_number(value):
            errors.append(
                checks.Error(
                    f"{conf.target_setting_name(provider, key)} must be a positive "
                    f"number (it is {value!r}).",
                    id="notify_admin.E003",
                )
            )
    for key in channel_type.url_settings:
        value = values.get(key)
        if value and not str(value).startswith(("http://", "https://")):
            errors.append(
                checks.Error(
                    f"{conf.target_setting_name(provider, key)} must be an http(s) "
                    f"URL (it is {value!r}).",
                    id="notify_admin.E004",
                )
            )
    for key, message in channel_type.setting_problems(values):
        errors.append(
            checks.Error(
                f"{conf.target_setting_name(provider, key)} {message}",
                id="notify_admin.E007",
            )
        )
    return errors


def _check_numbers():
    errors = []
    for name in NUMERIC_SETTINGS:
        value = conf.get_setting(name)
        if not _positive_number(value):
            errors.append(
                checks.Error(
                    f"{conf.PREFIX}{name} must be a positive number (it is {value!r}).",
                    id="notify_admin.E005",
                )
            )
    return errors


#: Every target's limits, whatever its channel (notify_admin.delivery.gate):
#: key -> (test, what it must be).
SAFETY_TARGET_SETTINGS = {
    "rate_limit": (lambda v: _positive_number(v), "a positive number (per second)"),
    "daily_limit": (lambda v: _whole_number(v, 1), "a whole number of at least 1"),
    "breaker_threshold": (lambda v: _whole_number(v, 0), "a whole number (0: off)"),
}
SAFETY_SETTINGS = {
    "BREAKER_THRESHOLD": (lambda v: _whole_number(v, 0), "a whole number (0: off)"),
    "BREAKER_BACKOFF": (lambda v: _positive_number(v), "a positive number"),
    "BREAKER_BACKOFF_MAX": (lambda v: _positive_number(v), "a positive number"),
    "RATE_LIMIT_CACHE": (lambda v: _cache_alias(v), "the alias of a CACHES entry"),
}


def _check_safety(targets):
    """The circuit breaker's and the rate limits' settings (E060)."""
    problems = []
    for name, (ok, rule) in SAFETY_SETTINGS.items():
        value = conf.get_setting(name, None)
        if value is not None and not ok(value):
            problems.append((f"{conf.PREFIX}{name}", rule, value))
    for provider, values in targets.items():
        if not isinstance(values, dict):
            continue
        for key, (ok, rule) in SAFETY_TARGET_SETTINGS.items():
            value = values.get(key)
            if value is not None and not ok(value):
                problems.append((conf.target_setting_name(provider, key), rule, value))
    return [
        checks.Error(
            f"{name} must be {rule} (it is {value!r}).", id="notify_admin.E060"
        )
        for name, rule, value in problems
    ]


def _whole_number(value, least):
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _cache_alias(value):
    return isinstance(value, str) and value in settings.CACHES


def _check_locations():
    errors = []
    for name in ("CREATORS", "HANDLERS"):
        value = conf.get_setting(name)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(
            isinstance(item, str | Path) for item in value
        ):
            errors.append(
                checks.Error(
                    f"{conf.PREFIX}{name} must be a list of directories or dotted "
                    "module paths.",
                    id="notify_admin.E006",
                )
            )
    return errors


def _positive_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@checks.register(checks.Tags.compatibility)
def check_targets(app_configs=None, **kwargs):
    """Every target resolves to a channel, whose provider settings are set."""
    targets = _targets()
    if targets is None or _settings_broken():
        return []
    errors = []
    for target in targets:
        errors.extend(_check_target(target))
    return errors


def _settings_broken():
    return bool(check_settings_shape())


def _targets():
    from .models import NotificationTarget

    try:
        return list(NotificationTarget.objects.order_by("name"))
    except DatabaseError:
        # No database yet, or not migrated: nothing to check against.
        return None


def _check_target(target):
    try:
        channel = get_channel(target.notification_module_name)
    except UnknownChannel as err:
        return [
            checks.Error(
                f"Notification target {target.name!r}: {err}",
                hint="Add the module to NOTIFICATION_SYSTEM_HANDLERS / "
                "NOTIFICATION_SYSTEM_CREATORS or fix notification_module_name.",
                obj=target,
                id="notify_admin.E010",
            )
        ]
    except Exception as err:
        return [
            checks.Error(
                f"Notification target {target.name!r}: its channel module "
                f"{target.notification_module_name!r} failed to load: {err}",
                obj=target,
                id="notify_admin.E011",
            )
        ]
    missing = channel.check_settings()
    if not missing or not _in_use(target):
        return []
    # The development console runs without provider accounts: a warning there.
    level, code = (
        (checks.Warning, "notify_admin.W012")
        if settings.DEBUG
        else (checks.Error, "notify_admin.E012")
    )
    return [
        level(
            f"Notification target {target.name!r} needs {setting}.",
            hint="Set it in your Django settings (read secrets from the environment).",
            obj=target,
            id=code,
        )
        for setting in missing
    ]


def _in_use(target):
    """A target is in use when it has an active user record."""
    return target.user_records.filter(active=True).exists()


# Hosts that only this machine can reach: DEBUG pages there show nobody else.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", ".localhost", "testserver"}
# Django's startproject keys and the console's development key both start so.
INSECURE_KEY_PREFIX = "django-insecure"


@checks.register(checks.Tags.security)
def check_debug_and_secret_key(app_configs=None, **kwargs):
    """DEBUG pages and a published SECRET_KEY on a reachable server give away
    settings, sessions and password-reset tokens."""
    warnings = []
    exposed = [
        host
        for host in getattr(settings, "ALLOWED_HOSTS", [])
        if host not in LOCAL_HOSTS and not host.endswith(".localhost")
    ]
    if settings.DEBUG and exposed:
        warnings.append(
            checks.Warning(
                "DEBUG is on while ALLOWED_HOSTS lets other machines in "
                f"({', '.join(exposed)}): error pages would show them your "
                "settings and code.",
                hint="Set DEBUG = False (DJANGO_DEBUG unset for the console), or "
                "keep ALLOWED_HOSTS to localhost while developing.",
                id="notify_admin.W020",
            )
        )
    secret_key = str(getattr(settings, "SECRET_KEY", "") or "")
    if secret_key.startswith(INSECURE_KEY_PREFIX):
        warnings.append(
            checks.Warning(
                "SECRET_KEY is a development key (it starts with "
                f"{INSECURE_KEY_PREFIX!r}); anyone who knows it can forge "
                "sessions and password-reset links.",
                hint="Read a long random SECRET_KEY from the environment "
                "(the console reads the SECRET_KEY environment variable).",
                id="notify_admin.W021",
            )
        )
    return warnings
