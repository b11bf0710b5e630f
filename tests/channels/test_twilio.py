"""The Twilio channel: the real twilio client against a Twilio-shaped server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.models import Notification

pytestmark = pytest.mark.django_db

NUMBERS = ["+14155552671", "+14155552672", "+14155552673", "+14155552674"]


@pytest.fixture
def due_sms(make_user, make_record):
    def make(address=NUMBERS[0], **kwargs):
        record = make_record(make_user(), "twilio", address=address)
        kwargs.setdefault("scheduled_delivery", timezone.now() - timedelta(seconds=1))
        return Notification.objects.create(
            user_target=record, title="T", body="Your code is 1234", **kwargs
        )

    return make


def status(notification):
    notification.refresh_from_db()
    return notification.status


def test_delivered_with_the_message_sid(fake_twilio, due_sms, settings):
    notifications = [due_sms(address=number) for number in NUMBERS]
    assert deliver_due().delivered == 4
    assert fake_twilio.received("to") == dict.fromkeys(NUMBERS, 1)
    message = fake_twilio.messages[0]
    assert message["from"] == "+14155550100"
    assert message["body"] == "Your code is 1234"
    sids = {m["sid"] for m in fake_twilio.messages}
    for notification in notifications:
        assert status(notification) == Notification.DELIVERED
        attempt = notification.attempts.get()
        assert attempt.provider_id in sids
        assert attempt.response == {"sid": attempt.provider_id, "status": "queued"}
        assert attempt.address == notification.user_target.target_user_id


def test_status_callback_setting_is_sent(fake_twilio, due_sms, settings):
    targets = settings.NOTIFICATION_SYSTEM_TARGETS
    targets["twilio_sms"]["status_callback"] = "https://ops.example.com/sms-status"
    due_sms()
    deliver_due()
    assert fake_twilio.messages[0]["status_callback"] == (
        "https://ops.example.com/sms-status"
    )


@pytest.mark.parametrize("code", [21211, 21614, 21610])
def test_dead_numbers_make_the_record_inactive(fake_twilio, due_sms, code):
    dead = due_sms(address=NUMBERS[0])
    alive = due_sms(address=NUMBERS[1])
    fake_twilio.errors[NUMBERS[0]] = code
    result = deliver_due()
    assert (result.delivered, result.inactive) == (1, 1)
    assert status(dead) == Notification.INACTIVE_DEVICE
    assert dead.user_target.active is False
    assert dead.attempts.get().error_code == str(code)
    assert status(alive) == Notification.DELIVERED


@pytest.mark.parametrize("error", [21606, (400, 21408, "Permission")])
def test_other_client_errors_fail_at_once(fake_twilio, due_sms, error):
    notification = due_sms()
    fake_twilio.errors[NUMBERS[0]] = error
    assert deliver_due().failed == 1
    assert status(notification) == Notification.DELIVERY_FAILURE
    assert notification.user_target.active is True
    assert notification.retry_attempts == 0


@pytest.mark.parametrize("error", [(401, 20003, "Authenticate"), (401, 20404, "?")])
def test_refused_credentials_release_the_rows_untouched(fake_twilio, due_sms, error):
    """20003 (or any 401): the account is refused, nothing is wrong with the
    message. The rows wait as they were (no attempt, no retry spent) and
    the run sends Twilio nothing more."""
    first, second = due_sms(address=NUMBERS[0]), due_sms(address=NUMBERS[1])
    fake_twilio.errors[NUMBERS[0]] = error
    fake_twilio.errors[NUMBERS[1]] = error
    result = deliver_due(batch_size=1)
    assert (result.delivered, result.failed, result.retried) == (0, 0, 0)
    assert result.not_configured == 2
    assert "credentials" in result.missing_settings["twilio"][0]
    # One request: the second batch was not sent.
    assert fake_twilio.requests == 1
    for row in (first, second):
        assert status(row) == Notification.SCHEDULED
        row.refresh_from_db()
        assert row.retry_attempts == 0 and row.claim_token is None
        assert not row.attempts.exists()


@pytest.mark.parametrize("http_status", [500, 503, 429])
def test_server_errors_and_rate_limits_are_retried(fake_twilio, due_sms, http_status):
    notification = due_sms(retry_time_interval=30)
    fake_twilio.fail_status = http_status
    fake_twilio.retry_after = 5
    assert deliver_due().retried == 1
    assert status(notification) == Notification.RETRY
    assert notification.retry_attempts == 1
    assert notification.attempts.get().error_code == str(http_status)
    fake_twilio.fail_status = None
    assert deliver_due(now=timezone.now() + timedelta(seconds=31)).delivered == 1
    assert fake_twilio.received("to") == {NUMBERS[0]: 1}


def test_timeout_is_retried(fake_twilio, due_sms):
    notification = due_sms()
    fake_twilio.hang = 1.5  # the client's timeout is 1 s
    assert deliver_due().retried == 1
    assert status(notification) == Notification.RETRY
    assert "Timeout" in notification.attempts.get().error_code


def test_garbage_answer_is_retried(fake_twilio, due_sms):
    notification = due_sms()
    fake_twilio.garbage = True
    assert deliver_due().retried == 1
    assert status(notification) == Notification.RETRY


def test_connection_refused_is_retried_then_fails(fake_twilio, due_sms):
    notification = due_sms(max_retries=0)
    fake_twilio.stop()
    assert deliver_due().failed == 1
    assert status(notification) == Notification.DELIVERY_FAILURE
    assert "ConnectionError" in notification.attempts.get().error_code


# The database's rate-limit bucket is booked on a connection of its own:
# the test's own transaction would lock it out on SQLite.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rate_limit_setting_spaces_requests(fake_twilio, due_sms, settings):
    settings.NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["rate_limit"] = 1000
    for number in NUMBERS:
        due_sms(address=number)
    assert deliver_due().delivered == 4
    assert fake_twilio.received("to") == dict.fromkeys(NUMBERS, 1)


def test_an_unexpected_error_on_one_message_retries_only_that_one(
    fake_twilio, due_sms, monkeypatch
):
    from notify_admin.channels.twilio_async import AsyncSender

    real = AsyncSender.request

    async def flaky(self, message):
        if message["to"] == NUMBERS[1]:
            raise KeyError("sid")
        return await real(self, message)

    monkeypatch.setattr(AsyncSender, "request", flaky)
    notifications = [due_sms(address=number) for number in NUMBERS]
    result = deliver_due()
    assert (result.delivered, result.retried) == (3, 1)
    assert status(notifications[1]) == Notification.RETRY
    assert len(fake_twilio.messages) == 3
