"""System check of the language hook (``notify_admin.E040``)."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .languages import language_hook


def register():
    checks.register(check_language_hook, checks.Tags.compatibility)


def check_language_hook(app_configs=None, **kwargs):
    """NOTIFICATION_SYSTEM_USER_LANGUAGE must name an attribute or a callable."""
    try:
        language_hook()
    except ImproperlyConfigured as err:
        return [
            checks.Error(
                str(err),
                hint="Use 'user.<attribute>' (e.g. 'user.profile.language'), a "
                "dotted path to a callable taking the user, or leave it unset "
                "for LANGUAGE_CODE.",
                id="notify_admin.E040",
            )
        ]
    return []
