"""The notification change page: Send now / Retry buttons that post the
changelist actions, status read-only once attempted, autocomplete pickers,
no import-export box under the form."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from notify_admin.models import DeliveryAttempt, Notification

pytestmark = pytest.mark.django_db


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def buttons(html):
    """``{action: hidden inputs}`` of the change page's action buttons."""
    found = {}
    for form in re.findall(
        r'<form method="post" action="([^"]+)" class="na-object'
        r'-action">(.*?)</form>',
        html,
        re.S,
    ):
        url, body = form
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', body))
        found[fields["action"]] = {"url": url, **fields}
    return found


@pytest.fixture
def rows_by_status(make_user, make_record, make_notification):
    record = make_record(make_user())
    return {
        status: make_notification(record, status)
        for status in ("SCHEDULED", "DELIVERED", "DELIVERY_FAILURE", "OPTED_OUT")
    }


def test_buttons_follow_the_rows_status(admin_client, rows_by_status):
    changelist = reverse("admin:notify_admin_notification_changelist")
    expected = {
        "SCHEDULED": {"send_now"},
        "DELIVERY_FAILURE": {"send_now", "retry"},
        "DELIVERED": set(),
        "OPTED_OUT": set(),
    }
    for status, row in rows_by_status.items():
        found = buttons(admin_client.get(change_url(row)).content.decode())
        assert set(found) == expected[status], status
        for fields in found.values():
            assert fields["url"] == changelist
            assert fields["_selected_action"] == str(row.pk)
            assert fields["index"] == "0"


def test_buttons_need_the_actions_permissions(client, make_staff, rows_by_status):
    failed = rows_by_status["DELIVERY_FAILURE"]
    client.force_login(
        make_staff("notify_admin.view_notification", "notify_admin.change_notification")
    )
    assert set(buttons(client.get(change_url(failed)).content.decode())) == {"retry"}
    client.force_login(make_staff("notify_admin.view_notification"))
    assert buttons(client.get(change_url(failed)).content.decode()) == {}


def test_send_now_button_goes_through_the_confirmation_page(
    admin_client, rows_by_status
):
    row = rows_by_status["SCHEDULED"]
    fields = buttons(admin_client.get(change_url(row)).content.decode())["send_now"]
    data = {k: v for k, v in fields.items() if k != "url"}
    response = admin_client.post(fields["url"], data)
    assert response.status_code == 200
    assert b'name="confirm"' in response.content
    row.refresh_from_db()
    assert row.status == "SCHEDULED"  # nothing sent before confirming


def test_retry_button_runs_the_retry_action(admin_client, rows_by_status):
    row = rows_by_status["DELIVERY_FAILURE"]
    fields = buttons(admin_client.get(change_url(row)).content.decode())["retry"]
    data = {k: v for k, v in fields.items() if k != "url"}
    # Retry may send: the button leads to the action's confirmation page...
    page = admin_client.post(fields["url"], data)
    assert page.status_code == 200
    assert row.title in page.content.decode()
    row.refresh_from_db()
    assert row.status == Notification.DELIVERY_FAILURE
    # ...and confirming it runs the action on this row.
    response = admin_client.post(fields["url"], {**data, "confirm": "yes"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status != Notification.DELIVERY_FAILURE
    assert row.retry_attempts == 0


def test_status_is_read_only_once_attempted(admin_client, rows_by_status):
    scheduled, delivered = rows_by_status["SCHEDULED"], rows_by_status["DELIVERED"]
    html = admin_client.get(change_url(scheduled)).content.decode()
    assert 'name="status"' in html
    html = admin_client.get(change_url(delivered)).content.decode()
    assert 'name="status"' not in html
    # A scheduled row with an attempt row (e.g. a retry being scheduled again).
    DeliveryAttempt.objects.create(notification=scheduled, outcome="RETRY")
    html = admin_client.get(change_url(scheduled)).content.decode()
    assert 'name="status"' not in html


def test_posting_a_status_to_an_attempted_row_changes_nothing(
    admin_client, rows_by_status
):
    row = rows_by_status["DELIVERED"]
    response = admin_client.post(
        change_url(row),
        {
            "user_target": str(row.user_target_id),
            "title": "New title",
            "body": row.body,
            "extra": "{}",
            "status": "SCHEDULED",
            "scheduled_delivery_0": f"{row.scheduled_delivery:%Y-%m-%d}",
            "scheduled_delivery_1": f"{row.scheduled_delivery:%H:%M:%S}",
            "attempted_delivery_0": f"{row.attempted_delivery:%Y-%m-%d}",
            "attempted_delivery_1": f"{row.attempted_delivery:%H:%M:%S}",
            "retry_time_interval": "0",
            "retry_attempts": "0",
            "max_retries": "5",
            "attempts-TOTAL_FORMS": "0",
            "attempts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    # What was sent stays as it was; only the retry settings are editable.
    assert (row.title, row.status, row.max_retries) == ("Hello", "DELIVERED", 5)


@pytest.mark.parametrize(
    ("url_name", "field"),
    [
        ("admin:notify_admin_notification_add", "user_target"),
        ("admin:notify_admin_targetuserrecord_add", "user"),
        ("admin:notify_admin_notificationoptout_add", "user"),
    ],
)
def test_users_and_records_are_picked_by_autocomplete(admin_client, url_name, field):
    html = admin_client.get(reverse(url_name)).content.decode()
    select = re.search(rf'<select name="{field}"[^>]*>', html).group(0)
    assert "admin-autocomplete" in select
    assert 'data-ajax--url="/admin/autocomplete/"' in select
    assert "vForeignKeyRawIdAdminField" not in html


def test_autocomplete_finds_users_and_records(admin_client, make_user, make_record):
    ada = make_user(username="ada.lovelace")
    record = make_record(ada)
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "ada.love",
            "app_label": "notify_admin",
            "model_name": "notification",
            "field_name": "user_target",
        },
    ).json()
    assert [r["id"] for r in found["results"]] == [str(record.pk)]
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "ada.love",
            "app_label": "notify_admin",
            "model_name": "targetuserrecord",
            "field_name": "user",
        },
    ).json()
    assert [r["id"] for r in found["results"]] == [str(ada.pk)]


def test_no_export_box_under_the_forms(admin_client, rows_by_status):
    row = rows_by_status["SCHEDULED"]
    for url in (change_url(row), change_url(row.user_target)):
        html = admin_client.get(url).content.decode()
        assert "_export-item" not in html


def test_change_page_query_count_is_fixed(admin_client, rows_by_status):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = rows_by_status["DELIVERY_FAILURE"]
    admin_client.get(change_url(row))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(change_url(row))
    for _ in range(20):
        DeliveryAttempt.objects.create(notification=row, outcome="RETRY")
    with CaptureQueriesContext(connection) as many:
        admin_client.get(change_url(row))
    assert len(few) == len(many)


def test_user_admin_still_searchable_for_autocomplete():
    from django.contrib import admin

    assert admin.site.get_model_admin(get_user_model()).search_fields
