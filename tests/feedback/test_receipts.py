"""Expo push receipts: the real exponent_server_sdk client polls getReceipts on
the fake Expo server; verdicts move notifications forward only."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.feedback.receipts import check_receipts
from notify_admin.models import DeliveryAttempt, Notification, ProviderEvent

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=20)


@pytest.fixture
def sent_push(fake_expo, make_user, make_record):
    """Push notifications sent through the engine: each has a real ticket."""

    def make(count=1, max_retries=3, **kwargs):
        rows = []
        for _ in range(count):
            record = make_record(make_user(), "expo")
            rows.append(
                Notification.objects.create(
                    user_target=record,
                    title="Title",
                    body="Body",
                    max_retries=max_retries,
                    scheduled_delivery=timezone.now() - timedelta(seconds=1),
                    **kwargs,
                )
            )
        assert deliver_due().delivered == count
        for row in rows:
            row.refresh_from_db()
        return rows

    return make


def attempt_of(notification):
    return DeliveryAttempt.objects.get(notification=notification)


def test_ok_receipt_confirms_and_leaves_delivered(fake_expo, sent_push):
    (notification,) = sent_push()
    result = check_receipts(now=timezone.now() + LATER)
    assert (result.checked, result.confirmed, result.requests) == (1, 1, 1)
    attempt = attempt_of(notification)
    assert attempt.provider_status == "ok"
    assert attempt.confirmed_at is not None
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED
    # A confirmation is stamped on the attempt; no history row.
    assert not ProviderEvent.objects.exists()


def test_too_young_tickets_wait(fake_expo, sent_push):
    sent_push()
    assert check_receipts().checked == 0
    assert fake_expo.receipt_requests == []


def test_device_not_registered_makes_record_inactive(fake_expo, sent_push):
    (notification,) = sent_push()
    token = notification.user_target.target_user_id
    fake_expo.receipt_errors[token] = "DeviceNotRegistered"
    result = check_receipts(now=timezone.now() + LATER)
    assert result.inactive == 1
    notification.refresh_from_db()
    assert notification.status == Notification.INACTIVE_DEVICE
    record = notification.user_target
    record.refresh_from_db()
    assert not record.active
    assert "DeviceNotRegistered" in record.inactive_reason
    assert record.inactivated_at is not None
    attempt = attempt_of(notification)
    assert (attempt.provider_status, attempt.provider_error_code) == (
        "error",
        "DeviceNotRegistered",
    )
    event = ProviderEvent.objects.get()
    assert (event.status_before, event.status_after) == ("DELIVERED", "INACTIVE_DEVICE")
    assert event.record_deactivated and event.source == "expo_receipt"


def test_rate_exceeded_schedules_a_retry_while_retries_remain(fake_expo, sent_push):
    first, spent = sent_push(2)
    Notification.objects.filter(pk=spent.pk).update(max_retries=0)
    for row in (first, spent):
        fake_expo.receipt_errors[row.user_target.target_user_id] = "MessageRateExceeded"
    result = check_receipts(now=timezone.now() + LATER)
    assert result.retried == 2
    first.refresh_from_db()
    spent.refresh_from_db()
    assert (first.status, first.retry_attempts) == (Notification.RETRY, 1)
    assert spent.status == Notification.DELIVERY_FAILURE
    # The retried row is due again, and the next run sends it.
    assert deliver_due().delivered == 1


def test_other_errors_fail_the_notification(fake_expo, sent_push):
    (notification,) = sent_push()
    fake_expo.receipt_errors[notification.user_target.target_user_id] = "MessageTooBig"
    check_receipts(now=timezone.now() + LATER)
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERY_FAILURE
    assert notification.user_target.active


def test_not_ready_receipts_stay_pending_then_become_unconfirmed(fake_expo, sent_push):
    (notification,) = sent_push()
    fake_expo.not_ready.add(notification.user_target.target_user_id)
    now = timezone.now() + LATER
    result = check_receipts(now=now)
    assert (result.checked, result.pending) == (1, 1)
    attempt = attempt_of(notification)
    assert attempt.provider_status == "" and attempt.receipt_claimed_until > now
    # Asked again once its lease is over, not before.
    assert check_receipts(now=now).checked == 0
    assert check_receipts(now=now + timedelta(minutes=10)).pending == 1
    # Still pending after 24 hours: marked unconfirmed, never asked again.
    result = check_receipts(now=timezone.now() + timedelta(hours=25))
    assert (result.unconfirmed, result.checked) == (1, 0)
    assert attempt_of(notification).provider_status == "unconfirmed"
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED
    assert check_receipts(now=timezone.now() + timedelta(hours=26)).unconfirmed == 0


def test_a_second_check_changes_nothing(fake_expo, sent_push):
    (notification,) = sent_push()
    fake_expo.receipt_errors[notification.user_target.target_user_id] = (
        "DeviceNotRegistered"
    )
    check_receipts(now=timezone.now() + LATER)
    requests = len(fake_expo.receipt_requests)
    result = check_receipts(now=timezone.now() + LATER)
    assert result.checked == 0
    assert len(fake_expo.receipt_requests) == requests
    assert ProviderEvent.objects.count() == 1


def test_receipts_endpoint_down_changes_nothing(fake_expo, sent_push):
    (notification,) = sent_push(3)[:1]
    fake_expo.fail_status = 503
    result = check_receipts(now=timezone.now() + LATER)
    assert result.unavailable and result.pending == 3
    assert result.confirmed == 0
    assert not DeliveryAttempt.objects.exclude(provider_status="").exists()
    leased = DeliveryAttempt.objects.filter(receipt_claim_token__isnull=False)
    assert not leased.exists()
    fake_expo.fail_status = None
    assert check_receipts(now=timezone.now() + LATER).confirmed == 3


def test_up_to_1000_ids_a_request_and_fixed_statements(fake_expo, sent_push):
    sent_push(5)
    ids = list(DeliveryAttempt.objects.values_list("provider_id", flat=True))
    # 2,400 more tickets the fake knows, on attempts of the same 5 rows.
    extra = []
    for i in range(2400):
        attempt = DeliveryAttempt.objects.filter(provider_id=ids[i % 5]).first()
        extra.append(
            DeliveryAttempt(
                notification_id=attempt.notification_id,
                attempted_at=attempt.attempted_at - timedelta(seconds=1),
                outcome=Notification.DELIVERED,
                provider_id=f"ticket-{i}",
            )
        )
        fake_expo.tickets[f"ticket-{i}"] = "ExponentPushToken[x]"
    DeliveryAttempt.objects.bulk_create(extra)
    with CaptureQueriesContext(connection) as queries:
        result = check_receipts(now=timezone.now() + LATER)
    assert result.confirmed == 2405
    assert [len(ids) for ids in fake_expo.receipt_requests] == [1000, 1000, 405]
    # Each batch: claim, apply, release; a handful, whatever its size.
    assert len(queries) <= 3 * 12


def test_commands_check_receipts(fake_expo, sent_push, capsys):
    sent_push()
    DeliveryAttempt.objects.update(attempted_at=timezone.now() - LATER)
    Notification.objects.update(attempted_delivery=timezone.now() - LATER)
    call_command("check_receipts")
    assert "receipts: checked=1 confirmed=1" in capsys.readouterr().out


def test_process_notifications_checks_receipts_too(fake_expo, sent_push, capsys):
    sent_push()
    DeliveryAttempt.objects.update(attempted_at=timezone.now() - LATER)
    call_command("process_notifications")
    assert "receipts: checked=1 confirmed=1" in capsys.readouterr().out
    assert DeliveryAttempt.objects.get().confirmed_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_checks_never_ask_for_one_ticket_twice(fake_expo, sent_push):
    sent_push(60)
    fake_expo.latency = 0.2
    now = timezone.now() + LATER
    results = []

    def run():
        try:
            results.append(check_receipts(now=now, batch_size=10))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    asked = [i for ids in fake_expo.receipt_requests for i in ids]
    assert len(asked) == len(set(asked)) == 60
    assert sum(r.confirmed for r in results) == 60
    assert len([r for r in results if r.checked]) > 1


@pytest.mark.parametrize("option", ["--limit=0", "--batch-size=-3"])
def test_check_receipts_refuses_bad_numbers(option):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="must be at least 1"):
        call_command("check_receipts", option)
