"""System checks of the send jobs' settings (``notify_admin.E070``, ``E071``).

A wrong value would otherwise surface as a 500 on the upload page or a
crashed cron run; here ``manage.py check`` names the setting.
"""

from django.core import checks

from .. import conf

#: Settings that must be whole numbers of at least 1.
WHOLE = ("SEND_JOB_MAX_BYTES", "SEND_JOB_MAX_ROWS", "SEND_JOB_BACKGROUND_ROWS",
         "SEND_JOB_BATCH_SIZE")  # fmt: skip
#: Settings that must be positive numbers.
POSITIVE = ("SEND_JOB_DUPLICATE_HOURS", "SEND_JOB_FILE_DAYS", "SEND_JOB_LEASE_SECONDS")
_UNSET = object()


def register():
    checks.register(check_send_job_settings, checks.Tags.compatibility)


def check_send_job_settings(app_configs=None, **kwargs):
    errors = []
    for name in WHOLE:
        value = conf.get_setting(name, _UNSET)
        if value is not _UNSET and not (_number(value, int) and value >= 1):
            errors.append(_error(name, value, "a whole number of at least 1"))
    for name in POSITIVE:
        value = conf.get_setting(name, _UNSET)
        if value is not _UNSET and not (_number(value, int | float) and value > 0):
            errors.append(_error(name, value, "a positive number"))
    value = conf.get_setting("SEND_JOB_APPROVAL_THRESHOLD", _UNSET)
    if value not in (_UNSET, None) and not (_number(value, int) and value >= 0):
        errors.append(
            _error(
                "SEND_JOB_APPROVAL_THRESHOLD",
                value,
                "a whole number of recipients (0: every job), or None (never)",
            )
        )
    value = conf.get_setting("SEND_JOB_CELERY", _UNSET)
    if value is not _UNSET and not isinstance(value, bool):
        errors.append(_error("SEND_JOB_CELERY", value, "True or False"))
    return errors


def _number(value, kinds):
    return isinstance(value, kinds) and not isinstance(value, bool)


def _error(name, value, what):
    return checks.Error(
        f"{conf.PREFIX}{name} must be {what} (it is {value!r}).",
        id="notify_admin.E070" if name != "SEND_JOB_CELERY" else "notify_admin.E071",
    )
