"""What keeps the admin fast over big tables (bench/admin_scale.py measures
it): deep pages read by primary key first, planner estimates for big counts,
the dashboard's figures cached over a big table."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify_admin.admin import dashboard as dashboard_module
from notify_admin.admin.pagination import EstimatedCountPaginator
from notify_admin.models import Notification

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:notify_admin_notification_changelist")


@pytest.fixture
def many(make_user, make_record):
    record = make_record(make_user())
    start = timezone.now() - datetime.timedelta(days=1)
    Notification.objects.bulk_create(
        Notification(
            user_target=record,
            title=f"N{i:03d}",
            body="b",
            scheduled_delivery=start + datetime.timedelta(minutes=i),
        )
        for i in range(250)
    )


def titles(response):
    return [n.title for n in response.context["cl"].result_list]


def test_deep_pages_show_the_same_rows_in_the_same_order(admin_client, many):
    expected = list(
        Notification.objects.order_by("-scheduled_delivery", "-pk").values_list(
            "title", flat=True
        )
    )
    assert titles(admin_client.get(CHANGELIST, {"p": 2})) == expected[100:200]
    assert titles(admin_client.get(CHANGELIST, {"p": 3})) == expected[200:]
    ordered = admin_client.get(CHANGELIST, {"p": 2, "o": "1"})  # by title
    assert titles(ordered) == sorted(expected, reverse=False)[100:200]


def test_deep_page_query_count_is_that_of_any_later_page(admin_client, many):
    def queries(page):
        with CaptureQueriesContext(connection) as captured:
            admin_client.get(CHANGELIST, {"p": page})
        return len(captured)

    admin_client.get(CHANGELIST)
    assert queries(2) == queries(3)


@pytest.mark.postgres
def test_big_filtered_counts_come_from_the_planner(admin_client, many, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notify_admin_notification")
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 10)
    response = admin_client.get(CHANGELIST, {"status__exact": "SCHEDULED"})
    assert response.context["cl"].paginator.estimated
    assert "about" in response.content.decode()
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 10_000)
    response = admin_client.get(CHANGELIST, {"status__exact": "SCHEDULED"})
    assert not response.context["cl"].paginator.estimated
    assert response.context["cl"].result_count == 250


def test_dashboard_figures_are_cached_over_a_big_table(
    admin_client, many, monkeypatch, settings
):
    settings.NOTIFICATION_SYSTEM_DASHBOARD_CACHE_SECONDS = 60
    monkeypatch.setattr(dashboard_module, "table_estimate", lambda model: 10**6)
    cache.clear()
    app_index = reverse("admin:app_list", args=["notify_admin"])
    with CaptureQueriesContext(connection) as first:
        admin_client.get(app_index)
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as second:
        html = admin_client.get(app_index).content.decode()
    assert len(second) < len(first)  # no counting: the cached figures
    assert 'id="na-due-now">250<' in html  # (cached: up to 60 s old)
    cache.clear()
    monkeypatch.setattr(dashboard_module, "table_estimate", lambda model: 10)
    html = admin_client.get(app_index).content.decode()
    assert 'id="na-due-now">0<' in html  # a small table is counted live
