"""Every changelist runs the same number of queries with 10 and with 200 rows."""

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify_admin.admin.pagination import EstimatedCountPaginator
from notify_admin.models import (
    DeliveryRun,
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


class Rows:
    """Grows each table to ``n`` rows, every row with its own related objects
    so a per-row query would show."""

    def __init__(self, targets, admin_user):
        self.targets = targets
        self.admin_user = admin_user
        self.made = 0

    def users(self, n):
        start = self.made
        self.made += n
        return User.objects.bulk_create(
            [
                User(username=f"bulk{i}", email=f"bulk{i}@example.com")
                for i in range(start, start + n)
            ]
        )

    def records(self, n):
        records = TargetUserRecord.objects.bulk_create(
            [
                TargetUserRecord(
                    user=user,
                    target=self.targets["email"],
                    target_user_id=user.email,
                    description=f"{user.username}'s Email",
                )
                for user in self.users(n)
            ]
        )
        # Mine filter: each record is in the admin log of the admin user.
        LogEntry.objects.log_actions(self.admin_user.pk, records, CHANGE, "test")
        return records

    def grow(self, model, n):
        missing = n - model.objects.count()
        now = timezone.now()
        if model is Notification:
            Notification.objects.bulk_create(
                [
                    Notification(
                        user_target=record,
                        title=f"Title {i}",
                        body="b",
                        status="DELIVERED",
                        attempted_delivery=now - datetime.timedelta(hours=i),
                        scheduled_delivery=now - datetime.timedelta(hours=i),
                    )
                    for i, record in enumerate(self.records(missing))
                ]
            )
        elif model is TargetUserRecord:
            self.records(missing)
        elif model is NotificationOptOut:
            NotificationOptOut.objects.bulk_create(
                [NotificationOptOut(user=user) for user in self.users(missing)]
            )
        elif model is NotificationTarget:
            NotificationTarget.objects.bulk_create(
                [
                    NotificationTarget(
                        name=f"Target {n - i}", notification_module_name="email"
                    )
                    for i in range(missing)
                ]
            )
            self.records(20)
        elif model is DeliveryRun:
            DeliveryRun.objects.bulk_create(
                [DeliveryRun(source="command", delivered=i) for i in range(missing)]
            )
        elif model is User:
            self.users(missing)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


CHANGELISTS = [
    (Notification, ""),
    (Notification, "?status__exact=DELIVERED&q=Title"),
    (
        Notification,
        "?scheduled_delivery__range__gte=2000-01-01"
        "&attempted_delivery__range__lte_0=2100-01-01"
        "&attempted_delivery__range__lte_1=00:00:00",
    ),
    (TargetUserRecord, ""),
    (TargetUserRecord, "?mine=1&active__exact=1"),
    (NotificationOptOut, ""),
    (NotificationTarget, ""),
    (DeliveryRun, ""),
    (User, ""),
]


@pytest.mark.parametrize(
    "model, query",
    CHANGELISTS,
    ids=[f"{m._meta.model_name}{q and '-filtered'}" for m, q in CHANGELISTS],
)
def test_changelist_query_count_is_fixed(
    admin_client, admin_user, targets, model, query
):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + query
    rows = Rows(targets, admin_user)
    ContentType.objects.clear_cache()
    rows.grow(model, 10)
    admin_client.get(url)  # warm the per-process caches (content types, ...)
    small, response = count_queries(admin_client, url)
    assert response.context["cl"].result_count >= 10
    rows.grow(model, 200)
    large, response = count_queries(admin_client, url)
    assert len(response.context["cl"].result_list) == 100  # a full page
    assert small == large, f"{small} queries with 10 rows, {large} with 200"
    # And few: session, user, page count, page rows, filters, the paused
    # targets (the banner every admin page shows while one is paused).
    assert large <= 9


def test_the_user_changelist_shows_the_notify_actions(admin_client):
    page = admin_client.get(reverse("admin:auth_user_changelist"))
    assert 'value="notify_compose"' in page.content.decode()


# --- the paginator's estimate on PostgreSQL ------------------------------------


@pytest.mark.postgres
def test_unfiltered_big_table_uses_the_planner_estimate(admin_user, targets):
    Rows(targets, admin_user).records(30)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TargetUserRecord._meta.db_table}")

    class Small(EstimatedCountPaginator):
        estimate_above = 10

    with CaptureQueriesContext(connection) as queries:
        count = Small(TargetUserRecord.objects.order_by("pk"), 10).count
    assert count == 30  # ANALYZE of a small table counts every row
    sql = " ".join(q["sql"] for q in queries)
    assert "reltuples" in sql and "COUNT(" not in sql.upper()
    with CaptureQueriesContext(connection) as queries:
        filtered = Small(
            TargetUserRecord.objects.filter(active=True).order_by("pk"), 10
        ).count
    assert filtered == 30
    assert "reltuples" not in " ".join(q["sql"] for q in queries)


def test_small_tables_and_other_databases_are_counted_exactly(admin_user, targets):
    Rows(targets, admin_user).records(12)
    paginator = EstimatedCountPaginator(TargetUserRecord.objects.order_by("pk"), 5)
    assert paginator.count == 12
    assert paginator.num_pages == 3
