"""The message template admin: list, change page, live preview endpoint,
errors by field, permissions."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notify_admin.models import Notification, NotificationTemplate
from tests.support.html import parse

CONTENT = {
    "email_subject": "Order ((order)) shipped",
    "email_text": "Hi ((first_name)), order ((order)) is on its way.",
    "email_html": "<p>Hi ((first_name)), <b>((order))</b></p>",
    "sms_text": "Order ((order)) shipped",
    "push_title": "Order ((order))",
    "push_body": "On its way",
    "push_data": {"order": "((order))"},
}


def form_data(**overrides):
    data = {
        "key": "order_shipped",
        "name": "Order shipped",
        "description": "",
        "example_personalisation": json.dumps({"order": "A-1"}),
        "language": "en",
        "email_subject": CONTENT["email_subject"],
        "email_text": CONTENT["email_text"],
        "email_html": CONTENT["email_html"],
        "sms_text": CONTENT["sms_text"],
        "push_title": CONTENT["push_title"],
        "push_body": CONTENT["push_body"],
        "push_data": json.dumps(CONTENT["push_data"]),
        "change_message": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def url(name, *args):
    return reverse(f"admin:notify_admin_notificationtemplate_{name}", args=args)


@pytest.fixture
def shipped_template(make_template):
    return make_template(example={"order": "A-1"}, **CONTENT)


def test_adding_a_template_saves_its_first_version_and_logs_it(
    admin_client, admin_user
):
    response = admin_client.post(url("add"), form_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    template = NotificationTemplate.objects.get(key="order_shipped")
    version = template.versions.get()
    assert (version.number, version.language, version.created_by) == (
        1,
        "en",
        admin_user,
    )
    assert version.push_data == {"order": "((order))"}
    entry = LogEntry.objects.get(object_id=str(template.pk))
    assert entry.change_message == "Saved version 1 (en): Created."


def test_changing_content_adds_a_version_and_unchanged_content_none(
    admin_client, shipped_template
):
    change = url("change", shipped_template.pk)
    response = admin_client.post(change, form_data(sms_text="New ((order))"))
    assert response.status_code == 302
    assert shipped_template.versions.count() == 2
    newest = shipped_template.versions.first()
    assert (newest.sms_text, newest.changed_fields) == ("New ((order))", ["sms_text"])
    admin_client.post(change, form_data(sms_text="New ((order))", name="Renamed"))
    assert shipped_template.versions.count() == 2
    shipped_template.refresh_from_db()
    assert shipped_template.name == "Renamed"


def test_a_new_language_is_prefilled_from_the_fallback_and_saved_as_its_own(
    admin_client, shipped_template
):
    page = admin_client.get(url("change", shipped_template.pk) + "?language=fr")
    form = page.context["adminform"].form
    assert form["language"].initial == "fr"
    assert form["sms_text"].initial == CONTENT["sms_text"]
    assert b"prefilled from <strong>en</strong>" in page.content
    admin_client.post(
        url("change", shipped_template.pk),
        form_data(language="fr", sms_text="Commande ((order))"),
    )
    assert set(shipped_template.current_versions()) == {"en", "fr"}
    page = admin_client.get(url("change", shipped_template.pk) + "?language=fr")
    assert page.context["adminform"].form["sms_text"].initial == "Commande ((order))"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sms_text": "Hi ((name"}, "sms_text", "is not closed"),
        ({"email_text": "a ((b((c)) d))"}, "email_text", "cannot contain brackets"),
        (
            {"email_html": "<p>((secret))</p>"},
            "email_html",
            "((secret)) is used in the HTML but not in the plain text",
        ),
        ({"sms_text": "x" * 161}, "sms_text", "Allow long SMS"),
        ({"push_data": "[1, 2]"}, "push_data", "Push data must be a JSON object"),
        ({"push_data": "[" * 50 + "]" * 50}, "push_data", "nests more than 32"),
        ({"push_data": "{not json"}, "push_data", "Enter a valid JSON"),
        ({"example_personalisation": "[1]"}, "example_personalisation", "JSON object"),
        ({"email_text": "", "email_html": ""}, "email_text", "plain-text body"),
        ({"key": "Bad Key!"}, "key", "lower-case letters"),
    ],
)
def test_errors_are_shown_by_the_field_and_nothing_is_saved(
    admin_client, overrides, field, message
):
    response = admin_client.post(url("add"), form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in text for text in errors[field]), errors
    assert not NotificationTemplate.objects.exists()


def test_an_sms_the_examples_make_too_long_is_an_error(admin_client):
    examples = json.dumps({"order": "😀" * 60})
    response = admin_client.post(
        url("add"), form_data(example_personalisation=examples)
    )
    errors = response.context["adminform"].form.errors
    assert (
        "With the example values: After substitution this SMS needs"
        in (errors["sms_text"][0])
    )


def test_the_preview_endpoint_renders_each_channel_escaped(
    admin_client, shipped_template
):
    response = admin_client.post(
        url("preview_change", shipped_template.pk),
        form_data(
            example_personalisation=json.dumps({"order": "<script>x()</script>"}),
            email_html="<p>((order))</p><script>alert(1)</script>",
            email_text="((order))",
        ),
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["errors"] == {}
    page = parse(payload["html"])
    assert not [tag for tag, _attrs in page.tags if tag in ("script", "style", "img")]
    (frame,) = [attrs for tag, attrs in page.tags if tag == "iframe"]
    assert frame["sandbox"] == ""
    assert frame["srcdoc"] == (
        "<p>&lt;script&gt;x()&lt;/script&gt;</p><script>alert(1)</script>"
    )
    text = "".join(data for _path, data in page.text)
    assert "Order <script>x()</script> shipped" in text  # the subject, as text
    assert "34 characters, GSM-7, 1 segment" in text
    assert "of 4096 bytes" in text


def test_the_preview_endpoint_reports_errors_by_field_and_missing_values(
    admin_client,
):
    response = admin_client.post(
        url("preview_add"),
        form_data(sms_text="((code", example_personalisation="{}"),
    )
    payload = response.json()
    assert "is not closed" in payload["errors"]["sms_text"][0]
    page = parse(payload["html"])
    text = "".join(data for _path, data in page.text)
    assert "Missing personalisation: order" in text


def test_preview_needs_permission_and_a_post(client, make_staff, shipped_template):
    viewer = make_staff("notify_admin.view_notificationtemplate")
    client.force_login(viewer)
    assert client.get(url("preview_change", shipped_template.pk)).status_code == 405
    assert (
        client.post(url("preview_change", shipped_template.pk), form_data()).status_code
        == 200
    )
    assert client.post(url("preview_add"), form_data()).status_code == 403
    nobody = make_staff()
    client.force_login(nobody)
    assert (
        client.post(url("preview_change", shipped_template.pk), form_data()).status_code
        == 403
    )


def test_a_viewer_sees_the_page_read_only_and_cannot_save(
    client, make_staff, shipped_template
):
    client.force_login(make_staff("notify_admin.view_notificationtemplate"))
    page = client.get(url("change", shipped_template.pk))
    assert page.status_code == 200
    assert b"Send test to me" not in page.content
    assert (
        client.post(
            url("change", shipped_template.pk), form_data(sms_text="x")
        ).status_code
        == 403
    )
    assert shipped_template.versions.count() == 1


def test_the_list_shows_channels_and_languages_in_a_fixed_number_of_queries(
    admin_client, make_template
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(url("changelist"))
        assert response.status_code == 200
        return len(captured), response

    make_template("one", sms_text="Hi", languages={"fr": {"sms_text": "Salut"}})
    few, response = queries()
    assert b"en (v1), fr (v2)" in response.content
    assert b"SMS" in response.content
    for n in range(5):
        make_template(f"more_{n}", email_subject="S", email_text="T")
    many, _response = queries()
    assert many == few


def test_a_template_that_was_sent_cannot_be_deleted(
    admin_client, shipped_template, make_user, make_record
):
    user = make_user()
    make_record(user, "twilio")
    Notification.objects.create_from_template(shipped_template, user, {"order": "1"})
    response = admin_client.post(url("delete", shipped_template.pk), {"post": "yes"})
    assert response.status_code == 403
    assert NotificationTemplate.objects.filter(pk=shipped_template.pk).exists()


def test_the_notification_page_links_to_its_template_version(
    admin_client, shipped_template, make_user, make_record
):
    user = make_user()
    make_record(user, "twilio")
    (row,) = Notification.objects.create_from_template(
        shipped_template, user, {"order": "1"}
    )
    page = admin_client.get(
        reverse("admin:notify_admin_notification_change", args=[row.pk])
    )
    version_url = url("version", shipped_template.pk, 1)
    assert version_url.encode() in page.content
    assert b"Order shipped \xc2\xb7 v1 (en)" in page.content


def test_the_template_page_links_to_its_notifications(
    admin_client, shipped_template, make_template, make_user, make_record
):
    user = make_user()
    make_record(user, "twilio")
    other = make_template("other", sms_text="Other")
    Notification.objects.create_from_template(shipped_template, user, {"order": "1"})
    Notification.objects.create_from_template(other, user)
    page = admin_client.get(url("change", shipped_template.pk))
    link = page.context["na_notifications_url"]
    listed = admin_client.get(link)
    assert listed.status_code == 200
    assert [
        n.template_version.template_id for n in listed.context["cl"].result_list
    ] == [shipped_template.pk]
