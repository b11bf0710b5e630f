"""The action helper itself: confirmation pages (rows with user and address,
the provider warning, per-model templates), result pages at a fixed number of
queries, and the compose form's size checks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notify_admin import delivery
from notify_admin.admin.message_sizes import (
    EXPO_PAYLOAD_LIMIT,
    push_payload_size,
    sms_size,
)
from notify_admin.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_rows(make_user, make_record, make_notification):
    def make(n):
        return [
            make_notification(
                make_record(
                    make_user(),
                    "twilio",
                    address=f"+1415555{i:04d}",
                ),
                title=f"Code {i}",
            )
            for i in range(n)
        ]

    return make


def test_send_confirmation_lists_user_and_address_per_row(
    admin_client, post_action, sms_rows
):
    rows = sms_rows(2)
    page = post_action(admin_client, Notification, "send_now", rows)
    body = page.content.decode()
    for row in rows:
        record = row.user_target
        assert record.user.username in body and record.target_user_id in body
    assert 'class="messagelist na-warnings"' not in body


def test_send_confirmation_warns_of_a_provider_that_is_not_configured(
    admin_client, post_action, sms_rows, settings
):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "twilio_sms": {},
    }
    page = post_action(admin_client, Notification, "send_now", sms_rows(2))
    warnings = list(page.context["warnings"])
    assert len(warnings) == 1
    assert warnings[0].startswith("2 notifications go to Twilio, whose provider is")
    assert 'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["auth_token"]' in warnings[0]


def test_a_model_admin_can_override_the_confirmation_template(
    admin_client, post_action, sms_rows, tmp_path, settings
):
    folder = tmp_path / "admin" / "notify_admin" / "notification"
    folder.mkdir(parents=True)
    (folder / "send_now_confirmation.html").write_text("MINE {{ count }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    page = post_action(admin_client, Notification, "send_now", sms_rows(1))
    assert page.content.decode() == "MINE 1"


def test_the_confirmation_page_costs_the_same_queries_for_2_and_40_rows(
    admin_client, post_action, sms_rows
):
    counts = []
    for n in (2, 40):
        rows = sms_rows(n)
        with CaptureQueriesContext(connection) as queries:
            page = post_action(admin_client, Notification, "send_now", rows)
        assert page.status_code == 200
        counts.append(len(queries))
        Notification.objects.all().delete()
    assert counts[0] == counts[1]


def test_the_result_page_costs_the_same_queries_for_2_and_40_rows(
    admin_client, sms_rows, fake_twilio
):
    counts = []
    for n in (2, 40):
        rows = sms_rows(n)
        result = delivery.send_now(
            Notification.objects.filter(pk__in=[r.pk for r in rows])
        )
        url = reverse("admin:notify_admin_deliveryrun_result", args=[result.run_id])
        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get(url)
        assert len(page.context["attempts"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_result_page_needs_view_or_send_permission(
    client, make_staff, sms_rows, fake_twilio
):
    rows = sms_rows(1)
    result = delivery.send_now(Notification.objects.filter(pk=rows[0].pk))
    url = reverse("admin:notify_admin_deliveryrun_result", args=[result.run_id])
    client.force_login(make_staff("notify_admin.view_targetuserrecord"))
    assert client.get(url).status_code == 403
    client.force_login(make_staff("notify_admin.view_notification"))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "body, expected",
    [
        ("a" * 160, ("GSM-7", 160, 1)),
        ("a" * 161, ("GSM-7", 161, 2)),
        ("a" * 306, ("GSM-7", 306, 2)),
        ("a" * 307, ("GSM-7", 307, 3)),
        ("€" * 80, ("GSM-7", 160, 1)),  # extension characters take two septets
        ("€" * 81, ("GSM-7", 162, 2)),
        ("ł" * 70, ("UCS-2", 70, 1)),
        ("ł" * 71, ("UCS-2", 71, 2)),
        ("😀" * 35, ("UCS-2", 70, 1)),  # outside the BMP: two UTF-16 units
    ],
)
def test_sms_size(body, expected):
    size = sms_size(body)
    assert (size.encoding, size.units, size.segments) == expected


def test_push_payload_size_counts_utf8_bytes_and_extra_data():
    small = push_payload_size("Hi", "Body")
    assert push_payload_size("Hi", "Bödy") == small + 1
    assert push_payload_size("Hi", "Body", {"data": {"k": "v" * 100}}) > small + 100
    assert push_payload_size("Hi", "x" * EXPO_PAYLOAD_LIMIT) > EXPO_PAYLOAD_LIMIT


def test_compose_refuses_a_push_over_expos_limit(
    admin_client, post_action, make_user, make_record
):
    from django.contrib.auth import get_user_model

    user = make_user()
    make_record(user, "expo")
    page = post_action(
        admin_client,
        get_user_model(),
        "notify_compose",
        [user],
        confirm="yes",
        title="Big",
        body="x" * 5000,
        extra="",
    )
    assert page.status_code == 200
    assert "Expo accepts at most 4096" in page.content.decode()
    assert not Notification.objects.exists()


def test_compose_uses_the_retry_defaults_from_settings(
    admin_client, post_action, make_user, make_record, settings
):
    from django.contrib.auth import get_user_model

    settings.NOTIFICATION_SYSTEM_RETRY_TIME_INTERVAL = 120
    user = make_user()
    make_record(user)
    done = post_action(
        admin_client,
        get_user_model(),
        "notify_compose",
        [user],
        confirm="yes",
        title="Hello",
        body="Short",
        extra="",
    )
    assert done.status_code == 302
    created = Notification.objects.get()
    assert (created.retry_time_interval, created.max_retries) == (120, 3)
    shown = [str(m) for m in admin_client.get(done.url).context["messages"]]
    link = f"?id__in={created.pk}"
    assert any(link in m and "Show them" in m for m in shown), shown
    listed = admin_client.get(
        reverse("admin:notify_admin_notification_changelist") + link
    )
    assert [n.pk for n in listed.context["cl"].result_list] == [created.pk]


def test_a_large_run_lists_a_page_of_rows_and_links_to_all(
    admin_client, sms_rows, fake_twilio, monkeypatch
):
    from notify_admin.admin import results

    monkeypatch.setattr(results, "RESULT_ROWS", 2)
    rows = sms_rows(3)
    result = delivery.send_now(Notification.objects.filter(pk__in=[r.pk for r in rows]))
    page = admin_client.get(
        reverse("admin:notify_admin_deliveryrun_result", args=[result.run_id])
    )
    body = page.content.decode()
    assert len(page.context["attempts"]) == 2
    assert "… and 1 more attempt: see them in the list." in body
    assert "Show these 3 notifications in the list" in body


def test_send_now_to_an_unconfigured_provider_says_so_and_sends_nothing(
    admin_client, post_action, sms_rows, settings
):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "twilio_sms": {},
    }
    rows = sms_rows(2)
    done = post_action(admin_client, Notification, "send_now", rows, confirm="yes")
    shown = [str(m) for m in admin_client.get(done.url).context["messages"]]
    assert any("2 not sent (provider not configured)" in m for m in shown), shown
    assert set(Notification.objects.values_list("status", flat=True)) == {"SCHEDULED"}
