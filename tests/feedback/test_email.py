"""Email feedback end to end through django-anymail: sent with anymail's real
Postmark backend to a Postmark-shaped fake, then Postmark's webhook payloads
posted (with the webhook secret) to anymail's own tracking view."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.models import DeliveryAttempt, Notification, ProviderEvent
from tests.support.fakes import FakePostmarkServer
from tests.support.fakes.postmark import bounce_event, complaint_event, delivery_event

pytest.importorskip("anymail", reason="needs the notify_admin[anymail] extra")

pytestmark = pytest.mark.django_db

WEBHOOK_URL = "/anymail/postmark/tracking/"
SECRET = "postmark-hook:s3cret-for-tests"


@pytest.fixture
def postmark(settings):
    with FakePostmarkServer() as server:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {
            "POSTMARK_SERVER_TOKEN": "server-token-for-tests",
            "POSTMARK_API_URL": server.url + "/",
            "WEBHOOK_SECRET": SECRET,
        }
        yield server


@pytest.fixture
def sent_email(postmark, make_user, make_record):
    def make():
        record = make_record(make_user(), "email")
        notification = Notification.objects.create(
            user_target=record,
            title="Hello",
            body="Body",
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
        )
        assert deliver_due().delivered == 1
        notification.refresh_from_db()
        return notification, postmark.messages[-1]["MessageID"]

    return make


@pytest.fixture
def webhook(client):
    def post(payload, secret=SECRET):
        auth = base64.b64encode(secret.encode()).decode()
        return client.post(
            WEBHOOK_URL,
            payload,
            content_type="application/json",
            headers={"Authorization": f"Basic {auth}"},
        )

    return post


def test_the_send_records_the_esp_message_id(sent_email):
    notification, message_id = sent_email()
    assert DeliveryAttempt.objects.get(notification=notification).provider_id == (
        message_id
    )


def test_delivered_confirms(sent_email, webhook):
    notification, message_id = sent_email()
    address = notification.user_target.target_user_id
    assert webhook(delivery_event(message_id, address)).status_code == 200
    attempt = DeliveryAttempt.objects.get(notification=notification)
    assert (attempt.provider_status, attempt.confirmed_at is not None) == (
        "delivered",
        True,
    )
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED


def test_hard_bounce_makes_the_address_inactive(sent_email, webhook):
    notification, message_id = sent_email()
    address = notification.user_target.target_user_id
    assert webhook(bounce_event(message_id, address)).status_code == 200
    notification.refresh_from_db()
    assert notification.status == Notification.INACTIVE_DEVICE
    record = notification.user_target
    record.refresh_from_db()
    assert not record.active and record.inactivated_at is not None
    assert record.inactive_reason.startswith("Dead address: bounced")
    event = ProviderEvent.objects.get()
    assert event.source == "anymail:Postmark"
    assert "550 5.1.1" in event.payload["mta_response"]
    # The ESP retries webhooks: the replay changes nothing.
    assert webhook(bounce_event(message_id, address)).status_code == 200
    assert ProviderEvent.objects.count() == 1


def test_bounce_after_delivery_still_counts(sent_email, webhook):
    notification, message_id = sent_email()
    address = notification.user_target.target_user_id
    webhook(delivery_event(message_id, address))
    webhook(bounce_event(message_id, address))
    notification.refresh_from_db()
    assert notification.status == Notification.INACTIVE_DEVICE
    # ... but a late "delivered" does not undo the bounce.
    webhook(delivery_event(message_id, address))
    attempt = DeliveryAttempt.objects.get(notification=notification)
    assert attempt.provider_status == "bounced"


def test_complaint_makes_the_record_inactive_and_is_shown(sent_email, webhook):
    notification, message_id = sent_email()
    address = notification.user_target.target_user_id
    assert webhook(complaint_event(message_id, address)).status_code == 200
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED
    record = notification.user_target
    record.refresh_from_db()
    assert not record.active
    assert record.inactive_reason.startswith("Complaint")
    event = ProviderEvent.objects.get()
    assert (event.provider_status, event.record_deactivated) == ("complained", True)


def test_deferred_changes_nothing(sent_email, webhook):
    notification, message_id = sent_email()
    address = notification.user_target.target_user_id
    transient = bounce_event(message_id, address, kind="Transient")
    assert webhook(transient).status_code == 200
    attempt = DeliveryAttempt.objects.get(notification=notification)
    assert attempt.provider_status == "" and not ProviderEvent.objects.exists()


def test_wrong_webhook_secret_changes_nothing(sent_email, webhook):
    notification, message_id = sent_email()
    address = notification.user_target.target_user_id
    response = webhook(bounce_event(message_id, address), secret="guess:wrong")
    assert response.status_code == 400
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED
    assert notification.user_target.active


def test_unknown_message_id_changes_nothing(sent_email, webhook):
    notification, _message_id = sent_email()
    address = notification.user_target.target_user_id
    assert webhook(bounce_event("0000-unknown", address)).status_code == 200
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED
