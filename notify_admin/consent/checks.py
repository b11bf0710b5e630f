"""System checks of the consent settings (``notify_admin.E050`` ...)."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from .. import conf
from . import hooks


def register():
    checks.register(check_quiet_hours, checks.Tags.compatibility)
    checks.register(check_default_category, checks.Tags.database)


def check_quiet_hours(app_configs=None, **kwargs):
    errors = []
    try:
        hooks.site_default()
    except ImproperlyConfigured as err:
        errors.append(
            checks.Error(
                str(err),
                hint='For example {"time_zone": "Europe/Paris", "start": "21:00", '
                '"end": "08:00"}, or None for no quiet hours.',
                id="notify_admin.E050",
            )
        )
    try:
        hooks.get_hook()
    except ImproperlyConfigured as err:
        errors.append(
            checks.Error(
                str(err),
                hint="A dotted path to a callable (user_ids) -> {user_id: "
                "QuietHours or None}.",
                id="notify_admin.E051",
            )
        )
    return errors


def check_default_category(app_configs=None, databases=None, **kwargs):
    """Run with ``check --database default`` (and by migrate): the default
    category should exist, or uncategorised notifications follow no
    category's rules."""
    if not databases:
        return []
    from ..models import NotificationCategory

    key = conf.default_category_key()
    try:
        found = NotificationCategory.objects.filter(key=key).exists()
    except DatabaseError:
        return []  # not migrated yet
    if found:
        return []
    return [
        checks.Warning(
            f"{conf.PREFIX}DEFAULT_CATEGORY is {key!r}, and no category has that "
            "key: notifications without a category are sent whatever the users' "
            "preferences.",
            hint="Add the category in the admin, or name an existing one.",
            id="notify_admin.W050",
        )
    ]
