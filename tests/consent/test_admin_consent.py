"""Consent in the admin: categories (critical ones marked, no critical one off
by default), why a notification was not sent or waits, blackout periods,
recipient settings, the read-only recipient logs."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify_admin.models import (
    BlackoutPeriod,
    ConsentChange,
    InboundMessage,
    Notification,
    NotificationCategory,
    RecipientSettings,
)
from tests.support.consent import category

pytestmark = pytest.mark.django_db


def url(model, view="changelist", *args):
    return reverse(f"admin:notify_admin_{model._meta.model_name}_{view}", args=args)


def test_the_category_list_marks_critical_ones(admin_client, targets):
    category("security", critical=True)
    category("promo", off_on=[targets["twilio"]])
    html = admin_client.get(url(NotificationCategory)).content.decode()
    assert html.count('class="na-critical"') == 1
    assert "General (default)" in html
    assert "Twilio" in html
    critical_only = admin_client.get(
        url(NotificationCategory), {"critical__exact": "1"}
    )
    assert [c.key for c in critical_only.context["cl"].result_list] == ["security"]


def test_a_critical_category_cannot_be_off_by_default(admin_client, targets):
    response = admin_client.post(
        url(NotificationCategory, "add"),
        {
            "key": "security",
            "name": "Security",
            "description": "",
            "critical": "on",
            "off_by_default": [str(targets["email"].pk)],
        },
    )
    assert response.status_code == 200
    assert "cannot be off by default" in response.content.decode()
    assert not NotificationCategory.objects.filter(key="security").exists()


def test_the_key_cannot_change_and_used_categories_cannot_be_deleted(
    admin_client, make_user, make_record
):
    news = category("news")
    response = admin_client.post(
        url(NotificationCategory, "change", news.pk),
        {"key": "renamed", "name": "News!", "description": ""},
    )
    assert response.status_code == 302
    news.refresh_from_db()
    assert (news.key, news.name) == ("news", "News!")
    assert LogEntry.objects.filter(object_id=str(news.pk)).exists()
    Notification.objects.create(
        user_target=make_record(make_user()), title="t", body="b", category=news
    )
    assert (
        admin_client.get(url(NotificationCategory, "delete", news.pk)).status_code
        == 403
    )
    general = NotificationCategory.objects.get(key="general")
    assert (
        admin_client.get(url(NotificationCategory, "delete", general.pk)).status_code
        == 403
    )
    unused = category("unused")
    assert (
        admin_client.post(
            url(NotificationCategory, "delete", unused.pk), {"post": "yes"}
        ).status_code
        == 302
    )
    assert not NotificationCategory.objects.filter(key="unused").exists()


@pytest.fixture
def rows(make_user, make_record, targets, admin_user):
    news = category("news")
    record = make_record(make_user(username="ada"))
    now = timezone.now()
    made = {
        reason: Notification.objects.create(
            user_target=record,
            title=f"t-{reason}",
            body="b",
            category=news,
            status="OPTED_OUT",
            opted_out_reason=reason,
        )
        for reason in ("opt_out", "preference", "category", "channel")
    }
    made["cancelled"] = Notification.objects.create(
        user_target=record,
        title="t-cancelled",
        body="b",
        status="OPTED_OUT",
        cancelled_at=now,
        cancelled_by=admin_user,
    )
    later = now + dt.timedelta(hours=3)
    made["deferred"] = Notification.objects.create(
        user_target=record,
        title="t-deferred",
        body="b",
        scheduled_delivery=later,
        deferred_until=later,
        deferral_reason="quiet_hours",
    )
    return made


def test_the_list_says_why_each_row_was_not_sent(admin_client, rows):
    html = admin_client.get(url(Notification)).content.decode()
    for text in (
        "user opted out",
        "preference",
        "category default",
        "SMS STOP",
        "deferred until",
    ):
        assert f'<span class="na-reason">{text}' in html, text
    # A staff cancellation is named as such (issue 19's badge).
    assert "Cancelled by admin" in html


@pytest.mark.parametrize(
    ("value", "titles"),
    [
        ("user", {"t-opt_out", "t-preference", "t-category", "t-channel"}),
        ("preference", {"t-preference"}),
        ("category", {"t-category"}),
        ("channel", {"t-channel"}),
        ("opt_out", {"t-opt_out"}),
        ("cancelled", {"t-cancelled"}),
    ],
)
def test_the_filter_tells_the_reasons_apart(admin_client, rows, value, titles):
    response = admin_client.get(url(Notification), {"opted_out": value})
    assert {n.title for n in response.context["cl"].result_list} == titles


def test_the_deferred_filter(admin_client, rows):
    response = admin_client.get(url(Notification), {"deferred": "quiet_hours"})
    assert [n.title for n in response.context["cl"].result_list] == ["t-deferred"]


def test_the_change_page_names_category_and_channel(admin_client, rows):
    html = admin_client.get(
        url(Notification, "change", rows["preference"].pk)
    ).content.decode()
    assert "Not sent: the user turned News off on Email." in html
    html = admin_client.get(
        url(Notification, "change", rows["category"].pk)
    ).content.decode()
    assert "News is off by default on Email" in html
    html = admin_client.get(
        url(Notification, "change", rows["deferred"].pk)
    ).content.decode()
    assert (
        "Deferred until" in html and "quiet hours" in html and "no retry spent" in html
    )
    # An uncategorised row names the default category.
    html = admin_client.get(
        url(Notification, "change", rows["cancelled"].pk)
    ).content.decode()
    assert "Category: General" in html


def test_the_list_costs_the_same_queries_with_more_reasons(
    admin_client, rows, make_record, make_user
):
    admin_client.get(url(Notification))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url(Notification))
    record = make_record(make_user())
    for n in range(10):
        Notification.objects.create(
            user_target=record,
            title=f"x{n}",
            body="b",
            status="OPTED_OUT",
            opted_out_reason="preference",
            category=category(f"c{n}"),
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url(Notification))
    assert len(few) == len(many)


def test_a_blackout_period_ends_after_it_starts(admin_client):
    response = admin_client.post(
        url(BlackoutPeriod, "add"),
        {"name": "Backwards", "start_date": "2026-12-26", "end_date": "2026-12-24"},
    )
    assert "The last day cannot be before the first day." in response.content.decode()
    assert not BlackoutPeriod.objects.exists()
    response = admin_client.post(
        url(BlackoutPeriod, "add"),
        {"name": "Christmas", "start_date": "2026-12-25", "end_date": "2026-12-26"},
    )
    assert response.status_code == 302
    period = BlackoutPeriod.objects.get()
    assert LogEntry.objects.get(object_id=str(period.pk)).is_addition()


def test_recipient_settings_are_checked(admin_client, make_user):
    user = make_user()
    data = {
        "user": str(user.pk),
        "time_zone": "Mars/Olympus",
        "quiet_hours_start": "22:00",
    }
    html = admin_client.post(url(RecipientSettings, "add"), data).content.decode()
    assert "Select a valid choice" in html
    data["time_zone"] = "Europe/Paris"
    html = admin_client.post(url(RecipientSettings, "add"), data).content.decode()
    assert "Give both the start and the end" in html
    data["quiet_hours_end"] = "07:00"
    assert admin_client.post(url(RecipientSettings, "add"), data).status_code == 302
    assert RecipientSettings.objects.get().time_zone == "Europe/Paris"


def test_recipient_logs_are_read_only(admin_client, make_user):
    change = ConsentChange.objects.create(
        user=make_user(), via="sms_stop", enabled=False
    )
    message = InboundMessage.objects.create(from_number="+14155552671", body="STOP")
    for model, obj in ((ConsentChange, change), (InboundMessage, message)):
        assert admin_client.get(url(model)).status_code == 200
        assert admin_client.get(url(model, "change", obj.pk)).status_code == 200
        assert admin_client.get(url(model, "add")).status_code == 403
        assert (
            admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code
            == 403
        )
    assert ConsentChange.objects.count() == InboundMessage.objects.count() == 1


def test_send_now_reports_the_rows_quiet_hours_held(
    admin_client, make_user, make_record, post_action
):
    from tests.support.consent import quiet_now

    record = make_record(make_user())
    row = Notification.objects.create(user_target=record, title="t", body="b")
    quiet_now(record.user)
    response = post_action(
        admin_client, Notification, "send_now", [row], confirm="yes", follow=True
    )
    page = (
        admin_client.get(response["Location"]) if response.status_code == 302 else None
    )
    html = (page or response).content.decode()
    assert "1 deferred (quiet hours or a blackout period)" in html
    row.refresh_from_db()
    assert (row.status, row.deferral_reason) == ("SCHEDULED", "quiet_hours")


def test_send_now_names_the_preference_that_stopped_a_row(
    admin_client, make_user, make_record, post_action, targets
):
    from notify_admin.models import NotificationPreference

    news = category("news")
    record = make_record(make_user())
    row = Notification.objects.create(
        user_target=record, title="t", body="b", category=news
    )
    NotificationPreference.objects.create(
        user=record.user, category=news, target=targets["email"], enabled=False
    )
    response = post_action(admin_client, Notification, "send_now", [row], confirm="yes")
    html = admin_client.get(response["Location"]).content.decode()
    assert "The user turned News off on Email." in html
    assert "1 not sent (turned off by the user)" in html
