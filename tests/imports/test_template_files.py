"""Message templates exported and imported (JSON, CSV): round trips between
sites, every bad row by line and reason, and nothing half-imported."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin.imports.templates import COLUMNS, NotificationTemplateResource
from notify_admin.models import NotificationTemplate, NotificationTemplateVersion

FORMAT_INDEX = {"csv": "0", "tsv": "1", "json": "2"}
IMPORT_URL = "admin:notify_admin_notificationtemplate_import"
PROCESS_URL = "admin:notify_admin_notificationtemplate_process_import"
EXPORT_URL = "admin:notify_admin_notificationtemplate_export"


def upload(client, data, fmt="csv"):
    return client.post(
        reverse(IMPORT_URL),
        {
            "resource": "0",
            "format": FORMAT_INDEX[fmt],
            "import_file": SimpleUploadedFile(f"templates.{fmt}", data),
        },
    )


def confirm(client, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(PROCESS_URL), data)


def export(client, fmt="csv"):
    data = {"resource": "0", "format": FORMAT_INDEX[fmt]}
    prefix = NotificationTemplateResource.__name__.lower()
    for field in COLUMNS:
        data[f"{prefix}_{field}"] = "on"
    response = client.post(reverse(EXPORT_URL), data)
    assert response.status_code == 200, response.content[:500]
    return (
        b"".join(response.streaming_content) if response.streaming else response.content
    )


@pytest.fixture
def site_a(make_template):
    shipped = make_template(
        "order_shipped",
        name="Order shipped",
        example={"order": "A-1"},
        email_subject="Order ((order)) shipped",
        email_text="Hi ((first_name)),\n=((order)) is on its way.",
        email_html='<p class="x">Hi ((first_name))</p>',
        sms_text="Order ((order))",
        allow_long_sms=True,
        push_title="Shipped",
        push_body="((order))",
        push_data={"url": "/o/((order))", "n": [1, 2]},
        languages={"fr": {"sms_text": "Commande ((order))"}},
    )
    return shipped


def snapshot():
    return sorted(
        (
            v.template.key,
            v.number,
            v.language,
            tuple(sorted(v.content().items(), key=str)),
        )
        for v in NotificationTemplateVersion.objects.select_related("template")
    )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_elsewhere_gives_the_same_templates(
    admin_client, site_a, fmt
):
    data = export(admin_client, fmt)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert [row["language"] for row in rows] == ["en", "fr"]
        assert rows[0]["email_text"] == "Hi ((first_name)),\n=((order)) is on its way."
        assert json.loads(rows[0]["push_data"]) == {"n": [1, 2], "url": "/o/((order))"}
    exported = {(v.language): v.content() for v in site_a.current_versions().values()}
    # "Another site": the same database emptied of templates.
    NotificationTemplate.objects.all().delete()
    preview = upload(admin_client, data, fmt)
    # The French row adds its language to the template the English row creates.
    assert b"2 row(s): 1 new, 1 updated, 0 unchanged, 0 invalid." in preview.content
    assert not NotificationTemplate.objects.exists()  # the dry run saved nothing
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    template = NotificationTemplate.objects.get(key="order_shipped")
    assert template.name == "Order shipped"
    assert template.example_personalisation == {"order": "A-1"}
    imported = {v.language: v.content() for v in template.current_versions().values()}
    assert imported == exported
    assert template.versions.first().change_message == "Imported."
    # The same file again changes nothing.
    again = upload(admin_client, data, fmt)
    assert b"0 new, 0 updated, 2 unchanged" in again.content


def test_a_formula_looking_text_survives_the_round_trip(admin_client, make_template):
    template = make_template("sums", sms_text="=1+1 is ((answer))")
    data = export(admin_client)
    assert b"'=1+1 is ((answer))" in data  # a spreadsheet shows it as text
    template.save_content({"sms_text": "changed"}, "en")
    confirm(admin_client, upload(admin_client, data))
    assert template.current_versions()["en"].sms_text == "=1+1 is ((answer))"


def test_a_changed_row_adds_a_version_and_missing_columns_keep_theirs(
    admin_client, site_a
):
    data = b"key,language,sms_text\norder_shipped,en,Order ((order)) is out\n"
    response = confirm(admin_client, upload(admin_client, data))
    assert response.status_code == 302
    english = site_a.current_versions()["en"]
    assert english.sms_text == "Order ((order)) is out"
    assert english.email_subject == "Order ((order)) shipped"  # not in the file
    assert english.push_data == {"url": "/o/((order))", "n": [1, 2]}
    assert site_a.versions.count() == 3


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(admin_client, site_a):
    before = snapshot()
    data = (
        "key,name,language,sms_text,push_title,push_body,push_data,allow_long_sms\n"
        "good_one,Good,en,Hello,,,,\n"
        "order_shipped,Shipped,en,Unclosed ((order,,,,\n"
        "\n"
        "bad key!,Bad,en,Hi,,,,\n"
        "good_one,Good,en,Twice,,,,\n"
        "pushy,Push,en,,T,B,[1],\n"
        "longy,Long,en," + "x" * 200 + ",,,,maybe\n"
    ).encode()
    response = upload(admin_client, data)
    body = response.content.decode()
    assert "Nothing was imported" in body
    result = response.context["result"]
    errors = result.line_errors
    lines = {line for line, _column, _reason in errors}
    assert lines == {3, 5, 6, 7, 8}
    by_line = {(line, column): reason for line, column, reason in errors}
    assert "is not closed" in by_line[(3, "sms_text")]
    assert "lower-case letters" in by_line[(5, "key")]
    assert by_line[(6, "language")] == "Duplicate of line 2 (same key and language)."
    assert "JSON object" in by_line[(7, "push_data")]
    assert by_line[(8, "allow_long_sms")] == "Use 1/0, true/false or yes/no."
    assert "line 3, column sms_text" in body
    assert response.context.get("confirm_form") is None
    assert snapshot() == before
    assert not NotificationTemplate.objects.filter(key="good_one").exists()


def test_deep_or_broken_json_cells_are_row_errors(admin_client):
    deep = "[" * 100 + "]" * 100
    data = (f"key,sms_text,push_title,push_body,push_data\nk,Hi,T,B,{deep}\n").encode()
    errors = upload(admin_client, data).context["result"].line_errors
    assert errors == [(2, "push_data", "This JSON nests more than 32 levels deep.")]
    data = b"key,sms_text,example_personalisation\nk,Hi,{oops\n"
    (error,) = upload(admin_client, data).context["result"].line_errors
    assert error[:2] == (2, "example_personalisation")


def test_a_file_without_the_key_column_is_refused(admin_client):
    response = upload(admin_client, b"name,sms_text\nX,Hi\n")
    assert "Missing required column: key" in response.content.decode()
    assert not NotificationTemplate.objects.exists()


def test_import_and_export_need_their_own_permissions(client, make_staff, site_a):
    client.force_login(make_staff("notify_admin.change_notificationtemplate"))
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse(EXPORT_URL)).status_code == 403
    client.force_login(
        make_staff(
            "notify_admin.view_notificationtemplate",
            "notify_admin.export_notificationtemplate",
        )
    )
    assert b"order_shipped" in export(client)
