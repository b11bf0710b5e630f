"""Start-up imports only what the process uses (bench/startup.py measures it).

The system checks run at every command's start; they read every channel's
declarations (its settings), so they load the built-in channel modules, and
a channel module imports its SDK only when a run opens it (the Twilio
channel its asyncio client too); address validation imports phonenumbers
when it validates a phone number. Run in a fresh interpreter on a database of
its own: this process has imported everything already.
"""

import json
import os

import pytest

from tests.support.paths import REPO
from tests.support.processes import run_script

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
SDKS = ["phonenumbers", "exponent_server_sdk", "twilio", "aiohttp", "pywebpush"]
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

seen["channel modules"] = sorted(
    name for name in sys.modules if name.startswith("notify_admin.channels.")
)
from notify_admin.validators import normalise_address
seen["phone"] = normalise_address("twilio", " +1 415 555 2671 ")
seen["after phone"] = loaded()
from notify_admin.channels.registry import get_channel
with get_channel("expo"):
    seen["expo opened"] = loaded()
print(json.dumps(seen))
"""


@pytest.mark.slow
def test_checks_import_no_channel_sdk_until_a_channel_opens(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    lines = run_script(SCRIPT, env)
    seen = json.loads(lines[-1])

    assert seen["no records"] == [[], []]
    # Targets in use: the checks pass, and still no SDK is imported...
    assert seen["expo in use"] == [[], []]
    # (phonenumbers: creating the record validated its number.)
    assert seen["twilio in use"] == [["phonenumbers"], []]
    # ... though the checks read every built-in channel's declarations.
    for name in ("email", "twilio", "expo", "webpush"):
        assert f"notify_admin.channels.{name}" in seen["channel modules"]
    assert seen["phone"] == "+14155552671"
    assert seen["after phone"] == ["phonenumbers"]
    # A channel imports its SDK when a run opens it.
    assert "exponent_server_sdk" in seen["expo opened"]
    assert "twilio" not in seen["expo opened"]
