"""The demo's consent data (make demo loads it after demo.json)."""

from pathlib import Path

import pytest
from django.core.management import call_command

from notify_admin.models import (
    BlackoutPeriod,
    NotificationCategory,
    NotificationPreference,
    RecipientSettings,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_demo_consent_fixture_loads_twice_and_keeps_the_rules():
    for _ in range(2):  # make demo may run again: the fixture overwrites its rows
        call_command(
            "loaddata",
            str(REPO / "fixtures" / "demo.json"),
            str(REPO / "fixtures" / "demo_consent.json"),
            verbosity=0,
        )
    assert NotificationCategory.objects.filter(critical=True).count() == 1
    assert NotificationPreference.objects.count() == 4
    for model in (NotificationCategory, NotificationPreference, RecipientSettings):
        for obj in model.objects.all():
            obj.full_clean()
    critical = NotificationCategory.objects.get(critical=True)
    assert not critical.off_by_default.exists()
    assert BlackoutPeriod.objects.count() == 1
