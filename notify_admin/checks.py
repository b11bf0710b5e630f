"""System checks (``notify_admin.E0xx`` errors, ``notify_admin.W0xx`` warnings).

Each check says which setting to fix, so a broken configuration is reported
at start-up instead of at send time.
"""

from django.core import checks

from . import conf


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
    return errors
