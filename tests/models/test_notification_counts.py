"""The dashboard's notification counts stay exact, whatever changes the rows.

PostgreSQL keeps ``NotificationCount`` with triggers. After a random mix of
everything that creates, changes or deletes notifications (creators, saves,
bulk creates, delivery runs with deliveries, dead addresses and opt-outs,
feedback verdicts, admin actions, opt-out saves, record moves between
targets, deletes, purges), the counts equal a fresh count of the rows, and
the dashboard's figures equal the changelists its links lead to.
"""

import contextlib
import datetime
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from notify_admin.admin.dashboard import compute_dashboard
from notify_admin.creators import create_notification
from notify_admin.delivery import deliver_due
from notify_admin.feedback.email import email_verdict
from notify_admin.feedback.recording import apply_to_provider_id
from notify_admin.models import (
    DeliveryAttempt,
    Notification,
    NotificationCount,
    NotificationOptOut,
    TargetUserRecord,
)
from notify_admin.retention import purge

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def counted_by_status_and_target():
    """Counted from the rows: OPTED_OUT by a staff cancellation as CANCELLED,
    the dashboard's column (the sidebar's "cancelled by staff")."""
    rows = (
        Notification.objects.order_by()
        .values_list("user_target__target_id", "status", "cancelled_at")
        .annotate(n=Count("pk"))
    )
    found = {}
    for target, status, cancelled_at, n in rows:
        if status == Notification.OPTED_OUT and cancelled_at is not None:
            status = "CANCELLED"
        found[(target, status)] = found.get((target, status), 0) + n
    return found


def assert_counts_exact():
    assert NotificationCount.objects.kept_counts() == NotificationCount.objects.fresh()
    assert NotificationCount.objects.totals() == counted_by_status_and_target()
    call_command("rebuild_notification_counts", "--check", stdout=StringIO())


class Operations:
    """Each method changes notifications the way one part of the product does."""

    def __init__(self, rng, users, records, targets, client, post_action, admin):
        self.rng = rng
        self.users = users
        self.records = records
        self.targets = targets
        self.client = client
        self.post_action = post_action
        self.admin = admin

    def some(self, queryset, most=5):
        rows = list(queryset.order_by("?")[: self.rng.randint(1, most)])
        return rows

    def create(self):
        user = self.rng.choice(self.users)
        if not NotificationOptOut.objects.filter(user=user, active=True).exists():
            create_notification(user, "Hello", "Body", quiet=True)

    def save_and_bulk_create(self):
        records = [r for r in self.records if r.active]
        if not records:
            return
        past = timezone.now() - datetime.timedelta(minutes=self.rng.randint(1, 3000))
        Notification.objects.bulk_create(
            [
                Notification(user_target=self.rng.choice(records), title="b", body="b")
                for _ in range(self.rng.randint(1, 4))
            ]
        )
        row = Notification(
            user_target=self.rng.choice(records),
            title="s",
            body="s",
            status=Notification.DELIVERED,
            attempted_delivery=past,
        )
        # An opted-out user's row: the seed's rule refuses it.
        with contextlib.suppress(Exception):
            row.save()

    def run(self):
        deliver_due(batch_size=self.rng.randint(1, 7))

    def deactivate(self):
        records = self.some(TargetUserRecord.objects.filter(active=True), 2)
        TargetUserRecord.objects.filter(pk__in=[r.pk for r in records]).update(
            active=False
        )

    def feedback(self):
        for attempt in self.some(DeliveryAttempt.objects.exclude(provider_id=""), 3):
            event = self.rng.choice(["bounced", "delivered", "complained"])
            apply_to_provider_id(
                attempt.provider_id, ["email"], email_verdict(event), "test"
            )

    def opt_out(self):
        user = self.rng.choice(self.users)
        opt_out, _ = NotificationOptOut.objects.get_or_create(user=user)
        opt_out.active = not opt_out.active
        opt_out.save()

    def admin_actions(self):
        action = self.rng.choice(["cancel", "undo_cancel", "retry", "send_now"])
        rows = self.some(Notification.objects.all(), 6)
        if rows:
            self.post_action(self.client, Notification, action, rows, confirm="yes")

    def move_record(self):
        record = self.rng.choice(self.records)
        record.refresh_from_db()
        others = [t for t in self.targets.values() if t.pk != record.target_id]
        # Raw: a record's target is not changed through the validated form.
        TargetUserRecord.objects.filter(pk=record.pk).update(
            target=self.rng.choice(others)
        )

    def update_and_delete(self):
        rows = self.some(Notification.objects.all(), 4)
        Notification.objects.filter(pk__in=[r.pk for r in rows[:2]]).update(
            status=Notification.DELIVERY_FAILURE, attempted_delivery=timezone.now()
        )
        for row in rows[2:]:
            row.delete()

    def delete_record(self):
        if len(self.records) > 4:
            record = self.records.pop(self.rng.randrange(len(self.records)))
            record.delete()

    def purge(self):
        purge(days=0, now=timezone.now() + datetime.timedelta(days=1))

    def compact(self):
        NotificationCount.objects.compact()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_equal_a_fresh_count_after_a_random_mix_of_operations(
    seed, make_user, make_record, targets, admin_client, admin_user, post_action
):
    rng = random.Random(seed)
    users = [make_user() for _ in range(8)]
    records = []
    for user in users:
        records.append(make_record(user, "email"))
        if rng.random() < 0.5:
            records.append(make_record(user, "expo"))
    ops = Operations(
        rng, users, records, targets, admin_client, post_action, admin_user
    )
    names = [name for name in vars(Operations) if not name.startswith("_")]
    names.remove("some")
    done = []
    for _ in range(60):
        name = rng.choice(names)
        getattr(ops, name)()
        done.append(name)
        if len(done) % 15 == 0:
            assert_counts_exact()
    assert_counts_exact()
    assert Notification.objects.exists() or "purge" in done


