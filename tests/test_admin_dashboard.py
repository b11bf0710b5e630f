"""The dashboard on the notify_admin app index."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify_admin.admin.chart import bar_chart, nice_ceiling
from notify_admin.admin.dashboard import daily_outcomes
from notify_admin.models import DeliveryAttempt, DeliveryRun

pytestmark = pytest.mark.django_db
APP_INDEX = reverse("admin:app_list", args=["notify_admin"])


def attempt(notification, outcome, days_ago=0, hours_ago=0):
    now = timezone.now()
    if days_ago:
        at = now - datetime.timedelta(days=days_ago, hours=hours_ago)
    else:
        # Earlier today, whatever the time of day: "2 hours ago" at 01:00
        # would be yesterday to the chart, which counts by local date.
        midnight = timezone.localtime(now).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        at = now - (now - midnight) * (hours_ago / 24)
    return DeliveryAttempt.objects.create(
        notification=notification, outcome=outcome, attempted_at=at
    )


@pytest.fixture
def history(make_user, make_record, make_notification):
    user = make_user()
    email, sms = make_record(user), make_record(user, "twilio")
    past = timezone.now() - datetime.timedelta(minutes=5)
    due = make_notification(email, scheduled_delivery=past)
    make_notification(email, scheduled_delivery=past + datetime.timedelta(days=1))
    make_notification(sms, "RETRY", scheduled_delivery=past)
    delivered = make_notification(sms, "DELIVERED")
    failed = make_notification(email, "DELIVERY_FAILURE")
    attempt(delivered, "DELIVERED")
    attempt(delivered, "DELIVERED", days_ago=3)
    attempt(failed, "DELIVERY_FAILURE", hours_ago=2)
    attempt(failed, "INACTIVE_DEVICE", days_ago=3)
    attempt(failed, "RETRY", hours_ago=1)
    attempt(failed, "DELIVERED", days_ago=20)  # outside the chart
    DeliveryRun.objects.create(source="admin", delivered=99)
    DeliveryRun.objects.create(
        source="command",
        host="cron-1",
        started_at=timezone.now() - datetime.timedelta(hours=1),
        finished_at=timezone.now(),
        delivered=7,
        retried=2,
        failed=1,
    )
    return due


def text_of(html, element_id):
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    return match.group(1).strip()


def test_dashboard_figures(admin_client, history):
    html = admin_client.get(APP_INDEX).content.decode()
    assert text_of(html, "na-due-now") == "2"  # the past SCHEDULED and RETRY rows
    assert text_of(html, "na-delivered-24h") == "1"
    assert text_of(html, "na-retries-24h") == "1"
    assert text_of(html, "na-failures-24h") == "1"
    last_run = re.search(r'id="na-last-run">(.*?)</div>', html, re.S).group(1)
    assert "cron-1" in last_run and "7 delivered · 2 retry · 1 failed" in last_run
    matrix = re.search(r'id="na-status-matrix">(.*?)</table>', html, re.S).group(1)
    email_row = re.search(r"<th scope=\"row\">Email</th>(.*?)</tr>", matrix, re.S)
    # Columns: Scheduled, Delivered, Delivery failure, Retry, Inactive, Opted out.
    assert re.findall(r"<td>(?:<strong>)?(\d+)", email_row.group(1)) == [
        "2",
        "0",
        "1",
        "0",
        "0",
        "0",
        "3",
    ]
    assert '<svg id="na-chart"' in html


def test_chart_days_count_delivered_and_failed(history):
    days = daily_outcomes(timezone.now())
    assert len(days) == 14
    assert days[-1][0] == timezone.localdate()
    assert days[-1][1:] == (1, 1)  # today: one delivered, one failure (RETRY not)
    assert days[-4][1:] == (1, 1)  # three days ago: delivered + inactive device
    assert sum(d for _day, d, _f in days) == 2  # the 20-day-old one is left out


def test_chart_svg_has_a_bar_pair_per_day(admin_client, history):
    html = admin_client.get(APP_INDEX).content.decode()
    svg = re.search(r'<svg id="na-chart".*?</svg>', html, re.S).group(0)
    assert svg.count('class="na-day"') == 14
    today = timezone.localdate().isoformat()
    assert f'data-day="{today}" data-delivered="1" data-failed="1"' in svg
    assert "<script" not in svg


def test_chart_geometry_scales_to_the_busiest_day():
    today = datetime.date(2031, 1, 14)
    days = [(today - datetime.timedelta(days=i), i, 0) for i in range(13, -1, -1)]
    chart = bar_chart(days)
    assert chart["top_value"] == 20
    tallest = chart["groups"][0]["bars"][0]
    assert tallest["value"] == 13
    empty = chart["groups"][-1]["bars"][0]
    assert empty["height"] == 0 and empty["y"] == chart["baseline"]
    assert [line["value"] for line in chart["gridlines"]] == [0, 4, 8, 12, 16, 20]
    assert [nice_ceiling(v) for v in (0, 1, 2, 3, 7, 11, 48, 101)] == [
        1,
        1,
        2,
        5,
        10,
        20,
        50,
        200,
    ]


def test_dashboard_query_count_does_not_grow_with_the_data(
    admin_client, make_user, make_record, make_notification
):
    admin_client.get(APP_INDEX)  # warm caches (content types, permissions)
    record = make_record(make_user())
    n = make_notification(record, "DELIVERED")
    attempt(n, "DELIVERED")
    with CaptureQueriesContext(connection) as small:
        admin_client.get(APP_INDEX)
    for _ in range(30):
        m = make_notification(make_record(make_user()), "DELIVERY_FAILURE")
        attempt(m, "DELIVERY_FAILURE", days_ago=2)
    with CaptureQueriesContext(connection) as large:
        admin_client.get(APP_INDEX)
    assert len(small) == len(large)


def test_dashboard_hidden_without_view_permission(client, make_staff, history):
    client.force_login(make_staff("notify_admin.view_targetuserrecord"))
    html = client.get(APP_INDEX).content.decode()
    assert "Delivery dashboard" not in html
    client.force_login(make_staff("notify_admin.view_notification"))
    assert "Delivery dashboard" in client.get(APP_INDEX).content.decode()


def test_dashboard_without_any_run(admin_client):
    html = admin_client.get(APP_INDEX).content.decode()
    assert re.search(r'id="na-last-run">.*?never', html, re.S)
    assert text_of(html, "na-due-now") == "0"
