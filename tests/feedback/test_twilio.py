"""Twilio status callbacks: signed with the test auth token as Twilio signs
them (the fake Twilio's ``callback``), posted to the real view."""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notify_admin.delivery import deliver_due
from notify_admin.models import (
    DeliveryAttempt,
    Notification,
    NotificationTarget,
    ProviderEvent,
    TargetUserRecord,
)

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://console.example.com"


@pytest.fixture
def public_url(settings):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = PUBLIC_URL
    return PUBLIC_URL


@pytest.fixture
def sent_sms(fake_twilio, public_url, make_user, make_record):
    """SMS notifications sent through the engine to the fake Twilio."""

    def make(max_retries=3):
        record = make_record(make_user(), "twilio")
        notification = Notification.objects.create(
            user_target=record,
            title="Title",
            body="Body",
            max_retries=max_retries,
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
        )
        assert deliver_due().delivered == 1
        notification.refresh_from_db()
        message = next(
            m for m in fake_twilio.messages if m["to"] == record.target_user_id
        )
        return notification, message

    return make


@pytest.fixture
def post_callback(client, fake_twilio):
    def post(message, status, error_code=None, signature=None, **form):
        url, data, good = fake_twilio.callback(message, status, error_code)
        data.update(form)
        path = url.removeprefix(PUBLIC_URL)
        return client.post(
            path,
            data,
            headers={"X-Twilio-Signature": good if signature is None else signature},
        )

    return post


def state(notification):
    notification.refresh_from_db()
    attempt = DeliveryAttempt.objects.get(notification=notification)
    return notification.status, attempt.provider_status, attempt.provider_error_code


def test_sends_ask_for_the_status_callback(sent_sms):
    _notification, message = sent_sms()
    assert message["status_callback"] == (
        PUBLIC_URL + "/notify-admin/webhooks/twilio/status/"
    )
    assert message["status_callback"] == PUBLIC_URL + reverse(
        "notify_admin:channel-webhook",
        kwargs={"module_name": "twilio", "slug": "status"},
    )


def test_no_callback_asked_without_a_public_url(fake_twilio, sent_sms, settings):
    del settings.NOTIFICATION_SYSTEM_PUBLIC_URL
    _notification, message = sent_sms()
    assert message["status_callback"] is None


def test_delivered_confirms(sent_sms, post_callback):
    notification, message = sent_sms()
    assert post_callback(message, "sent").status_code == 200
    assert post_callback(message, "delivered").status_code == 200
    assert state(notification) == ("DELIVERED", "delivered", "")
    assert DeliveryAttempt.objects.get().confirmed_at is not None


@pytest.mark.parametrize(
    ("code", "expected", "active"),
    [
        ("30006", Notification.INACTIVE_DEVICE, False),
        ("30005", Notification.INACTIVE_DEVICE, False),
        ("21610", Notification.INACTIVE_DEVICE, False),
        ("30003", Notification.RETRY, True),
        ("30008", Notification.DELIVERY_FAILURE, True),
    ],
)
def test_failures_move_the_notification(
    sent_sms, post_callback, code, expected, active
):
    notification, message = sent_sms()
    assert post_callback(message, "undelivered", code).status_code == 200
    assert state(notification) == (expected, "undelivered", code)
    notification.user_target.refresh_from_db()
    assert notification.user_target.active is active
    event = ProviderEvent.objects.get()
    assert (event.source, event.status_after) == ("twilio_callback", expected)
    assert event.payload["ErrorCode"] == code


def test_transient_without_retries_left_fails(sent_sms, post_callback):
    notification, message = sent_sms(max_retries=0)
    post_callback(message, "undelivered", "30003")
    assert state(notification)[0] == Notification.DELIVERY_FAILURE


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_forged_or_missing_signature_is_refused(sent_sms, post_callback, signature):
    notification, message = sent_sms()
    with CaptureQueriesContext(connection) as queries:
        response = post_callback(message, "undelivered", "30006", signature=signature)
    assert response.status_code == 403
    assert len(queries) == 0
    assert state(notification) == ("DELIVERED", "", "")


def test_a_tampered_field_breaks_the_signature(sent_sms, post_callback):
    notification, message = sent_sms()
    response = post_callback(message, "delivered", MessageStatus="undelivered")
    assert response.status_code == 403
    assert state(notification) == ("DELIVERED", "", "")


