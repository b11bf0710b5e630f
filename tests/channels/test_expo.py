"""The Expo channel: the real exponent_server_sdk client against an Expo-shaped
server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.models import Notification, TargetUserRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def push(make_user, make_record):
    def make(token=None, **kwargs):
        user = make_user()
        record = make_record(user, "expo", address=token)
        kwargs.setdefault("scheduled_delivery", timezone.now() - timedelta(seconds=1))
        return Notification.objects.create(
            user_target=record, title="Title", body="Body", **kwargs
        )

    return make


def status(notification):
    notification.refresh_from_db()
    return notification.status


def test_delivered_in_requests_of_100(fake_expo, push):
    notifications = [push() for _ in range(150)]
    result = deliver_due()
    assert result.delivered == 150
    assert sorted(fake_expo.batches) == [50, 100]
    tokens = {n.user_target.target_user_id for n in notifications}
    assert fake_expo.received("to") == dict.fromkeys(tokens, 1)
    ids = {m["id"] for m in fake_expo.messages}
    notification = notifications[0]
    assert status(notification) == Notification.DELIVERED
    assert notification.attempts.get().provider_id in ids


def test_concurrent_requests_setting(fake_expo, push, settings):
    settings.NOTIFICATION_SYSTEM_TARGETS["expo"]["concurrency"] = 3
    notifications = [push() for _ in range(250)]
    assert deliver_due().delivered == 250
    assert sorted(fake_expo.batches) == [50, 100, 100]
    tokens = {n.user_target.target_user_id for n in notifications}
    assert fake_expo.received("to") == dict.fromkeys(tokens, 1)


def test_extra_keys_are_passed_on(fake_expo, push):
    push(
        extra={
            "data": {"order": 7},
            "sound": "default",
            "ttl": 60,
            "priority": "high",
            "badge": 2,
            "channel_id": "orders",
            "ignored": True,
        }
    )
    deliver_due()
    (message,) = fake_expo.messages
    assert message["data"] == {"order": 7}
    assert (message["sound"], message["ttl"], message["priority"]) == (
        "default",
        60,
        "high",
    )
    assert (message["badge"], message["channelId"]) == (2, "orders")
    assert (message["title"], message["body"]) == ("Title", "Body")
    assert "ignored" not in message


def test_expo_push_token_spelling_is_accepted(fake_expo, push):
    notification = push(token="ExpoPushToken[abc123]")
    assert deliver_due().delivered == 1
    assert fake_expo.messages[0]["to"] == "ExpoPushToken[abc123]"
    assert status(notification) == Notification.DELIVERED


def test_device_not_registered_makes_the_record_inactive(fake_expo, push):
    dead = push()
    alive = push()
    fake_expo.errors[dead.user_target.target_user_id] = "DeviceNotRegistered"
    result = deliver_due()
    assert (result.delivered, result.inactive) == (1, 1)
    assert status(dead) == Notification.INACTIVE_DEVICE
    assert dead.user_target.active is False
    assert dead.attempts.get().error_code == "DeviceNotRegistered"
    assert status(alive) == Notification.DELIVERED


def test_a_message_too_big_fails_at_once(fake_expo, push):
    notification = push()
    fake_expo.errors[notification.user_target.target_user_id] = "MessageTooBig"
    assert deliver_due().failed == 1
    assert status(notification) == Notification.DELIVERY_FAILURE
    assert notification.user_target.active is True


def test_invalid_credentials_release_the_row(fake_expo, push):
    notification = push()
    fake_expo.errors[notification.user_target.target_user_id] = "InvalidCredentials"
    result = deliver_due()
    assert (result.failed, result.not_configured) == (0, 1)
    assert status(notification) == Notification.SCHEDULED
    assert not notification.attempts.exists()


def test_rate_exceeded_ticket_is_retried(fake_expo, push):
    notification = push()
    fake_expo.errors[notification.user_target.target_user_id] = "MessageRateExceeded"
    assert deliver_due().retried == 1
    assert status(notification) == Notification.RETRY


@pytest.mark.parametrize("http_status", [500, 502, 429])
def test_server_errors_are_retried(fake_expo, push, http_status):
    notification = push(retry_time_interval=10)
    fake_expo.fail_status = http_status
    fake_expo.retry_after = 3
    assert deliver_due().retried == 1
    assert status(notification) == Notification.RETRY
    fake_expo.fail_status = None
    assert deliver_due(now=timezone.now() + timedelta(seconds=11)).delivered == 1
    assert len(fake_expo.messages) == 1


def test_one_failing_request_fails_only_its_chunk(fake_expo, push):
    for _ in range(150):
        push()
    fake_expo.fail_status = 503
    fake_expo.fail_next = 1
    result = deliver_due()
    assert (result.retried, result.delivered) == (100, 50)


def test_timeout_garbage_and_refused_are_retried(fake_expo, push):
    notification = push(max_retries=5)
    fake_expo.hang = 1.5  # the client's timeout is 1 s
    deliver_due()
    fake_expo.hang = 0
    fake_expo.garbage = True
    deliver_due(now=timezone.now() + timedelta(seconds=1))
    fake_expo.stop()
    deliver_due(now=timezone.now() + timedelta(seconds=2))
    notification.refresh_from_db()
    assert (notification.status, notification.retry_attempts) == (Notification.RETRY, 3)
    codes = list(
        notification.attempts.order_by("attempted_at").values_list(
            "error_code", flat=True
        )
    )
    assert "Timeout" in codes[0]
    assert codes[1] == "http_200"
    assert codes[2] == "ConnectionError"


def test_access_token_is_sent(fake_expo, push, settings):
    settings.NOTIFICATION_SYSTEM_TARGETS["expo"]["access_token"] = "expo-secret"
    seen = {}
    original = fake_expo.handle

    def handle(path, body, headers):
        seen["authorization"] = headers.get("Authorization")
        return original(path, body, headers)

    fake_expo.handle = handle
    push()
    deliver_due()
    assert seen["authorization"] == "Bearer expo-secret"


def test_rejected_request_fails_at_once(fake_expo, push):
    notification = push()
    fake_expo.fail_status = 400
    assert deliver_due().failed == 1
    assert status(notification) == Notification.DELIVERY_FAILURE
    assert notification.attempts.get().error_code == "http_400"


def test_an_unexpected_error_retries_only_its_chunk(fake_expo, push, monkeypatch):
    from exponent_server_sdk import PushClient

    real = PushClient.publish_multiple
    calls = []

    def second_call_breaks(self, messages):
        calls.append(len(messages))
        if len(calls) == 2:
            raise KeyError("data")
        return real(self, messages)

    monkeypatch.setattr(PushClient, "publish_multiple", second_call_breaks)
    for _ in range(150):
        push()
    result = deliver_due()
    assert calls == [100, 50]
    assert (result.delivered, result.retried) == (100, 50)


def test_a_bad_token_fails_alone(fake_expo, push):
    good = push()
    bad = push()
    # Saved with an update (no validation), as an old row might be.
    TargetUserRecord.objects.filter(pk=bad.user_target_id).update(
        target_user_id="not-a-token"
    )
    result = deliver_due()
    assert (result.delivered, result.failed) == (1, 1)
    assert status(good) == Notification.DELIVERED
    assert bad.attempts.get().error_code == "invalid_token"
