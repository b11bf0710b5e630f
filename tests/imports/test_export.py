"""Export of records and notifications: permission, safe cells, fixed queries."""

import csv
import io
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notify_admin.imports.formats import escape_formula, unescape_formula
from notify_admin.imports.notifications import NotificationResource
from notify_admin.models import Notification, TargetUserRecord
from tests.support.csv_import import (
    ALL_RECORD_PERMS,
    confirm,
    export_form_data,
    snapshot,
    staff_user,
    upload,
)

RECORD_EXPORT = "admin:notify_admin_targetuserrecord_export"
RECORD_CHANGELIST = "admin:notify_admin_targetuserrecord_changelist"
NOTE_EXPORT = "admin:notify_admin_notification_export"
NOTE_CHANGELIST = "admin:notify_admin_notification_changelist"
RECORD_COLUMNS = ["user", "target", "target_user_id", "description", "active"]


def rows_of(response):
    assert response.status_code == 200
    assert response.streaming, "exports stream"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(streamed(response).decode())))


def streamed(response):
    """The whole streamed body (read once, kept for a second look)."""
    if not hasattr(response, "streamed_body"):
        response.streamed_body = b"".join(response.streaming_content)
    return response.streamed_body


def make_records(user, target, count, prefix="r"):
    TargetUserRecord.objects.bulk_create(
        TargetUserRecord(
            user=user, target=target, target_user_id=f"{prefix}{i}@example.com"
        )
        for i in range(count)
    )


def test_export_filtered_changelist_as_readable_csv(importer, people, targets):
    make_records(people["alice"], targets["email"], 3, "a")
    TargetUserRecord.objects.create(
        user=people["bob"], target=targets["twilio"], target_user_id="+14155552671"
    )
    url = reverse(RECORD_EXPORT) + f"?target__id__exact={targets['twilio'].pk}"
    rows = rows_of(importer.post(url, export_form_data()))
    assert rows[0] == RECORD_COLUMNS
    # Only the filtered row; a phone number is a plain number, not a formula:
    # written as it is.
    assert rows[1:] == [["bob", "Twilio", "+14155552671", "", "true"]]
    assert LogEntry.objects.filter(object_repr__startswith="Export of 1 ").exists()


def test_export_selected_rows_through_the_action(importer, people, targets):
    make_records(people["alice"], targets["email"], 5)
    chosen = list(TargetUserRecord.objects.order_by("target_user_id")[:2])
    response = importer.post(
        reverse(RECORD_CHANGELIST),
        {"action": "export_admin_action", "_selected_action": [r.pk for r in chosen]},
    )
    assert response.status_code == 200
    assert b"Export 2 selected items." in response.content
    data = export_form_data()
    data["export_items"] = [str(r.pk) for r in chosen]
    rows = rows_of(importer.post(reverse(RECORD_EXPORT), data))
    assert sorted(row[2] for row in rows[1:]) == [r.target_user_id for r in chosen]


