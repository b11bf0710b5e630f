"""The dashboard on the notify_admin app index."""

import datetime
import re
import runpy

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify_admin.admin.chart import bar_chart, nice_ceiling
from notify_admin.admin.dashboard import daily_outcomes
from notify_admin.models import DeliveryAttempt, DeliveryRun, NotificationTarget
from tests.support.paths import REPO

pytestmark = pytest.mark.django_db
APP_INDEX = reverse("admin:app_list", args=["notify_admin"])


def earlier_today(hours_ago):
    """A time earlier today, whatever the time of day: "2 hours ago" at 01:00
    would be yesterday to the chart, which counts by local date."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return now - (now - midnight) * (hours_ago / 24)


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def attempt(notification, outcome, at):
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
    retry = make_notification(sms, "RETRY", scheduled_delivery=past)
    attempt(retry, "RETRY", retry.attempted_delivery)
    for status, at in [
        ("DELIVERED", earlier_today(2)),
        ("DELIVERED", days_ago(3)),
        ("INACTIVE_DEVICE", days_ago(3)),
        ("DELIVERED", days_ago(20)),  # outside the chart
    ]:
        attempt(make_notification(sms, status, attempted_delivery=at), status, at)
    failed = make_notification(
        email, "DELIVERY_FAILURE", attempted_delivery=earlier_today(1)
    )
    attempt(failed, "RETRY", earlier_today(3))
    attempt(failed, "DELIVERY_FAILURE", failed.attempted_delivery)
    DeliveryRun.objects.create(
        source="command",
        host="cron-1",
        started_at=timezone.now() - datetime.timedelta(hours=1),
        finished_at=timezone.now(),
        delivered=7,
        retried=2,
        failed=1,
    )
    # The latest run, though not the command's: admin runs count too.
    DeliveryRun.objects.create(source="admin", delivered=99)
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
    assert "admin" in last_run and "99 delivered · 0 retry · 0 failed" in last_run
    run = DeliveryRun.objects.get(source="admin")
    assert reverse("admin:notify_admin_deliveryrun_change", args=[run.pk]) in last_run
    matrix = re.search(r'id="na-status-matrix">(.*?)</table>', html, re.S).group(1)
    email_row = re.search(
        r"<th scope=\"row\"><a [^>]*>Email</a></th>(.*?)</tr>", matrix, re.S
    )
    # Columns: Scheduled, Delivered, Delivery failure, Retry, Inactive, Opted
    # out (by the user), Cancelled by staff, Total.
    assert re.findall(r"<td><a [^>]*>(?:<strong>)?(\d+)", email_row.group(1)) == [
        "2",
        "0",
        "1",
        "0",
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


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_dashboard_query_count_does_not_grow_with_the_data(
    admin_client, make_user, make_record, make_notification
):
    pages = [APP_INDEX, reverse("admin:index")]
    for url in pages:
        admin_client.get(url)  # warm caches (content types, permissions)
    record = make_record(make_user())
    n = make_notification(record, "DELIVERED")
    attempt(n, "DELIVERED", n.attempted_delivery)
    DeliveryRun.objects.create(source="command")
    small = [queries(admin_client, url) for url in pages]
    for _ in range(30):
        m = make_notification(
            make_record(make_user()), "DELIVERY_FAILURE", attempted_delivery=days_ago(2)
        )
        attempt(m, "DELIVERY_FAILURE", m.attempted_delivery)
        DeliveryRun.objects.create(source="admin")
    assert [queries(admin_client, url) for url in pages] == small


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


def changelist_count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


def test_every_dashboard_figure_links_to_the_rows_it_counts(admin_client, history):
    html = admin_client.get(APP_INDEX).content.decode()
    section = re.search(r'<section class="na-dashboard".*?</section>', html, re.S)
    changelist = reverse("admin:notify_admin_notification_changelist")
    links = re.findall(
        r'<a (?:class="na-card" )?href="([^"]+)"[^>]*>\s*(?:<span[^>]*>|<strong>)?'
        r"(\d+)<",
        section.group(0),
    )
    # 4 cards, each target x (7 statuses + total), 7 status totals + total
    # (OPTED_OUT counted apart for the user's opt-out and a staff cancellation).
    assert len(links) == 4 + NotificationTarget.objects.count() * 8 + 8
    for url, shown in links:
        url = url.replace("&amp;", "&")
        assert url.startswith(changelist)
        assert changelist_count(admin_client, url) == int(shown), url


def test_chart_bars_link_to_their_days_rows(admin_client, history):
    html = admin_client.get(APP_INDEX).content.decode()
    bars = re.findall(
        r'<a href="([^"]+)" class="na-bar-link"><rect class="na-bar na-bar--(\w+)"'
        r".*?<title>([^:<]+): (\d+) \w+</title>",
        html,
        re.S,
    )
    assert len(bars) == 28
    assert sum(int(n) for *_rest, n in bars) == 4
    for url, _kind, _day, shown in bars:
        if shown != "0":
            url = url.replace("&amp;", "&")
            assert changelist_count(admin_client, url) == int(shown), url


def test_admin_index_has_a_card_leading_to_the_dashboard(admin_client, history):
    html = admin_client.get(reverse("admin:index")).content.decode()
    card = re.search(r'id="na-index-card">(.*?)</div>', html, re.S).group(1)
    assert f'href="{APP_INDEX}"' in card
    assert text_of(html, "na-index-due") == "2"
    assert text_of(html, "na-index-failures") == "1"
    # The app list is still there, under the card.
    assert 'id="content-main"' in html and "app-notify_admin" in html


def test_index_card_hidden_without_view_permission(client, make_staff, history):
    client.force_login(make_staff("notify_admin.view_targetuserrecord"))
    assert "na-index-card" not in client.get(reverse("admin:index")).content.decode()


def test_demo_data_has_nothing_in_the_future_after_refresh(client):
    call_command("loaddata", str(REPO / "fixtures" / "demo.json"), verbosity=0)
    happened = runpy.run_path(str(REPO / "fixtures" / "refresh_demo_dates.py"))[
        "HAPPENED"
    ]
    now = timezone.now()
    for model, fields in happened.items():
        for name in fields:
            assert not model.objects.filter(**{f"{name}__gt": now}).exists(), name
    run = DeliveryRun.objects.order_by("-started_at").first()
    assert now - datetime.timedelta(hours=2) < run.started_at < now
    client.force_login(get_user_model().objects.get(username="admin"))
    html = client.get(APP_INDEX).content.decode()
    assert int(text_of(html, "na-delivered-24h")) > 0
