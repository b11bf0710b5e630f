"""System checks of the feedback settings (``notify_admin.E030`` ...)."""

from urllib.parse import urlsplit

from django.core import checks

from .. import conf


def register():
    checks.register(check_public_url, checks.Tags.compatibility)


def check_public_url(app_configs=None, **kwargs):
    value = conf.get_setting("PUBLIC_URL", None)
    if not value:
        return []
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        return [
            checks.Error(
                f"{conf.PREFIX}PUBLIC_URL must be the console's public base URL, "
                f"such as 'https://console.example.com' (it is {value!r}).",
                hint="Providers sign the exact URL they call (Twilio); a "
                "callback's signature is checked against this base plus the path.",
                id="notify_admin.E030",
            )
        ]
    from ..channels.webhooks import webhook_path
    from .channels import webhook_channels

    hooked = webhook_channels()
    unreachable = [
        name
        for name, found in hooked
        if webhook_path(name, next(iter(found.webhooks))) is None
    ]
    if unreachable:
        return [
            checks.Warning(
                f"{conf.PREFIX}PUBLIC_URL is set but notify_admin's URLs are not "
                f"included: {', '.join(unreachable)} cannot be asked for status "
                "callbacks.",
                hint='Add path("notify-admin/", include("notify_admin.urls")) to '
                "your ROOT_URLCONF.",
                id="notify_admin.W030",
            )
        ]
    return []
