"""Feedback on the channel contract: which channel offers what, the same
table of provider feedback for every channel that has some (built-in or
extra), and the system checks of the public URL."""

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notify_admin.channels.base import Channel
from notify_admin.channels.registry import get_channel
from notify_admin.delivery import deliver_due
from notify_admin.feedback.channels import receipt_channels
from notify_admin.feedback.checks import check_public_url
from notify_admin.feedback.receipts import check_receipts
from notify_admin.models import (
    Notification,
    NotificationTarget,
    ProviderEvent,
    TargetUserRecord,
)
from tests.extensions.handlers.telegraph import signature
from tests.support.fakes import FakeTelegraphServer
from tests.support.fakes.telegraph import API_KEY


def test_expo_offers_receipts_and_twilio_declares_its_webhook(settings):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = "https://console.example.com/"
    assert [name for name, _channel in receipt_channels()] == ["expo"]
    twilio = get_channel("twilio")
    assert twilio.feedback_webhook_url() == (
        "https://console.example.com/notify-admin/webhooks/twilio/status/"
    )
    for name in ("email", "expo"):
        assert get_channel(name).feedback_webhook_url() is None
    assert Channel.check_receipts is None


def test_no_webhook_url_without_public_url(settings):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = ""
    assert get_channel("twilio").feedback_webhook_url() is None


def test_the_status_callback_setting_wins(settings, fake_twilio, db):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = "https://console.example.com"
    settings.NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["status_callback"] = (
        "https://hooks.example.com/twilio"
    )
    channel = get_channel("twilio")
    with channel:
        assert channel.status_callback == "https://hooks.example.com/twilio"


@pytest.mark.parametrize(
    "value",
    ["console.example.com", "ftp://x.example.com", "https://x.example.com/?a=1"],
)
def test_malformed_public_url_is_a_check_error(settings, value):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = value
    (error,) = check_public_url()
    assert error.id == "notify_admin.E030"
    assert "NOTIFICATION_SYSTEM_PUBLIC_URL" in error.msg


def test_public_url_without_the_include_is_a_warning(settings):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = "https://console.example.com"
    assert check_public_url() == []
    settings.ROOT_URLCONF = "tests.feedback_urls_without_notify_admin"
    (warning,) = check_public_url()
    assert warning.id == "notify_admin.W030"


# -- the same table of provider feedback for every channel ---------------------
#
# What a provider says after accepting a message, and what it leaves: the
# notification's status, and whether the user's record stays active. Every
# channel with feedback runs it, through its own path (a signed webhook
# through notify_admin's URLs, receipts polled from its fake server, the
# anymail tracking signal); a channel without a word for a row says so.

FEEDBACK = {
    "confirmed": (Notification.DELIVERED, True),
    "dead": (Notification.INACTIVE_DEVICE, False),
    "transient": (Notification.RETRY, True),
    "failed": (Notification.DELIVERY_FAILURE, True),
}
LATER = timedelta(hours=1)
PUBLIC_URL = "https://console.example.com"


class Feedback:
    module_name = ""
    #: The conftest fixture of the channel's fake server, if any.
    fake_fixture = None
    WORDS = {}

    def __init__(self, settings, client, make_record, make_user, request):
        self.settings, self.client = settings, client
        self.make_record, self.make_user = make_record, make_user
        self.request = request
        settings.NOTIFICATION_SYSTEM_PUBLIC_URL = PUBLIC_URL

    def sent(self):
        if self.fake_fixture:
            self.fake = self.request.getfixturevalue(self.fake_fixture)
        user = self.make_user()
        record = TargetUserRecord.objects.create(
            user=user,
            target=NotificationTarget.objects.get(
                notification_module_name=self.module_name
            ),
            target_user_id=self.address(user),
        )
        notification = Notification.objects.create(
            user_target=record,
            title="Feedback",
            body="What happened next?",
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
        )
        assert deliver_due().delivered == 1
        notification.refresh_from_db()
        return notification

    def address(self, user):
        return {
            "email": user.email,
            "twilio": "+14155552671",
            "expo": f"ExponentPushToken[{user.username}]",
        }[self.module_name]

    def report(self, notification, word):
        raise NotImplementedError

    def replay(self, notification, word):
        """The same word again (a webhook delivered twice)."""
        self.report(notification, word)


class TwilioFeedback(Feedback):
    """Status callbacks, signed as Twilio signs them, to the channel's
    declared webhook."""

    module_name = "twilio"
    fake_fixture = "fake_twilio"
    WORDS = {
        "confirmed": ("delivered", None),
        "dead": ("undelivered", "30005"),
        "transient": ("undelivered", "30003"),
        "failed": ("failed", "30008"),
    }

    def report(self, notification, word):
        fake = self.fake
        message = next(
            m
            for m in fake.messages
            if m["to"] == notification.user_target.target_user_id
        )
        url, form, signature = fake.callback(message, *self.WORDS[word])
        response = self.client.post(
            url.removeprefix(PUBLIC_URL),
            form,
            headers={"X-Twilio-Signature": signature},
        )
        assert response.status_code == 200


class ExpoFeedback(Feedback):
    """Push receipts, polled from the fake Expo server."""

    module_name = "expo"
    fake_fixture = "fake_expo"
    WORDS = {
        "confirmed": None,
        "dead": "DeviceNotRegistered",
        "transient": "MessageRateExceeded",
        "failed": "MessageTooBig",
    }

    def report(self, notification, word):
        if self.WORDS[word]:
            self.fake.receipt_errors[notification.user_target.target_user_id] = (
                self.WORDS[word]
            )
        assert check_receipts(now=timezone.now() + LATER).checked == 1

    def replay(self, notification, word):
        # A ticket with its receipt read is never asked for again.
        assert check_receipts(now=timezone.now() + LATER).checked == 0


