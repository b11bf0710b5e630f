"""Shared fixtures and helpers for the CSV import/export tests.

Loaded by the test modules through ``pytest_plugins`` after they import its
helpers, so pytest cannot rewrite its asserts: PYTEST_DONT_REWRITE.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin.imports.records import TargetUserRecordResource
from notify_admin.models import TargetUserRecord

CSV_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "csv"
FORMAT_INDEX = {"csv": "0", "tsv": "1", "json": "2"}
IMPORT_URL = "admin:notify_admin_targetuserrecord_import"
PROCESS_URL = "admin:notify_admin_targetuserrecord_process_import"


def fixture_bytes(name):
    return (CSV_DIR / name).read_bytes()


def snapshot():
    """Every record's identity and values, to prove nothing changed."""
    return sorted(
        TargetUserRecord.objects.values_list(
            "user__username",
            "target__name",
            "target_user_id",
            "description",
            "active",
            "modified",
        )
    )


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


def staff_user(*codenames, username="staff"):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "pw", is_staff=True
    )
    perms = Permission.objects.filter(
        content_type__app_label="notify_admin", codename__in=codenames
    )
    assert perms.count() == len(codenames), codenames
    user.user_permissions.set(perms)
    return user


ALL_RECORD_PERMS = (
    "view_targetuserrecord",
    "add_targetuserrecord",
    "change_targetuserrecord",
    "import_targetuserrecord",
    "export_targetuserrecord",
)


@pytest.fixture
def importer(client, people):
    client.force_login(staff_user(*ALL_RECORD_PERMS))
    return client


def upload(client, data, name="records.csv", fmt="csv", user_field="username"):
    return client.post(
        reverse(IMPORT_URL),
        {
            "resource": "0",
            "format": FORMAT_INDEX[fmt],
            "user_field": user_field,
            "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
        },
    )


def confirm(client, response):
    form = response.context["confirm_form"]
    assert form is not None
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(PROCESS_URL), data)


def export_form_data(resource_class=TargetUserRecordResource, fmt="csv"):
    data = {"resource": "0", "format": FORMAT_INDEX[fmt]}
    prefix = resource_class.__name__.lower()
    for field in resource_class().get_export_order():
        data[f"{prefix}_{field}"] = "on"
    return data
