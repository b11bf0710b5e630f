"""The admin import flow: upload, dry-run preview, confirm; all or nothing."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse

from notify_admin.models import TargetUserRecord
from tests.support.csv_import import (
    IMPORT_URL,
    PROCESS_URL,
    confirm,
    fixture_bytes,
    snapshot,
    staff_user,
    upload,
)

CHANGELIST = "admin:notify_admin_targetuserrecord_changelist"
TEMPLATE_URL = "admin:notify_admin_targetuserrecord_import_template"


def test_clean_file_previews_then_imports_on_confirm(importer, people):
    response = upload(importer, fixture_bytes("good.csv"))
    assert response.status_code == 200
    assert response.context["confirm_form"] is not None
    assert b"12 row(s): 12 new, 0 updated, 0 unchanged, 0 invalid." in response.content
    assert TargetUserRecord.objects.count() == 0  # the dry run saved nothing

    response = confirm(importer, response)
    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)
    assert TargetUserRecord.objects.count() == 12
    page = importer.get(response.url)
    assert "Import finished: 12 row(s): 12 new" in page.content.decode()
    logged = LogEntry.objects.filter(action_flag=ADDITION)
    assert logged.count() == 12
    assert set(logged.values_list("object_id", flat=True)) == {
        str(pk) for pk in TargetUserRecord.objects.values_list("pk", flat=True)
    }


def test_reimport_says_unchanged_and_offers_no_confirm(importer, people):
    confirm(importer, upload(importer, fixture_bytes("good.csv")))
    before = snapshot()
    response = upload(importer, fixture_bytes("good.csv"))
    body = response.content.decode()
    assert "0 new, 0 updated, 12 unchanged, 0 invalid." in body
    # One word for it in the summary and the rows, and nothing to confirm.
    assert body.count('<td class="import-type">') == 12
    assert "Skipped" not in body and body.count("Unchanged") == 12
    assert "Confirm import" not in body
    assert "Nothing to import: every row is already there, unchanged." in body
    assert snapshot() == before


def test_a_mixed_file_still_offers_confirm(importer, existing):
    data = (
        b"user,target,target_user_id,description,active\n"
        b"bob,Email,bob@example.com,Keep me,1\n"
        b"alice,Email,alice@example.com,,\n"
    )
    body = upload(importer, data).content.decode()
    assert "1 new, 0 updated, 1 unchanged" in body
    assert "Confirm import" in body and "Unchanged" in body


@pytest.mark.parametrize(
    "changes",
    [
        {"import_file_name": "does-not-exist"},
        {"import_file_name": "../../etc/passwd"},
        {"import_file_name": "/etc/passwd"},
        {"import_file_name": "tmpnothere1"},
        {"import_file_name": ""},
        {"import_file_name": None},
        {"format": "99"},
        {"format": "abc"},
        {"resource": "7"},
        {"user_field": "password"},
    ],
)
def test_a_forged_confirm_step_gets_a_message_not_a_500(importer, people, changes):
    preview = upload(importer, fixture_bytes("good.csv"))
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    for name, value in changes.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    response = importer.post(reverse(PROCESS_URL), data)
    assert response.status_code == 302
    assert response.url == reverse(IMPORT_URL)
    shown = [str(m) for m in importer.get(response.url).context["messages"]]
    assert any(m.startswith("Nothing was imported:") for m in shown), shown
    assert TargetUserRecord.objects.count() == 0


def test_confirming_twice_imports_once(importer, people):
    preview = upload(importer, fixture_bytes("good.csv"))
    assert confirm(importer, preview).status_code == 302
    again = confirm(importer, preview)
    assert again.url == reverse(IMPORT_URL)
    shown = [str(m) for m in importer.get(again.url).context["messages"]]
    assert any("no longer available" in m for m in shown)
    assert TargetUserRecord.objects.count() == 12


def test_update_is_previewed_as_update(importer, existing):
    data = (
        b"user,target,target_user_id,description,active\n"
        b"bob,Email,bob@example.com,Changed,0\n"
    )
    response = upload(importer, data)
    assert b"0 new, 1 updated, 0 unchanged" in response.content
    confirm(importer, response)
    existing.refresh_from_db()
    assert (existing.description, existing.active) == ("Changed", False)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bad_unknown_user.csv", "line 3, column user: No user with username"),
        ("bad_unknown_target.csv", "line 3, column target: No target named"),
        ("bad_email.csv", "line 3, column target_user_id: &#x27;bob-at-example.com"),
        ("bad_phone.csv", "line 3, column target_user_id: &#x27;555-1234&#x27; is"),
        ("bad_token.csv", "line 3, column target_user_id: &#x27;not-a-push-token"),
        ("bad_empty_cell.csv", "line 5, column target_user_id: This cell is required"),
        ("bad_duplicate.csv", "line 4, column target_user_id: Duplicate of line 3"),
        ("bad_active.csv", "line 3, column active: &#x27;maybe&#x27; is not a yes/no"),
    ],
)
def test_bad_rows_are_listed_and_confirm_is_not_offered(
    importer, existing, name, expected
):
    before = snapshot()
    response = upload(importer, fixture_bytes(name))
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert expected in response.content.decode()
    assert b"Nothing was imported" in response.content
    assert snapshot() == before


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bad_not_csv.csv", "This is not a text file"),
        ("bad_empty.csv", "file is empty."),
        ("bad_header_only.csv", "header line but no rows"),
        ("bad_missing_columns.csv", "Missing required column(s): target, target_user"),
        ("bad_ragged.csv", "Line 3 has 7 cells"),
    ],
)
def test_file_problems_are_form_errors(importer, existing, name, expected):
    before = snapshot()
    response = upload(importer, fixture_bytes(name))
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert expected in " ".join(response.context["form"].errors["import_file"])
    assert b"Traceback" not in response.content
    assert snapshot() == before


@pytest.mark.parametrize(
    "name, encoding, description",
    [
        ("good_bom.csv", "UTF-8 with BOM", "Café mail – BOM"),
        ("good_latin1.csv", "Windows-1252 (Latin-1)", "Café crème"),
    ],
)
def test_other_encodings_import(importer, people, name, encoding, description):
    response = upload(importer, fixture_bytes(name))
    assert f"File encoding: {encoding}." in response.content.decode()
    confirm(importer, response)
    assert TargetUserRecord.objects.get(user=people["alice"]).description == description


def test_extra_columns_are_reported_as_ignored(importer, people):
    response = upload(importer, fixture_bytes("good_extra_columns.csv"))
    assert "Ignored columns: notes, crm_id" in response.content.decode()
    confirm(importer, response)
    assert TargetUserRecord.objects.count() == 2


@pytest.mark.parametrize("name, fmt", [("good.tsv", "tsv"), ("good.json", "json")])
def test_other_formats(importer, people, name, fmt):
    response = upload(importer, fixture_bytes(name), name=name, fmt=fmt)
    confirm(importer, response)
    assert TargetUserRecord.objects.count() == 2


def test_user_column_by_email_is_a_form_choice(importer, people):
    response = upload(importer, fixture_bytes("good_by_email.csv"), user_field="email")
    assert b"12 new" in response.content
    confirm(importer, response)
    assert TargetUserRecord.objects.filter(user=people["carol"]).count() == 5


def test_confirm_rolls_back_when_rows_went_bad_after_the_dry_run(importer, people):
    response = upload(importer, fixture_bytes("good.csv"))
    people["carol"].delete()  # carol's five rows are now unknown users
    response = confirm(importer, response)
    assert response.status_code == 302
    assert response.url == reverse(IMPORT_URL)
    page = importer.get(response.url).content.decode()
    assert "Nothing was imported" in page
    assert "line 9, column user: No user with username" in page
    assert TargetUserRecord.objects.count() == 0  # alice's and bob's rows neither
    assert not LogEntry.objects.exists()


def test_template_csv_download_is_importable_once_filled(importer, people):
    page = importer.get(reverse(IMPORT_URL)).content.decode()
    assert reverse(TEMPLATE_URL) in page
    response = importer.get(reverse(TEMPLATE_URL))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    template = response.content.decode()
    assert template == "user,target,target_user_id,description,active\r\n"
    filled = template + "alice,Expo,ExponentPushToken[abc],From template,yes\r\n"
    confirm(importer, upload(importer, filled.encode()))
    record = TargetUserRecord.objects.get()
    assert record.target_user_id == "ExponentPushToken[abc]"


def test_without_import_permission_no_button_and_403(client, people):
    client.force_login(staff_user("view_targetuserrecord", "change_targetuserrecord"))
    changelist = client.get(reverse(CHANGELIST))
    assert changelist.status_code == 200
    assert reverse(IMPORT_URL).encode() not in changelist.content
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert upload(client, fixture_bytes("good.csv")).status_code == 403
    assert client.post(reverse(PROCESS_URL), {}).status_code == 403
    assert client.get(reverse(TEMPLATE_URL)).status_code == 403
    assert TargetUserRecord.objects.count() == 0


def test_with_import_permission_the_button_shows(importer):
    changelist = importer.get(reverse(CHANGELIST))
    assert reverse(IMPORT_URL).encode() in changelist.content
    # The buttons sit on the console's own change list (its stylesheet stays).
    assert b"notify_admin/css/admin.css" in changelist.content
