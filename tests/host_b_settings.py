"""Host B of the two-hosts overlap test: its own sender address and batch size."""

from tests.subprocess_settings import *  # noqa: F403
from tests.subprocess_settings import NOTIFICATION_SYSTEM_TARGETS

NOTIFICATION_SYSTEM_TARGETS["email"]["from_email"] = "host-b@example.com"
NOTIFICATION_SYSTEM_BATCH_SIZE = 40
NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["sender"] = "+14155550102"