def test_the_dashboard_reads_the_counts_and_matches_its_changelists(
    make_user, make_record, make_notification, admin_client
):
    record = make_record(make_user())
    now = timezone.now()
    for status, n in [("DELIVERED", 3), ("RETRY", 2), ("SCHEDULED", 4)]:
        for _ in range(n):
            make_notification(record, status)
    make_notification(
        record, "DELIVERY_FAILURE", attempted_delivery=now - datetime.timedelta(days=3)
    )
    # OPTED_OUT twice: a staff cancellation (its own column) and a user's.
    make_notification(record, "OPTED_OUT", cancelled_at=now)
    make_notification(record, "OPTED_OUT")
    # The dashboard adds up counts, not notifications: a wrong count shows.
    NotificationCount.objects.create(
        target_id=record.target_id, status="RETRY", bucket=None, n=5
    )
    figures = compute_dashboard(now)
    row = next(r for r in figures["matrix"]["rows"] if r["target"] == record.target)
    statuses = [key for key, _label in figures["matrix"]["statuses"]]
    assert row["counts"][statuses.index("RETRY")]["n"] == 7
    call_command("rebuild_notification_counts", stdout=StringIO())
    figures = compute_dashboard(now)
    row = next(r for r in figures["matrix"]["rows"] if r["target"] == record.target)
    assert row["counts"][statuses.index("CANCELLED")]["n"] == 1
    assert row["counts"][statuses.index("OPTED_OUT")]["n"] == 1
    for status, cell in zip(statuses, row["counts"], strict=True):
        listed = admin_client.get(cell["url"]).context["cl"].result_count
        assert cell["n"] == listed, status
    days = {day: (delivered, failed) for day, delivered, failed in figures["days"]}
    assert days[timezone.localdate(now)] == (3, 0)
    assert days[timezone.localdate(now - datetime.timedelta(days=3))] == (0, 1)


def test_check_reports_a_count_that_drifted_and_rebuild_mends_it(
    make_user, make_record, make_notification
):
    record = make_record(make_user())
    make_notification(record, "DELIVERED")
    call_command("rebuild_notification_counts", "--check", stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notify_admin_notificationcount SET n = n + 1")
    with pytest.raises(CommandError, match="differ"):
        call_command(
            "rebuild_notification_counts",
            "--check",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    call_command("rebuild_notification_counts", stdout=StringIO())
    assert_counts_exact()


def test_a_claim_writes_no_count_and_compaction_keeps_one_row_per_group(
    make_user, make_record, make_notification
):
    record = make_record(make_user())
    for _ in range(3):
        make_notification(record)
    before = NotificationCount.objects.count()
    Notification.objects.update(claimed_until=timezone.now())
    assert NotificationCount.objects.count() == before
    deliver_due()
    assert NotificationCount.objects.filter(merged=False).count() == 0
    groups = NotificationCount.objects.values_list("target_id", "status", "bucket")
    assert len(groups) == len(set(groups))
    assert_counts_exact()