def test_signed_for_another_url_is_refused(sent_sms, post_callback, settings):
    notification, message = sent_sms()
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = "https://attacker.example.com"
    assert post_callback(message, "undelivered", "30006").status_code == 403
    assert state(notification) == ("DELIVERED", "", "")


def test_unknown_sid_is_accepted_and_changes_nothing(
    sent_sms, post_callback, fake_twilio, caplog
):
    caplog.set_level(logging.INFO, "notify_admin.feedback")
    notification, message = sent_sms()
    stranger = {**message, "sid": "SM" + "f" * 32}
    assert post_callback(stranger, "undelivered", "30006").status_code == 200
    assert "no attempt has provider id" in caplog.text
    assert state(notification) == ("DELIVERED", "", "")


def test_replay_and_out_of_order_change_nothing(sent_sms, post_callback):
    notification, message = sent_sms()
    post_callback(message, "undelivered", "30003")
    first = state(notification)
    notification.refresh_from_db()
    scheduled = notification.scheduled_delivery
    # Replayed, then late "sent" and "delivered" after the failure.
    for status, code in [("undelivered", "30003"), ("sent", None), ("delivered", None)]:
        assert post_callback(message, status, code).status_code == 200
    assert state(notification) == first
    notification.refresh_from_db()
    assert (notification.retry_attempts, notification.scheduled_delivery) == (
        1,
        scheduled,
    )
    assert ProviderEvent.objects.count() == 1


def test_sent_after_delivered_keeps_delivered(sent_sms, post_callback):
    notification, message = sent_sms()
    post_callback(message, "delivered")
    confirmed = DeliveryAttempt.objects.get().confirmed_at
    post_callback(message, "sent")
    assert state(notification) == ("DELIVERED", "delivered", "")
    assert DeliveryAttempt.objects.get().confirmed_at == confirmed


def test_a_resent_notification_ignores_old_news(sent_sms, post_callback):
    notification, message = sent_sms()
    # Staff retried it meanwhile: the old attempt's failure must not win.
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.SCHEDULED, attempted_delivery=None
    )
    post_callback(message, "undelivered", "30008")
    assert state(notification) == ("SCHEDULED", "undelivered", "30008")


def test_get_and_oversized_posts_are_refused(client, public_url):
    url = reverse(
        "notify_admin:channel-webhook",
        kwargs={"module_name": "twilio", "slug": "status"},
    )
    assert client.get(url).status_code == 405
    response = client.post(url, {"Body": "x" * 20_000})
    assert response.status_code == 413


def test_missing_fields_are_a_clear_400(client, sent_sms, fake_twilio):
    _notification, message = sent_sms()
    url, _form, _signature = fake_twilio.callback(message, "delivered")
    form = {"AccountSid": message["account_sid"]}
    signature = RequestValidator(fake_twilio.auth_token).compute_signature(url, form)
    response = client.post(
        url.removeprefix(PUBLIC_URL), form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400
    assert b"MessageSid and MessageStatus are required" in response.content


def test_without_public_url_callbacks_are_refused(sent_sms, post_callback, settings):
    notification, message = sent_sms()
    del settings.NOTIFICATION_SYSTEM_PUBLIC_URL
    assert post_callback(message, "undelivered", "30006").status_code == 403
    assert state(notification) == ("DELIVERED", "", "")


def test_delivered_callback_statements(sent_sms, post_callback):
    _notification, message = sent_sms()
    with CaptureQueriesContext(connection) as queries:
        post_callback(message, "delivered")
    assert len(queries) <= 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fake_twilio_calls_the_live_console_back(fake_twilio, live_server, settings):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = live_server.url
    # A transactional test: earlier ones may have flushed the pre-loaded targets.
    target, _created = NotificationTarget.objects.get_or_create(
        notification_module_name="twilio", defaults={"name": "Twilio"}
    )
    user = get_user_model().objects.create_user("live-callback")
    record = TargetUserRecord.objects.create(
        user=user, target=target, target_user_id="+14155552671"
    )
    notification = Notification.objects.create(
        user_target=record, title="T", body="B", scheduled_delivery=timezone.now()
    )
    assert deliver_due().delivered == 1
    (message,) = fake_twilio.messages
    assert message["status_callback"].startswith(live_server.url)
    assert fake_twilio.call_back(message, "sent") == 200
    assert fake_twilio.call_back(message, "undelivered", 30006) == 200
    assert state(notification) == ("INACTIVE_DEVICE", "undelivered", "30006")
