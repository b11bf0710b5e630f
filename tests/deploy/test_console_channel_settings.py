"""The standalone console takes any channel's settings from the environment
(``NOTIFICATION_SYSTEM_TARGETS__<PROVIDER>__<KEY>``), so a new channel needs
no line in its settings module."""

import json
import os
from pathlib import Path

from tests.support.processes import run_script

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps(settings.NOTIFICATION_SYSTEM_TARGETS))
"""


def test_channel_settings_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "notify_admin.site.settings",
        "DJANGO_DEBUG": "1",
        "PYTHONPATH": str(ROOT),
        "TWILIO_SENDER": "+14155550100",
        "NOTIFICATION_SYSTEM_TARGETS__WEBPUSH__VAPID_SUBJECT": "mailto:ops@example.com",
        "NOTIFICATION_SYSTEM_TARGETS__WEBPUSH__TTL": "3600",
        "NOTIFICATION_SYSTEM_TARGETS__TWILIO_SMS__CONCURRENCY": "4",
        "NOTIFICATION_SYSTEM_TARGETS__": "ignored",
    }
    targets = json.loads(run_script(SCRIPT, env, timeout=60)[-1])
    assert targets["webpush"] == {
        "vapid_subject": "mailto:ops@example.com",
        "ttl": 3600,
    }
    # Named variables and the generic ones go together.
    assert targets["twilio_sms"]["sender"] == "+14155550100"
    assert targets["twilio_sms"]["concurrency"] == 4
    assert "" not in targets
