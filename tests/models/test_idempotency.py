"""Idempotent creates: ``create_once(..., key=...)`` and the key's column.

One key, one notification: a second call (a retried request, a re-run
script, a racing worker) gets the first row back. The race is run on
PostgreSQL with real threads, each on its own connection, all past the
look-up before any inserts, so the unique index has to decide.
"""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notify_admin import creators
from notify_admin.creators import create_notification, create_once
from notify_admin.exceptions import (
    IdempotencyKeyConflict,
    NotificationsNotCreated,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from notify_admin.models import Notification, NotificationOptOut
from notify_admin.retention import purge

pytestmark = pytest.mark.django_db


def test_the_first_call_creates_the_second_returns_the_same_row(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    first, created = create_once(user, "Shipped", "Your order left", key="order-1")
    assert created is True
    assert first.idempotency_key == "order-1"
    again, created_again = create_once(
        user, "Shipped", "Your order left", key="order-1"
    )
    assert (again.pk, created_again) == (first.pk, False)
    assert Notification.objects.count() == 1


def test_the_key_is_the_identity_not_the_content(make_user, make_record):
    """A retried request may carry a new timestamp in its text: same key,
    same row, nothing new (as a payment API's idempotency key)."""
    user = make_user()
    make_record(user, "email")
    first, _ = create_once(user, "Code 1234", "at 10:00", key="login-77")
    second, created = create_once(user, "Code 9876", "at 10:01", key="login-77")
    assert (second.pk, created) == (first.pk, False)
    assert Notification.objects.get().title == "Code 1234"


def test_another_key_with_the_same_content_is_another_notification(
    make_user, make_record
):
    """Unlike create_notification's rule (same content while open: the same
    rows), keyed creates are told apart by their keys alone."""
    user = make_user()
    make_record(user, "email")
    one, _ = create_once(user, "Hi", "Body", key="a")
    two, created = create_once(user, "Hi", "Body", key="b")
    assert created and one.pk != two.pk
    # create_notification keeps its own rule (an open row with the same
    # content is the one an earlier call made), keyed or not.
    (plain,) = create_notification(user, "Hi", "Body")
    assert plain.pk in (one.pk, two.pk)


def test_a_key_of_another_user_is_a_conflict_not_their_row(make_user, make_record):
    alice, bob = make_user(), make_user()
    make_record(alice, "email")
    make_record(bob, "email")
    create_once(alice, "Hi", "Body", key="shared")
    with pytest.raises(IdempotencyKeyConflict, match="another user"):
        create_once(bob, "Hi", "Body", key="shared")
    # quiet does not hide a caller's mistake.
    with pytest.raises(IdempotencyKeyConflict):
        create_once(bob, "Hi", "Body", key="shared", quiet=True)
    assert Notification.objects.count() == 1


def test_one_key_needs_one_address(make_user, make_record, targets):
    user = make_user()
    make_record(user, "email")
    sms = make_record(user, "twilio")
    with pytest.raises(NotificationsNotCreated, match="2 active addresses"):
        create_once(user, "Hi", "Body", key="k")
    assert not Notification.objects.exists()
    by_target, created = create_once(user, "Hi", "Body", key="k", target="Twilio")
    assert created and by_target.user_target == sms
    by_record, created = create_once(user, "Hi", "Body", key="k2", target=sms)
    assert created and by_record.user_target == sms


def test_a_record_of_someone_else_is_refused(make_user, make_record):
    record = make_record(make_user(), "email")
    with pytest.raises(UserHasNoTargetRecords):
        create_once(make_user(), "Hi", "Body", key="k", target=record)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", None, 12, "x" * 256, "a\x00b"])
def test_bad_keys_are_refused_before_any_row(make_user, make_record, key):
    user = make_user()
    make_record(user, "email")
    with pytest.raises(NotificationsNotCreated, match="idempotency key"):
        create_once(user, "Hi", "Body", key=key)
    assert not Notification.objects.exists()


def test_the_longest_key_fits(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    row, created = create_once(user, "Hi", "Body", key="k" * 255)
    assert created
    assert Notification.objects.get(idempotency_key="k" * 255).pk == row.pk


def test_opted_out_and_quiet(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    NotificationOptOut.objects.create(user=user, active=True)
    with pytest.raises(UserIsOptedOut):
        create_once(user, "Hi", "Body", key="k")
    assert create_once(user, "Hi", "Body", key="k", quiet=True) == (None, False)
    nobody = make_user()
    assert create_once(nobody, "Hi", "Body", key="n", quiet=True) == (None, False)
    assert not Notification.objects.exists()


def test_the_other_arguments_are_stored(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    when = timezone.now() + timedelta(days=1)
    row, _ = create_once(
        user,
        "Hi",
        "Body",
        key="k",
        scheduled_delivery=when,
        retry_time_interval=60,
        max_retries=5,
        extra={"a": 1},
    )
    row.refresh_from_db()
    assert (row.scheduled_delivery, row.retry_time_interval, row.max_retries) == (
        when,
        60,
        5,
    )
    assert row.extra == {"a": 1}


def test_a_bad_value_creates_nothing_and_leaves_the_key_free(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    with pytest.raises(NotificationsNotCreated):
        create_once(user, "x" * 201, "Body", key="k")
    row, created = create_once(user, "Fine", "Body", key="k")
    assert created and row.title == "Fine"


def test_rows_without_a_key_are_many_nulls(make_user, make_record):
    """The unique index covers keyed rows only."""
    user = make_user()
    make_record(user, "email")
    create_notification(user, "One", "Body")
    create_notification(user, "Two", "Body")
    assert Notification.objects.filter(idempotency_key__isnull=True).count() == 2


def test_the_database_refuses_a_second_row_with_the_key(make_user, make_record, due):
    """The constraint itself, not only create_once's look-up."""
    record = make_record(make_user(), "email")
    due(record=record, idempotency_key="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        due(record=record, title="Other", idempotency_key="dup")


def test_retention_frees_the_key(make_user, make_record, settings):
    user = make_user()
    make_record(user, "email")
    old, _ = create_once(user, "Old", "Body", key="yearly-reminder")
    long_ago = timezone.now() - timedelta(days=400)
    Notification.objects.filter(pk=old.pk).update(
        status=Notification.DELIVERED,
        attempted_delivery=long_ago,
        scheduled_delivery=long_ago,
        modified=long_ago,
    )
    purge(90)
    assert not Notification.objects.filter(pk=old.pk).exists()
    new, created = create_once(user, "New", "Body", key="yearly-reminder")
    assert created and new.pk != old.pk


@pytest.mark.postgres
# serialized_rollback: the migrations' rows (targets, content types) are put
# back after the flush, as the other transactional tests expect.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_with_one_key_make_one_row(make_user, make_record):
    """Eight threads, each on its own PostgreSQL connection, all past the
    look-up (none sees a row) before any inserts: the unique index lets one
    insert and the seven others read the winner's row."""
    user = make_user()
    make_record(user, "email")
    threads_count = 8
    barrier = threading.Barrier(threads_count, timeout=20)
    original = creators.keyed
    local = threading.local()
    late_lookups = []

    def keyed_after_everyone_looked(key):
        found = original(key)
        if not getattr(local, "looked", False):
            local.looked = True
            assert found is None
            barrier.wait()  # everyone has looked and seen nothing
        else:
            late_lookups.append(key)  # the IntegrityError path
        return found

    results, errors = [], []

    def create():
        try:
            results.append(create_once(user, "Once", "Body", key="race", max_retries=2))
        except Exception as err:  # noqa: BLE001 (reported by the assert below)
            errors.append(err)
        finally:
            connection.close()

    creators.keyed = keyed_after_everyone_looked
    try:
        threads = [threading.Thread(target=create) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        creators.keyed = original
    assert errors == []
    assert sorted(created for _row, created in results) == [False] * 7 + [True]
    assert len({row.pk for row, _created in results}) == 1
    assert len(late_lookups) == threads_count - 1
    assert Notification.objects.filter(idempotency_key="race").count() == 1
