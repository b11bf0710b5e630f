"""Settings for process_notifications run as a child process by the tests.

The test settings, pointed (through the environment) at the test's database
and at the fake provider servers the test started.
"""

import copy
import os

from tests.settings import *  # noqa: F403
from tests.settings import NOTIFICATION_SYSTEM_TARGETS

if os.environ.get("NA_SMTP_PORT"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(os.environ["NA_SMTP_PORT"])
    EMAIL_TIMEOUT = 5

NOTIFICATION_SYSTEM_TARGETS = copy.deepcopy(NOTIFICATION_SYSTEM_TARGETS)
if os.environ.get("NA_TWILIO_URL"):
    NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["base_url"] = os.environ["NA_TWILIO_URL"]
    NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["concurrency"] = int(
        os.environ.get("NA_TWILIO_CONCURRENCY", "10")
    )
if os.environ.get("NA_RATE_LIMIT"):
    # The shared rate limit (tests/operations/test_shared_rate_limit.py).
    NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["rate_limit"] = float(
        os.environ["NA_RATE_LIMIT"]
    )
if os.environ.get("NA_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["NA_CACHE_URL"],
            "KEY_PREFIX": "na-test",
        }
    }
if os.environ.get("NA_EXPO_URL"):
    NOTIFICATION_SYSTEM_TARGETS["expo"]["host"] = os.environ["NA_EXPO_URL"]

NOTIFICATION_SYSTEM_LEASE_SECONDS = float(os.environ.get("NA_LEASE_SECONDS", "300"))

# Celery workers started by tests/operations/test_celery.py (tests/celery_app.py).
CELERY_BROKER_URL = os.environ.get("NA_BROKER_URL", "redis://127.0.0.1:6379/14")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": float(os.environ.get("NA_VISIBILITY_TIMEOUT", "3600"))
}
