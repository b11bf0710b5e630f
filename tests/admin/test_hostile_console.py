"""Crafted input from an authenticated staff member, walked through every
console form that takes it: never a server error, a message by the field,
and nothing written.

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://...).
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin.admin.forms import BoundedJSONField
from notify_admin.models import Notification, TargetUserRecord
from notify_admin.validators import MAX_JSON_DEPTH, json_nesting_depth
from tests.support.csv_import import FORMAT_INDEX, IMPORT_URL
from tests.support.reliability_tally import tally

pytestmark = pytest.mark.django_db

DEEP = "[" * 50_000 + "]" * 50_000
DEEP_OBJECT = '{"a": ' * 50_000 + "1" + "}" * 50_000
BAD_EXTRAS = {
    DEEP: "nests more than",
    DEEP_OBJECT: "nests more than",
    '"just text"': "not a string",
    "[1, 2]": "not an array",
    '{"template_name": "x/does-not-exist.html"}': "no template named",
    '{"template_name": "../../etc/passwd"}': "is not a template name",
    '{"template_name": "/etc/passwd"}': "is not a template name",
    '{"template_name": 5}': "must be the name of a template",
}
PHONES = ["+1 415 CALL-NOW", "+1-800-FLOWERS", "tel:+14155552671abc"]


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    # Count server errors instead of letting the test client re-raise them.
    client.raise_request_exception = False
    return client


def notification_form(record, extra, **changes):
    return {
        "user_target": str(record.pk),
        "title": "Title",
        "body": "Body",
        "extra": extra,
        "status": "SCHEDULED",
        "scheduled_delivery_0": "2026-01-01",
        "scheduled_delivery_1": "12:00:00",
        "retry_time_interval": "0",
        "retry_attempts": "0",
        "max_retries": "3",
        "attempts-TOTAL_FORMS": "0",
        "attempts-INITIAL_FORMS": "0",
        **changes,
    }


def error_text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.parametrize("extra", list(BAD_EXTRAS))
def test_notification_add_form_refuses_bad_extra(staff, record, extra):
    tally("admin requests checked")
    response = staff.post(
        reverse("admin:notify_admin_notification_add"),
        notification_form(record, extra),
    )
    assert BAD_EXTRAS[extra] in error_text(response)
    assert "extra" in response.context["adminform"].form.errors
    assert not Notification.objects.exists()


@pytest.mark.parametrize("extra", list(BAD_EXTRAS))
def test_notification_change_form_refuses_bad_extra(
    staff, record, make_notification, extra
):
    tally("admin requests checked")
    row = make_notification(record, extra={"keep": 1})
    response = staff.post(
        reverse("admin:notify_admin_notification_change", args=[row.pk]),
        notification_form(record, extra),
    )
    assert BAD_EXTRAS[extra] in error_text(response)
    row.refresh_from_db()
    assert row.extra == {"keep": 1}


def test_extra_error_message_names_no_internal_class(staff, record):
    response = staff.post(
        reverse("admin:notify_admin_notification_add"),
        notification_form(record, '"text"'),
    )
    text = error_text(response)
    assert "Extra must be a JSON object ({...}), not a string." in text
    assert "JSONString" not in text


def test_an_existing_template_is_accepted(staff, record, tmp_path, settings):
    (tmp_path / "welcome.html").write_text("<p>Hi {{ name }}</p>")
    (tmp_path / "broken.html").write_text("<p>{% if %}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    response = staff.post(
        reverse("admin:notify_admin_notification_add"),
        notification_form(record, '{"template_name": "broken.html"}'),
    )
    assert "cannot be rendered: TemplateSyntaxError" in error_text(response)
    response = staff.post(
        reverse("admin:notify_admin_notification_add"),
        notification_form(record, '{"template_name": "admin/notify_admin/t.txt"}'),
    )
    # This template does not exist either: only real templates pass.
    assert "no template named" in error_text(response)
    response = staff.post(
        reverse("admin:notify_admin_notification_add"),
        notification_form(record, '{"template_name": "welcome.html", "name": "Ada"}'),
    )
    assert response.status_code == 302
    assert Notification.objects.get().extra["template_name"] == "welcome.html"


@pytest.mark.parametrize(
    "extra", [{"template_name": "x/does-not-exist.html"}, {"template_name": "../x"}]
)
def test_change_page_preview_shows_a_bad_template_instead_of_failing(
    staff, record, make_notification, extra
):
    """Rows written before validation (or by code) still open."""
    tally("admin requests checked")
    row = make_notification(record, extra=extra)
    response = staff.get(
        reverse("admin:notify_admin_notification_change", args=[row.pk])
    )
    assert response.status_code == 200
    assert "This notification cannot be rendered" in error_text(response)


def test_compose_refuses_deep_json(staff, make_user, make_record, post_action):
    tally("admin requests checked")
    user = make_user()
    make_record(user)
    response = post_action(
        staff,
        get_user_model(),
        "notify_compose",
        [user],
        confirm="yes",
        title="T",
        body="B",
        extra=DEEP,
    )
    assert "nests more than" in error_text(response)
    assert not Notification.objects.exists()


def test_json_import_refuses_deep_json(staff, make_user):
    tally("admin requests checked")
    deep_rows = '[{"user": "u", "target": "Email", "target_user_id": ' + DEEP + "}]"
    for data in (DEEP, deep_rows):
        response = staff.post(
            reverse(IMPORT_URL),
            {
                "resource": "0",
                "format": FORMAT_INDEX["json"],
                "user_field": "username",
                "import_file": SimpleUploadedFile(
                    "records.json", data.encode(), content_type="application/json"
                ),
            },
        )
        assert "nests more than" in error_text(response)
    assert not TargetUserRecord.objects.exists()


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_with_letters_are_refused(staff, make_user, targets, phone):
    tally("admin requests checked")
    response = staff.post(
        reverse("admin:notify_admin_targetuserrecord_add"),
        {
            "user": make_user().pk,
            "target": targets["twilio"].pk,
            "target_user_id": phone,
            "description": "",
            "active": "on",
        },
    )
    assert "it has letters in it" in error_text(response)
    assert not TargetUserRecord.objects.exists()


def test_depth_is_measured_without_parsing():
    assert json_nesting_depth('{"a": "[[[{{{", "b": [[1], {"c": 2}]}') == 3
    assert json_nesting_depth(DEEP, stop_above=MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1
    limit_ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert BoundedJSONField().clean(limit_ok) is not None
    field = BoundedJSONField()
    assert field.bound_data(DEEP, None) == DEEP  # shown again as typed
    assert field.has_changed({}, DEEP)
    assert json.loads(limit_ok)
