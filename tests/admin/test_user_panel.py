"""A user's own admin page: their addresses, opt-out and latest notifications,
read-only, linked, in a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notify_admin.models import Notification, NotificationOptOut

pytestmark = pytest.mark.django_db


def user_page(user):
    return reverse("admin:auth_user_change", args=[user.pk])


@pytest.fixture
def ada(make_user, make_record, make_notification):
    user = make_user(username="ada")
    email, sms = make_record(user), make_record(user, "twilio")
    make_notification(email, title="Welcome")
    make_notification(sms, "DELIVERED", title="Code 1234")
    make_notification(email, "RETRY", title="Digest")
    return user


def test_user_page_lists_addresses_opt_out_and_latest(admin_client, ada):
    html = admin_client.get(user_page(ada)).content.decode()
    inline = re.search(r'<div class="js-inline-admin-formset.*?</fieldset>', html, re.S)
    assert ada.email in inline.group(0) and "+14155552671" in inline.group(0)
    panel = re.search(r'id="na-user-panel">(.*?)</div>', html, re.S).group(1)
    assert "not opted out" in panel
    for n in Notification.objects.all():
        assert reverse("admin:notify_admin_notification_change", args=[n.pk]) in panel
    assert "All 3 notifications of this user" in panel
    # Read-only: no inputs for the records, and the page still saves the user.
    assert 'name="notification_target_user_records-0-target_user_id"' not in html


def test_all_notifications_link_filters_to_the_user(
    admin_client, ada, make_user, make_record, make_notification
):
    make_notification(make_record(make_user()), title="Someone else's")
    html = admin_client.get(user_page(ada)).content.decode()
    url = re.search(r'href="([^"]+)" id="na-user-all"', html).group(1)
    response = admin_client.get(url.replace("&amp;", "&"))
    assert response.context["cl"].result_count == 3
    assert "ada" in response.content.decode()  # the sidebar names the user


def test_bad_user_filter_value_shows_nothing(admin_client, ada):
    url = reverse("admin:notify_admin_notification_changelist")
    response = admin_client.get(url, {"user": "abc"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_opt_out_state_is_shown_and_linked(admin_client, ada):
    opt_out = NotificationOptOut.objects.create(user=ada, active=True)
    html = admin_client.get(user_page(ada)).content.decode()
    panel = re.search(r'id="na-user-opt-out">(.*?)</p>', html, re.S).group(1)
    assert "opted out" in panel and "not opted out" not in panel
    assert (
        reverse("admin:notify_admin_notificationoptout_change", args=[opt_out.pk])
        in panel
    )


def test_saving_the_user_needs_no_inline_data(admin_client, ada):
    response = admin_client.post(
        user_page(ada),
        {
            "username": "ada",
            "email": "ada@example.org",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.email == "ada@example.org"


def test_panel_needs_view_permission(client, make_staff, ada):
    client.force_login(
        make_staff("auth.view_user", "notify_admin.view_targetuserrecord")
    )
    html = client.get(user_page(ada)).content.decode()
    assert ada.email in html and "na-user-panel" not in html
    client.force_login(make_staff("auth.view_user"))
    html = client.get(user_page(ada)).content.decode()
    assert "+14155552671" not in html


def test_user_page_query_count_is_fixed(
    admin_client, ada, make_record, make_notification
):
    admin_client.get(user_page(ada))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(user_page(ada))
    for i in range(5):
        record = make_record(ada, "email", address=f"ada{i}@example.com")
        for _ in range(4):
            make_notification(record, "DELIVERED")
    with CaptureQueriesContext(connection) as many:
        html = admin_client.get(user_page(ada)).content.decode()
    assert "All 23 notifications" in html
    assert len(few) == len(many)


def test_add_user_page_has_no_panel(admin_client):
    html = admin_client.get(reverse("admin:auth_user_add")).content.decode()
    assert "na-user-panel" not in html and "notification addresses" not in html