class EmailFeedback(Feedback):
    """anymail's normalised tracking events (what its webhook views send)."""

    module_name = "email"
    # anymail has no transient failure after acceptance ("deferred" changes
    # nothing): the row is not offered.
    WORDS = {"confirmed": "delivered", "dead": "bounced", "failed": "failed"}

    def report(self, notification, word):
        signals = pytest.importorskip("anymail.signals")
        attempt = notification.attempts.get()
        event = signals.AnymailTrackingEvent(
            event_type=self.WORDS[word], message_id=attempt.provider_id
        )
        signals.tracking.send(sender=object, event=event, esp_name="Postmark")


class TelegraphFeedback(Feedback):
    """The complete extra channel: receipts to poll, like a built-in."""

    module_name = "telegraph"
    WORDS = {
        "confirmed": None,
        "dead": "no_such_station",
        "transient": "line_busy",
        "failed": "message_too_long",
    }

    def sent(self):
        self.fake = FakeTelegraphServer().start()
        self.request.addfinalizer(self.fake.stop)
        self.settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
        targets = {
            k: dict(v) for k, v in self.settings.NOTIFICATION_SYSTEM_TARGETS.items()
        }
        targets["telegraph"] = {
            "api_key": API_KEY,
            "office_url": self.fake.url,
            "webhook_secret": "telegraph-secret",
        }
        self.settings.NOTIFICATION_SYSTEM_TARGETS = targets
        NotificationTarget.objects.get_or_create(
            name="Telegraph", defaults={"notification_module_name": "telegraph"}
        )
        return super().sent()

    def address(self, user):
        return f"@station{uuid.uuid4().hex[:8]}"

    def report(self, notification, word):
        if self.WORDS[word]:
            self.fake.receipt_errors[notification.user_target.target_user_id] = (
                self.WORDS[word]
            )
        assert check_receipts(now=timezone.now() + LATER).checked == 1

    replay = ExpoFeedback.replay


FEEDBACK_PROVIDERS = [TwilioFeedback, ExpoFeedback, EmailFeedback, TelegraphFeedback]


@pytest.fixture(params=FEEDBACK_PROVIDERS, ids=lambda p: p.module_name)
def feedback(request, settings, client, make_record, make_user):
    return request.param(settings, client, make_record, make_user, request)


@pytest.mark.django_db
@pytest.mark.parametrize("word", list(FEEDBACK))
def test_the_same_feedback_moves_the_same_way(feedback, word):
    if word not in feedback.WORDS:
        pytest.skip(f"{feedback.module_name} has no word for {word!r}")
    notification = feedback.sent()
    feedback.report(notification, word)
    notification.refresh_from_db()
    status, active = FEEDBACK[word]
    assert notification.status == status
    attempt = notification.attempts.get()
    assert attempt.provider_status and attempt.provider_status_at
    assert (attempt.confirmed_at is not None) is (word == "confirmed")
    record = notification.user_target
    record.refresh_from_db()
    assert record.active is active
    # Delivery's own rules: a retry spends one try, after the interval; a
    # dead record keeps why and when.
    if word == "transient":
        assert notification.retry_attempts == 1
    if not active:
        assert record.inactive_reason.startswith("Dead address")
        assert record.inactivated_at is not None
    # The same word again changes nothing.
    changed = ProviderEvent.objects.count()
    feedback.replay(notification, word)
    assert ProviderEvent.objects.count() == changed
    notification.refresh_from_db()
    assert notification.status == status


@pytest.mark.django_db
def test_an_extra_channels_webhook_is_mounted_like_a_built_ins(
    settings, client, make_record, make_user, request
):
    """telegraph declares a signed webhook: it is served at
    webhooks/telegraph/status/ by notify_admin's URLs, with no URL
    configuration of the host's, and sends ask the office to call it."""
    provider = TelegraphFeedback(settings, client, make_record, make_user, request)
    notification = provider.sent()
    (sent,) = provider.fake.messages
    path = reverse(
        "notify_admin:channel-webhook",
        kwargs={"module_name": "telegraph", "slug": "status"},
    )
    assert sent["callback"] == PUBLIC_URL + path
    body = json.dumps(
        {"id": sent["id"], "status": "failed", "error": "no_such_station"}
    ).encode()
    forged = client.post(
        path,
        body,
        content_type="application/json",
        headers={"X-Telegraph-Signature": "0" * 64},
    )
    assert forged.status_code == 403
    good = signature("telegraph-secret", body)
    response = client.post(
        path,
        body,
        content_type="application/json",
        headers={"X-Telegraph-Signature": good},
    )
    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.status == Notification.INACTIVE_DEVICE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("module_name", "slug"),
    [("webpush", "status"), ("twilio", "nope"), ("nope", "status"), ("_x", "y")],
)
def test_no_webhook_where_none_is_declared(client, module_name, slug):
    response = client.post(f"/notify-admin/webhooks/{module_name}/{slug}/", {})
    assert response.status_code == 404


def test_what_each_channel_declares(settings):
    """Web Push offers no feedback; the extras are asked like the built-ins."""
    settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
    assert [name for name, _channel in receipt_channels()] == ["expo", "telegraph"]
    assert get_channel("webpush").webhooks == {}
    assert get_channel("webpush").check_receipts is None