def test_formula_cells_are_escaped_and_the_export_reimports_unchanged(importer, people):
    confirm(importer, upload(importer, (b"\n".join(_formula_rows()) + b"\n")))
    before = snapshot()
    response = importer.post(reverse(RECORD_EXPORT), export_form_data())
    rows = rows_of(response)
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert "'@SUM(A1)" in cells
    assert "'-2+3" in cells
    # The phone number is a plain number: written as it is.
    assert "+14155552671" in cells
    formulas = [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert formulas == ["+14155552671"]
    # The stored value is the plain text the file had.
    stored = TargetUserRecord.objects.get(target_user_id="alice@example.com")
    assert stored.description == "=cmd|' /C calc'!A0"

    again = upload(importer, streamed(response))
    assert b"0 new, 0 updated, 3 unchanged" in again.content
    assert snapshot() == before


def _formula_rows():
    return [
        b"user,target,target_user_id,description,active",
        b"alice,Email,alice@example.com,=cmd|' /C calc'!A0,1",
        b"alice,Twilio,+14155552671,@SUM(A1),1",
        b"bob,Email,bob@example.com,-2+3,0",
    ]


def test_json_export_keeps_values_unescaped(importer, people, targets):
    TargetUserRecord.objects.create(
        user=people["alice"],
        target=targets["email"],
        target_user_id="alice@example.com",
        description="=1+1",
    )
    response = importer.post(reverse(RECORD_EXPORT), export_form_data(fmt="json"))
    assert response.status_code == 200
    (item,) = json.loads(streamed(response))
    assert item["description"] == "=1+1"


@pytest.mark.parametrize(
    "value, escaped",
    [
        ("=A1", "'=A1"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-1+2", "'-1+2"),
        ("-A1", "'-A1"),
        ("@x", "'@x"),
        ("ok", "ok"),
        # Plain signed numbers (phone numbers) run nothing: left as they are.
        ("+14155552671", "+14155552671"),
        ("-3.5", "-3.5"),
        ("+1", "+1"),
    ],
)
def test_escape_round_trip(value, escaped):
    assert escape_formula(value) == escaped
    assert unescape_formula(escaped) == value


def test_record_export_runs_a_fixed_number_of_queries(importer, people, targets):
    def count_for(n):
        TargetUserRecord.objects.all().delete()
        make_records(people["alice"], targets["email"], n)
        with CaptureQueriesContext(connection) as queries:
            rows = rows_of(importer.post(reverse(RECORD_EXPORT), export_form_data()))
        assert len(rows) == n + 1
        return len(queries)

    assert count_for(10) == count_for(200)


def _notifications(record, count):
    Notification.objects.bulk_create(
        Notification(user_target=record, title=f"T{i}", body="b") for i in range(count)
    )


@pytest.fixture
def note_exporter(client, people):
    client.force_login(
        staff_user("view_notification", "export_notification", username="noter")
    )
    return client


def test_notification_export_is_readable_and_has_no_secrets(
    note_exporter, people, targets
):
    record = TargetUserRecord.objects.create(
        user=people["carol"], target=targets["expo"], target_user_id="ExpoPushToken[c]"
    )
    Notification.objects.create(
        user_target=record, title="Hi", body="Body", extra={"secret": "s3cr3t"}
    )
    data = export_form_data(NotificationResource)
    rows = rows_of(note_exporter.post(reverse(NOTE_EXPORT), data))
    header, row = rows
    assert header[:6] == ["id", "user", "target", "address", "title", "body"]
    assert not {"extra", "claim_token", "claimed_until", "password"} & set(header)
    assert row[1:7] == ["carol", "Expo", "ExpoPushToken[c]", "Hi", "Body", "SCHEDULED"]
    assert "s3cr3t" not in response_text(rows)
    assert LogEntry.objects.filter(object_repr="Export of 1 notifications").exists()


def response_text(rows):
    return "\n".join(",".join(row) for row in rows)


def test_notification_export_runs_a_fixed_number_of_queries(
    note_exporter, people, targets
):
    record = TargetUserRecord.objects.create(
        user=people["alice"], target=targets["email"], target_user_id="a@example.com"
    )
    data = export_form_data(NotificationResource)

    def count_for(n):
        Notification.objects.all().delete()
        _notifications(record, n)
        with CaptureQueriesContext(connection) as queries:
            rows = rows_of(note_exporter.post(reverse(NOTE_EXPORT), data))
        assert len(rows) == n + 1
        return len(queries)

    assert count_for(10) == count_for(200)


@pytest.mark.parametrize(
    "perms, changelist, export",
    [
        (("view_targetuserrecord",), RECORD_CHANGELIST, RECORD_EXPORT),
        (("view_notification",), NOTE_CHANGELIST, NOTE_EXPORT),
    ],
)
def test_without_export_permission_no_button_no_action_and_403(
    client, people, perms, changelist, export
):
    client.force_login(staff_user(*perms, username="viewer"))
    page = client.get(reverse(changelist))
    assert page.status_code == 200
    assert reverse(export).encode() not in page.content
    assert b"export_admin_action" not in page.content
    assert client.get(reverse(export)).status_code == 403
    assert client.post(reverse(export), export_form_data()).status_code == 403
    assert not LogEntry.objects.exists()


def test_with_export_permission_the_button_and_action_show(importer, people, targets):
    make_records(people["alice"], targets["email"], 1)  # no rows, no action menu
    page = importer.get(reverse(RECORD_CHANGELIST))
    assert reverse(RECORD_EXPORT).encode() in page.content
    assert b"export_admin_action" in page.content


def test_export_permission_alone_does_not_allow_import(client, people):
    client.force_login(
        staff_user(
            *[p for p in ALL_RECORD_PERMS if p != "import_targetuserrecord"],
            username="exporter",
        )
    )
    page = client.get(reverse(RECORD_CHANGELIST))
    assert reverse(RECORD_EXPORT).encode() in page.content
    assert reverse("admin:notify_admin_targetuserrecord_import").encode() not in (
        page.content
    )


def test_change_pages_still_render_with_the_export_mixins(client, people, targets):
    record = TargetUserRecord.objects.create(
        user=people["alice"], target=targets["email"], target_user_id="a@example.com"
    )
    note = Notification.objects.create(user_target=record, title="T", body="B")
    admin = get_user_model().objects.create_superuser("root", "", "pw")
    client.force_login(admin)
    for name, obj in [("targetuserrecord", record), ("notification", note)]:
        page = client.get(reverse(f"admin:notify_admin_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        # No stray one-row "Export" box under the form: the changelist exports.
        assert b'name="_export-item"' not in page.content


def test_notification_export_of_filtered_list_and_selected_rows(
    note_exporter, people, targets
):
    record = TargetUserRecord.objects.create(
        user=people["bob"], target=targets["email"], target_user_id="b@example.com"
    )
    _notifications(record, 3)
    Notification.objects.filter(title="T0").update(status=Notification.OPTED_OUT)
    data = export_form_data(NotificationResource)

    url = reverse(NOTE_EXPORT) + "?status__exact=OPTED_OUT"
    rows = rows_of(note_exporter.post(url, data))
    assert [row[4] for row in rows[1:]] == ["T0"]

    chosen = Notification.objects.filter(title__in=["T1", "T2"])
    page = note_exporter.post(
        reverse(NOTE_CHANGELIST),
        {"action": "export_admin_action", "_selected_action": [n.pk for n in chosen]},
    )
    assert b"Export 2 selected items." in page.content
    data["export_items"] = [str(n.pk) for n in chosen]
    rows = rows_of(note_exporter.post(reverse(NOTE_EXPORT), data))
    assert sorted(row[4] for row in rows[1:]) == ["T1", "T2"]
