"""The named selection rules on Notification.objects, and the engine's logs."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.models import Notification, NotificationOptOut

pytestmark = pytest.mark.django_db

TOKEN = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def rows_by_rule(make_user, make_record, make_notification):
    now = timezone.now()
    past, future = now - timedelta(minutes=1), now + timedelta(hours=1)
    made = {}
    for name, status, when in [
        ("due", "SCHEDULED", past),
        ("retry", "RETRY", past),
        ("future", "SCHEDULED", future),
        ("leased", "SCHEDULED", past),
        ("expired", "SCHEDULED", past),
        ("failed", "DELIVERY_FAILURE", past),
        ("inactive", "INACTIVE_DEVICE", past),
        ("delivered", "DELIVERED", past),
        ("opted", "OPTED_OUT", past),
    ]:
        record = make_record(make_user())
        made[name] = make_notification(record, status, scheduled_delivery=when)
    Notification.objects.filter(pk=made["leased"].pk).update(
        claim_token=TOKEN, claimed_until=now + timedelta(minutes=5)
    )
    Notification.objects.filter(pk=made["expired"].pk).update(
        claim_token=TOKEN, claimed_until=now - timedelta(seconds=1)
    )
    return made


def names(queryset, rows_by_rule):
    by_pk = {n.pk: name for name, n in rows_by_rule.items()}
    return sorted(by_pk[pk] for pk in queryset.values_list("pk", flat=True))


def test_due_and_lease_free(rows_by_rule):
    now = timezone.now()
    assert names(Notification.objects.due(now), rows_by_rule) == [
        "due",
        "expired",
        "retry",
    ]
    assert "leased" not in names(Notification.objects.lease_free(now), rows_by_rule)
    assert "expired" in names(Notification.objects.lease_free(now), rows_by_rule)


def test_sendable_now_and_status_groups(rows_by_rule):
    assert names(Notification.objects.sendable_now(), rows_by_rule) == sorted(
        ["due", "retry", "future", "leased", "expired", "failed", "inactive"]
    )
    assert set(Notification.SENDABLE_NOW_STATUSES) == set(
        Notification.OPEN_STATUSES + Notification.FAILED_STATUSES
    )


def test_with_opt_out(rows_by_rule):
    user = rows_by_rule["due"].user_target.user
    NotificationOptOut.objects.bulk_create([NotificationOptOut(user=user)])
    flagged = {n.pk: n.user_opted_out for n in Notification.objects.with_opt_out()}
    assert flagged[rows_by_rule["due"].pk] is True
    assert flagged[rows_by_rule["retry"].pk] is False
    assert rows_by_rule["due"].pk not in set(
        Notification.objects.without_opted_out().values_list("pk", flat=True)
    )


def test_one_structured_line_per_batch_and_per_run(make_user, make_record, caplog):
    for _ in range(3):
        Notification.objects.create(
            user_target=make_record(make_user()),
            title="t",
            body="b",
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
        )
    with caplog.at_level(logging.INFO, logger="notify_admin.delivery"):
        result = deliver_due(batch_size=2)
    batches = [r for r in caplog.records if r.event == "batch recorded"]
    runs = [r for r in caplog.records if r.event == "run finished"]
    assert [r.rows for r in batches] == [2, 1]
    assert [r.delivered for r in batches] == [2, 1]
    assert batches[0].run_id == result.run_id and batches[0].seconds >= 0
    assert "delivered=2" in batches[0].getMessage()
    (run,) = runs
    assert (run.run_id, run.delivered, run.claimed, run.error) == (
        result.run_id,
        3,
        3,
        "",
    )
    assert run.getMessage().startswith(f"run finished run_id={result.run_id} ")
