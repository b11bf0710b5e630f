"""Fixtures of the CSV import/export tests (helpers: tests/support/csv_import.py)."""

import pytest
from django.contrib.auth import get_user_model

from notify_admin.models import TargetUserRecord
from tests.support.csv_import import ALL_RECORD_PERMS, staff_user


@pytest.fixture
def people(db):
    User = get_user_model()
    return {
        name: User.objects.create_user(name, f"{name}@example.com")
        for name in ("alice", "bob", "carol")
    }


@pytest.fixture
def existing(people, targets):
    """One record that must survive every failed import untouched."""
    return TargetUserRecord.objects.create(
        user=people["bob"],
        target=targets["email"],
        target_user_id="bob@example.com",
        description="Keep me",
        active=True,
    )


@pytest.fixture
def importer(client, people):
    client.force_login(staff_user(*ALL_RECORD_PERMS))
    return client
