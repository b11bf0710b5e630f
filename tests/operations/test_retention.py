"""purge_notifications: old terminal rows go with their attempts; nothing open
or leased is ever touched."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notify_admin.models import DeliveryAttempt, DeliveryRun, Notification
from notify_admin.retention import purge

pytestmark = pytest.mark.django_db

OLD = timezone.now() - timedelta(days=100)
RECENT = timezone.now() - timedelta(days=5)


@pytest.fixture
def cases(make_user, make_record):
    """One notification per case, each with one attempt, named by case."""
    record = make_record(make_user())
    old_run = DeliveryRun.objects.create(started_at=OLD, finished_at=OLD)

    def make(status, when, **extra):
        attempted = None if status in Notification.UNATTEMPTED_STATUSES else when
        n = Notification.objects.create(
            user_target=record,
            title=status,
            body="b",
            status=status,
            scheduled_delivery=when,
            attempted_delivery=attempted,
        )
        Notification.objects.filter(pk=n.pk).update(modified=when, **extra)
        DeliveryAttempt.objects.create(
            notification=n, attempted_at=when, outcome=status, run=old_run
        )
        return n

    leased = {"claim_token": uuid.uuid4(), "claimed_until": timezone.now()}
    return {
        "old_delivered": make(Notification.DELIVERED, OLD),
        "old_failed": make(Notification.DELIVERY_FAILURE, OLD),
        "old_inactive": make(Notification.INACTIVE_DEVICE, OLD),
        "old_opted_out": make(Notification.OPTED_OUT, OLD),
        "old_scheduled": make(Notification.SCHEDULED, OLD),
        "old_retry": make(Notification.RETRY, OLD),
        "old_failed_leased": make(Notification.DELIVERY_FAILURE, OLD, **leased),
        "recent_delivered": make(Notification.DELIVERED, RECENT),
        "old_run": old_run,
        "recent_run": DeliveryRun.objects.create(started_at=RECENT),
        "dead_run": DeliveryRun.objects.create(started_at=OLD),
    }


PURGED = {"old_delivered", "old_failed", "old_inactive", "old_opted_out"}
KEPT = {"old_scheduled", "old_retry", "old_failed_leased", "recent_delivered"}


def remaining_titles():
    return sorted(Notification.objects.values_list("title", flat=True))


def test_purge_deletes_old_terminal_rows_with_their_attempts_and_old_runs(cases):
    out = StringIO()
    call_command("purge_notifications", "--older-than", "30", stdout=out)
    assert out.getvalue().startswith(
        "Deleted 4 notification(s), 4 delivery attempt(s) and 2 delivery run(s)"
    )
    kept_ids = {cases[name].pk for name in KEPT}
    assert set(Notification.objects.values_list("pk", flat=True)) == kept_ids
    # The kept rows keep their attempts; the attempts lose their purged run.
    assert set(DeliveryAttempt.objects.values_list("notification", flat=True)) == (
        kept_ids
    )
    assert not DeliveryAttempt.objects.filter(run__isnull=False).exists()
    assert list(DeliveryRun.objects.values_list("pk", flat=True)) == [
        cases["recent_run"].pk
    ]
    # The leased row is untouched, lease and all.
    leased = Notification.objects.get(pk=cases["old_failed_leased"].pk)
    assert leased.claim_token is not None


def test_dry_run_counts_and_changes_nothing(cases):
    before = remaining_titles()
    out = StringIO()
    call_command("purge_notifications", "--older-than", "30", "--dry-run", stdout=out)
    assert out.getvalue().startswith(
        "Would delete 4 notification(s), 4 delivery attempt(s) and 2 delivery run(s)"
    )
    assert remaining_titles() == before
    assert DeliveryAttempt.objects.count() == 8
    assert DeliveryRun.objects.count() == 3


def test_small_batches_delete_the_same_rows(cases):
    result = purge(30, batch_size=1)
    assert (result.notifications, result.attempts, result.runs) == (4, 4, 2)
    assert Notification.objects.count() == len(KEPT)


def test_queries_grow_with_batches_not_with_rows(make_user, make_record):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = make_record(make_user())

    def queries_to_purge(count):
        Notification.objects.bulk_create(
            Notification(
                user_target=record,
                title="t",
                body="b",
                status=Notification.DELIVERED,
                scheduled_delivery=OLD,
                attempted_delivery=OLD,
            )
            for _ in range(count)
        )
        Notification.objects.update(modified=OLD)
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(notification=n, outcome=n.status)
            for n in Notification.objects.all()
        )
        with CaptureQueriesContext(connection) as captured:
            assert purge(30, batch_size=100).notifications == count
        return len(captured)

    one, two, three = (queries_to_purge(n) for n in (100, 200, 300))
    # Each batch of 100 rows costs the same statements (and keeps its locks
    # for those statements only).
    assert two - one == three - two > 0


def test_the_setting_gives_the_default_age(cases, settings):
    settings.NOTIFICATION_SYSTEM_PURGE_AFTER_DAYS = 200
    out = StringIO()
    call_command("purge_notifications", stdout=out)
    assert out.getvalue().startswith("Deleted 0 notification(s)")
    settings.NOTIFICATION_SYSTEM_PURGE_AFTER_DAYS = 1
    call_command("purge_notifications", stdout=out)
    # Five days old is now old enough.
    assert set(remaining_titles()) == {"SCHEDULED", "RETRY", "DELIVERY_FAILURE"}


@pytest.mark.parametrize("bad", ["0", "-3", "abc", "nan", "inf", "0.5"])
def test_bad_age_is_refused_and_changes_nothing(cases, bad):
    before = remaining_titles()
    with pytest.raises(CommandError, match="older-than"):
        call_command("purge_notifications", "--older-than", bad)
    assert remaining_titles() == before


def test_bad_setting_is_a_clear_error(cases, settings):
    settings.NOTIFICATION_SYSTEM_PURGE_AFTER_DAYS = "soon"
    with pytest.raises(CommandError, match="NOTIFICATION_SYSTEM_PURGE_AFTER_DAYS"):
        call_command("purge_notifications")
    assert Notification.objects.count() == len(PURGED) + len(KEPT)
