"""notify_admin, configured like a host project would, pointed at the fakes."""

import os

from .base import *  # noqa: F403
from .base import BASE_APPS, TWILIO

INSTALLED_APPS = [*BASE_APPS, "notify_admin"]

NOTIFICATION_SYSTEM_TARGETS = {
    "email": {"from_email": "bench@bench.example.com"},
    "twilio_sms": {**TWILIO},
    "expo": {},
}
if os.environ.get("BENCH_TWILIO_URL"):
    NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["base_url"] = os.environ[
        "BENCH_TWILIO_URL"
    ]
if os.environ.get("BENCH_EXPO_HOST"):
    NOTIFICATION_SYSTEM_TARGETS["expo"]["host"] = os.environ["BENCH_EXPO_HOST"]
if os.environ.get("BENCH_EMAIL_CONCURRENCY"):
    # Connections (threads) a batch of email is sent over (default 4).
    NOTIFICATION_SYSTEM_TARGETS["email"]["concurrency"] = int(
        os.environ["BENCH_EMAIL_CONCURRENCY"]
    )
