"""django-notification-system 1.5.3, the package notify_admin's models come from.

Its apps.py relies on ``default_app_config`` (removed in Django 4.1), so the
config class is listed directly. It has no setting for provider addresses:
behind the BENCH_* flags below, this settings module (and only it) redirects
the real SDK clients to the benchmark's fake servers on 127.0.0.1.
"""

import os

from .base import *  # noqa: F403
from .base import BASE_APPS, TWILIO

INSTALLED_APPS = [*BASE_APPS, "django_notification_system.Config"]

NOTIFICATION_SYSTEM_TARGETS = {
    "email": {"from_email": "bench@bench.example.com"},
    "twilio_sms": TWILIO,
}

if os.environ.get("BENCH_EXPO_HOST"):
    # Its Expo handler calls PushClient() with no host.
    import exponent_server_sdk

    exponent_server_sdk.PushClient.DEFAULT_HOST = os.environ["BENCH_EXPO_HOST"]

if os.environ.get("BENCH_TWILIO_URL"):
    # Its Twilio handler builds a new Client per message with no base URL.
    from twilio.base import client_base

    _get_hostname = client_base.ClientBase.get_hostname
    _fake = os.environ["BENCH_TWILIO_URL"]

    def _to_fake(self, uri):
        return _get_hostname(self, uri).replace("https://api.twilio.com", _fake)

    client_base.ClientBase.get_hostname = _to_fake
