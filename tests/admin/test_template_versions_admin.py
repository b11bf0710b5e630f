"""A template's history, one version's page, the diff, restoring a version."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from tests.support.html import parse


def url(name, *args):
    return reverse(f"admin:notify_admin_notificationtemplate_{name}", args=args)


@pytest.fixture
def versioned_template(make_template, admin_user):
    template = make_template(
        sms_text="Version one ((code))", example={"code": "<b>1</b>"}
    )
    template.save_content({"sms_text": "Version two ((code))"}, "en", user=admin_user)
    template.save_content({"sms_text": "Version un ((code))"}, "fr")
    template.save_content(
        {"sms_text": "Version three ((code))\n<script>alert(1)</script>"},
        "en",
        user=admin_user,
    )
    return template


def test_the_history_lists_every_version_with_who_and_what(
    admin_client, versioned_template
):
    page = admin_client.get(url("versions", versioned_template.pk))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row["version"].number for row in rows] == [4, 3, 2, 1]
    assert [row["current"] for row in rows] == [True, True, False, False]
    assert [row["previous"] for row in rows] == [2, None, 1, None]
    assert b"Changed SMS text." in page.content


def test_a_version_page_shows_its_content_as_text_and_its_preview(
    admin_client, versioned_template
):
    page = admin_client.get(url("version", versioned_template.pk, 4))
    assert page.status_code == 200
    parsed = parse(page.content.decode())
    scripts = [
        attrs for tag, attrs in parsed.tags if tag == "script" and not attrs.get("src")
    ]
    assert scripts == []
    text = "".join(data for _path, data in parsed.text)
    assert "<script>alert(1)</script>" in text
    assert "Version three <b>1</b>" in text  # the preview, with the example value


def test_the_diff_shows_changed_lines_and_escapes_them(
    admin_client, versioned_template
):
    page = admin_client.get(url("diff", versioned_template.pk) + "?from=1&to=4")
    assert page.status_code == 200
    sms = next(f for f in page.context["fields"] if f["label"] == "SMS text")
    assert sms["lines"] == [
        ("-", "Version one ((code))"),
        ("+", "Version three ((code))"),
        ("+", "<script>alert(1)</script>"),
    ]
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    unchanged = next(f for f in page.context["fields"] if f["label"] == "email subject")
    assert not unchanged["changed"]


@pytest.mark.parametrize(
    "query",
    ["", "?from=1", "?from=x&to=2", "?from=1&to=99", "?from=1&to=99999999999999999999"],
)
def test_a_bad_diff_request_is_a_message_or_a_404(
    admin_client, versioned_template, query
):
    response = admin_client.get(url("diff", versioned_template.pk) + query)
    assert response.status_code in (302, 404)


def test_restoring_an_old_version_adds_it_as_the_newest(
    admin_client, versioned_template, admin_user
):
    confirm = admin_client.get(url("restore", versioned_template.pk, 1))
    assert confirm.status_code == 200
    assert versioned_template.versions.count() == 4  # a GET changes nothing
    response = admin_client.post(url("restore", versioned_template.pk, 1))
    assert response.status_code == 302
    newest = versioned_template.versions.first()
    assert (newest.number, newest.language, newest.sms_text) == (
        5,
        "en",
        "Version one ((code))",
    )
    assert newest.change_message == "Restored version 1."
    assert newest.created_by == admin_user
    entry = LogEntry.objects.get(object_id=str(versioned_template.pk))
    assert entry.change_message == "Restored version 1 as version 5 (en)."
    # The current content again: nothing added.
    admin_client.post(url("restore", versioned_template.pk, 5))
    assert versioned_template.versions.count() == 5


def test_restoring_needs_the_change_permission(client, make_staff, versioned_template):
    client.force_login(make_staff("notify_admin.view_notificationtemplate"))
    assert client.get(url("versions", versioned_template.pk)).status_code == 200
    assert (
        client.get(url("diff", versioned_template.pk) + "?from=1&to=2").status_code
        == 200
    )
    assert client.post(url("restore", versioned_template.pk, 1)).status_code == 403
    assert versioned_template.versions.count() == 4
    client.force_login(make_staff())
    assert client.get(url("versions", versioned_template.pk)).status_code == 403


def test_unknown_templates_and_versions_are_404(admin_client, versioned_template):
    assert admin_client.get(url("versions", 999999)).status_code == 404
    assert (
        admin_client.get(url("version", versioned_template.pk, 42)).status_code == 404
    )
    assert (
        admin_client.post(url("restore", versioned_template.pk, 42)).status_code == 404
    )
    assert admin_client.get(url("versions", "not-a-number")).status_code == 404


def test_the_pages_run_a_fixed_number_of_queries_however_long_the_history(
    admin_client, make_template
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    template = make_template(sms_text="v1", example={"x": "1"})

    def queries():
        counts = []
        for name, args in (
            ("change", [template.pk]),
            ("versions", [template.pk]),
            ("version", [template.pk, 1]),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert admin_client.get(url(name, *args)).status_code == 200
            counts.append(len(captured))
        return counts

    few = queries()
    for n in range(2, 12):
        template.save_content({"sms_text": f"v{n}"}, "fr" if n % 2 else "en")
    assert queries() == few
