"""Start-up imports only what the process uses (bench/startup.py measures it).

The system checks run at every command's start; they load a built-in
channel's module (and so its SDK) only for a target in use, the Twilio
channel imports its asyncio client (aiohttp) when a run opens it, and address
validation imports phonenumbers when it validates a phone number. Run in a
fresh interpreter on a database of its own: this process has imported
everything already.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.support.paths import REPO

ROOT = REPO

SCRIPT = """
import json, sys
import django
django.setup()
from django.core import checks
from django.core.management import call_command

call_command("migrate", verbosity=0)
# Not requests: the console mounts anymail's webhook URLs when anymail is
# installed, and Django's URL check imports them (they use requests).
SDKS = ["phonenumbers", "exponent_server_sdk", "twilio", "aiohttp"]
loaded = lambda: [name for name in SDKS if name in sys.modules]
seen = {}
errors = [e.id for e in checks.run_checks()]
seen["no records"] = (loaded(), errors)

from django.contrib.auth import get_user_model
from notify_admin.models import NotificationTarget, TargetUserRecord
user = get_user_model().objects.create(username="u1")
TargetUserRecord.objects.create(
    user=user,
    target=NotificationTarget.objects.get(notification_module_name="expo"),
    target_user_id="ExponentPushToken[u1]",
    active=True,
)
errors = [e.id for e in checks.run_checks()]
seen["expo in use"] = (loaded(), errors)

TargetUserRecord.objects.create(
    user=user,
    target=NotificationTarget.objects.get(notification_module_name="twilio"),
    target_user_id="+14155552671",
    active=True,
)
errors = [e.id for e in checks.run_checks()]
seen["twilio in use"] = (loaded(), errors)

from notify_admin.validators import normalise_address
seen["phone"] = normalise_address("twilio", " +1 415 555 2671 ")
seen["after phone"] = loaded()
print(json.dumps(seen))
"""


@pytest.mark.slow
def test_checks_import_a_channel_sdk_only_for_a_target_in_use(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["no records"] == [[], []]
    # The Expo target in use: its module and SDK load, and the checks pass.
    sdks, errors = seen["expo in use"]
    assert "exponent_server_sdk" in sdks
    assert "twilio" not in sdks and "phonenumbers" not in sdks
    assert errors == []
    # Twilio in use: its module loads, not the asyncio client it sends with.
    sdks, errors = seen["twilio in use"]
    assert "twilio" in sdks and "aiohttp" not in sdks
    assert errors == []
    assert seen["phone"] == "+14155552671"
    assert "phonenumbers" in seen["after phone"]
