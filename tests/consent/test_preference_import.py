"""Preferences as CSV: the admin's import (preview, confirm, all or nothing,
bad rows by line and reason) and export, and their permissions."""

import csv
import io

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin.imports.preferences import NotificationPreferenceResource
from notify_admin.models import NotificationPreference
from tests.support.consent import category
from tests.support.csv_import import export_form_data, staff_user

pytestmark = pytest.mark.django_db

IMPORT = "admin:notify_admin_notificationpreference_import"
PROCESS = "admin:notify_admin_notificationpreference_process_import"
EXPORT = "admin:notify_admin_notificationpreference_export"
PERMS = (
    "view_notificationpreference",
    "add_notificationpreference",
    "change_notificationpreference",
    "import_notificationpreference",
    "export_notificationpreference",
)


@pytest.fixture
def preference_world(make_user, targets):
    people = {name: make_user(username=name) for name in ("alice", "bob")}
    cats = {"news": category("news"), "security": category("security", critical=True)}
    NotificationPreference.objects.create(
        user=people["bob"], category=cats["news"], target=targets["email"], enabled=True
    )
    return people, cats


@pytest.fixture
def preference_staff(client, preference_world):
    client.force_login(staff_user(*PERMS))
    return client


def upload(client, text):
    return client.post(
        reverse(IMPORT),
        {
            "resource": "0",
            "format": "0",
            "user_field": "username",
            "import_file": SimpleUploadedFile("p.csv", text.encode(), "text/csv"),
        },
    )


def confirm(client, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(PROCESS), data)


def snapshot():
    return sorted(
        NotificationPreference.objects.values_list(
            "user__username", "category__key", "target__name", "enabled", "modified"
        )
    )


def test_a_clean_file_previews_then_imports(preference_staff, preference_world):
    text = (
        "user,category,target,enabled\n"
        "alice,news,Email,no\n"
        "alice,general,Twilio,0\n"
        "bob,news,Email,false\n"
        "bob,security,Email,yes\n"
    )
    response = upload(preference_staff, text)
    body = response.content.decode()
    assert "4 row(s): 3 new, 1 updated, 0 unchanged, 0 invalid." in body
    assert NotificationPreference.objects.count() == 1
    response = confirm(preference_staff, response)
    assert response.status_code == 302
    got = {
        (p.user.username, p.category.key, p.target.name): p.enabled
        for p in NotificationPreference.objects.select_related(
            "user", "category", "target"
        )
    }
    assert got == {
        ("alice", "news", "Email"): False,
        ("alice", "general", "Twilio"): False,
        ("bob", "news", "Email"): False,
        ("bob", "security", "Email"): True,
    }
    flags = sorted(LogEntry.objects.values_list("action_flag", flat=True))
    assert flags.count(ADDITION) == 3 and flags.count(CHANGE) == 1
    # The same file again: all unchanged, nothing to confirm.
    body = upload(preference_staff, text).content.decode()
    assert "0 new, 0 updated, 4 unchanged" in body and "Confirm import" not in body


@pytest.mark.parametrize(
    ("row", "line_error"),
    [
        ("carol,news,Email,no", "line 3, column user: No user with username 'carol'."),
        (
            "alice,nope,Email,no",
            "line 3, column category: No category with the key 'nope'",
        ),
        ("alice,news,Fax,no", "line 3, column target: No target named 'Fax'"),
        (
            "alice,news,Email,maybe",
            "line 3, column enabled: 'maybe' is not a yes/no value",
        ),
        ("alice,news,Email,", "line 3, column enabled: This cell is required"),
        ("alice,security,Email,no", "line 3, column enabled: security is critical"),
        ("alice,news,Email,yes", "line 3, column target: Duplicate of line 2"),
    ],
)
def test_a_bad_row_names_its_line_and_nothing_is_imported(
    preference_staff, preference_world, row, line_error
):
    before = snapshot()
    text = (
        f"user,category,target,enabled\nalice,news,Email,no\n{row}\nbob,news,Email,no\n"
    )
    response = upload(preference_staff, text)
    body = response.content.decode().replace("&#x27;", "'")
    assert line_error in body, body[body.find("na-import-errors") :][:800]
    assert "Nothing was imported" in body and "Confirm import" not in body
    assert snapshot() == before


def test_a_missing_column_is_named(preference_staff, preference_world):
    body = upload(
        preference_staff, "user,category,enabled\nalice,news,no\n"
    ).content.decode()
    assert "Missing required column(s): target" in body


def test_export_has_readable_columns(preference_staff, preference_world, targets):
    data = export_form_data(NotificationPreferenceResource)
    response = preference_staff.post(reverse(EXPORT), data)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [
        ["user", "category", "target", "enabled"],
        ["bob", "news", "Email", "true"],
    ]
    # The export imports back unchanged.
    assert (
        "0 new, 0 updated, 1 unchanged"
        in upload(preference_staff, body).content.decode()
    )


def test_import_and_export_need_their_permissions(client, preference_world):
    client.force_login(staff_user("view_notificationpreference", username="viewer"))
    assert client.get(reverse(IMPORT)).status_code == 403
    assert (
        client.post(
            reverse(EXPORT), export_form_data(NotificationPreferenceResource)
        ).status_code
        == 403
    )
    assert (
        upload(
            client, "user,category,target,enabled\nalice,news,Email,no\n"
        ).status_code
        == 403
    )
    assert not NotificationPreference.objects.filter(user__username="alice").exists()
