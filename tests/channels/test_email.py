"""The email channel through Django's SMTP backend against a real SMTP server."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_notification(make_user, make_record):
    def make(address=None, **kwargs):
        user = make_user()
        record = make_record(user, "email", address=address)
        kwargs.setdefault("scheduled_delivery", timezone.now() - timedelta(seconds=1))
        return Notification.objects.create(
            user_target=record, title="Subject line", body="Body text", **kwargs
        )

    return make


def test_delivered_over_smtp(fake_smtp, email_notification):
    notifications = [email_notification() for _ in range(3)]
    result = deliver_due()
    assert result.delivered == 3
    received = fake_smtp.received("to")
    assert received == {n.user_target.target_user_id: 1 for n in notifications}
    for notification in notifications:
        notification.refresh_from_db()
        attempt = notification.attempts.get()
        assert notification.status == Notification.DELIVERED
        assert attempt.provider_id in {m["message_id"] for m in fake_smtp.messages}
    assert fake_smtp.messages[0]["subject"] == "Subject line"
    assert fake_smtp.messages[0]["from"] == "notifications@example.com"


def test_refused_recipient_is_a_dead_address_and_the_batch_goes_on(
    fake_smtp, email_notification
):
    dead = email_notification(address="gone@example.com")
    alive = email_notification()
    fake_smtp.refuse["gone@example.com"] = "550 5.1.1 User unknown"
    result = deliver_due()
    assert (result.delivered, result.inactive) == (1, 1)
    dead.refresh_from_db()
    assert dead.status == Notification.INACTIVE_DEVICE
    assert dead.user_target.active is False
    attempt = dead.attempts.get()
    assert attempt.error_code == "550"
    alive.refresh_from_db()
    assert alive.status == Notification.DELIVERED
    assert fake_smtp.received("to") == {alive.user_target.target_user_id: 1}


def test_temporary_refusal_is_retried_later(fake_smtp, email_notification):
    notification = email_notification(
        address="busy@example.com", retry_time_interval=60
    )
    fake_smtp.refuse["busy@example.com"] = "450 4.2.1 Mailbox busy"
    before = timezone.now()
    result = deliver_due()
    assert result.retried == 1
    notification.refresh_from_db()
    assert notification.status == Notification.RETRY
    assert notification.retry_attempts == 1
    assert notification.user_target.active is True
    assert notification.scheduled_delivery >= before + timedelta(seconds=60)
    # Not due again until the interval has passed.
    assert deliver_due().claimed == 0
    fake_smtp.refuse.clear()
    later = timezone.now() + timedelta(seconds=61)
    assert deliver_due(now=later).delivered == 1
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED
    assert notification.attempts.count() == 2


def test_rejected_message_fails_at_once(fake_smtp, email_notification):
    notification = email_notification()
    fake_smtp.data_reply = "554 5.6.0 Message rejected"
    assert deliver_due().failed == 1
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERY_FAILURE
    assert notification.retry_attempts == 0


def test_server_down_retries_until_max_retries_then_fails(
    fake_smtp, email_notification
):
    notification = email_notification(max_retries=2)
    fake_smtp.stop()
    statuses = []
    for _ in range(3):
        result = deliver_due(now=timezone.now() + timedelta(seconds=1))
        assert result.claimed == 1
        notification.refresh_from_db()
        statuses.append((notification.status, notification.retry_attempts))
    assert statuses == [
        (Notification.RETRY, 1),
        (Notification.RETRY, 2),
        (Notification.DELIVERY_FAILURE, 2),
    ]
    assert notification.attempts.count() == 3
    assert notification.attempts.first().error_code == "connection"


def test_exponential_backoff_setting(fake_smtp, email_notification, settings):
    settings.NOTIFICATION_SYSTEM_RETRY_BACKOFF = 2
    notification = email_notification(retry_time_interval=10, retry_attempts=2)
    fake_smtp.data_reply = "451 4.3.0 Try again later"
    before = timezone.now()
    deliver_due()
    notification.refresh_from_db()
    assert notification.status == Notification.RETRY
    # 10 s * 2 ** 2 tries so far
    assert before + timedelta(seconds=40) <= notification.scheduled_delivery
    assert notification.scheduled_delivery < before + timedelta(seconds=80)


def test_dropped_connection_is_retried_and_the_batch_reconnects(
    fake_smtp, email_notification
):
    first = email_notification(address="first@example.com")
    dropped = email_notification(address="dropped@example.com")
    last = email_notification(address="last@example.com")
    # A batch is sent oldest first: first, dropped, then last (which needs a
    # new connection).
    for offset, notification in enumerate([first, dropped, last]):
        Notification.objects.filter(pk=notification.pk).update(
            scheduled_delivery=timezone.now() - timedelta(minutes=10 - offset)
        )
    fake_smtp.disconnect_on = {"dropped@example.com"}
    result = deliver_due()
    assert (result.delivered, result.retried) == (2, 1)
    dropped.refresh_from_db()
    assert dropped.status == Notification.RETRY
    assert fake_smtp.received("to") == {"first@example.com": 1, "last@example.com": 1}


def test_silent_server_times_out_and_is_retried(
    fake_smtp, email_notification, settings
):
    # A server that accepts connections and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.EMAIL_PORT = silent.getsockname()[1]
        settings.EMAIL_TIMEOUT = None
        settings.NOTIFICATION_SYSTEM_TARGETS = {
            **settings.NOTIFICATION_SYSTEM_TARGETS,
            "email": {"timeout": 0.5},
        }
        notification = email_notification()
        assert deliver_due().retried == 1
    attempt = notification.attempts.get()
    assert attempt.error_code == "connection"
    assert "timed out" in attempt.error_message


@pytest.mark.parametrize("concurrency,connections", [(1, 1), (3, 3), (8, 5)])
def test_batch_is_shared_between_concurrent_connections(
    fake_smtp, email_notification, settings, concurrency, connections
):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "email": {"concurrency": concurrency},
    }
    notifications = [email_notification() for _ in range(5)]
    assert deliver_due().delivered == 5
    # Every message once, over as many connections as asked (at most one each).
    assert fake_smtp.received("to") == {
        n.user_target.target_user_id: 1 for n in notifications
    }
    assert len({m["peer"] for m in fake_smtp.messages}) == connections
