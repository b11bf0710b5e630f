"""Web Push through pywebpush against a push service on 127.0.0.1: the real
aes128gcm encryption and VAPID signing run, and the fake checks both with
its own code (tests/support/fakes/webpush.py). What every channel does is in the
contract suite; here, what only Web Push does."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notify_admin.channels.registry import get_channel
from notify_admin.channels.webpush import PAYLOAD_LIMIT, WebPushChannel
from notify_admin.checks import check_settings_shape, check_targets
from notify_admin.delivery import deliver_due
from notify_admin.models import Notification, NotificationTarget, TargetUserRecord
from notify_admin.validators import normalise_address
from tests.support.fakes.webpush import vapid_key_pair

pytestmark = pytest.mark.django_db

KEYS = {
    # A P-256 point (65 bytes, 0x04 first) and a 16-byte secret, base64url.
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1X"
    "Vjhu_UTNrbbtYPsf6wxbbY",
    "auth": "tBHItJI5svbpez7KI4CCXg",
}


def subscription(endpoint="https://fcm.googleapis.com/fcm/send/abc", **keys):
    return json.dumps({"endpoint": endpoint, "keys": {**KEYS, **keys}})


@pytest.fixture
def webpush_target():
    return NotificationTarget.objects.get(notification_module_name="webpush")


@pytest.fixture
def push_to(fake_webpush, webpush_target, make_user):
    def make(extra=None, **kwargs):
        sub_id, address = fake_webpush.subscribe()
        record = TargetUserRecord.objects.create(
            user=make_user(), target=webpush_target, target_user_id=address
        )
        notification = Notification.objects.create(
            user_target=record,
            title=kwargs.pop("title", "Hello"),
            body=kwargs.pop("body", "From the console"),
            extra=extra or {},
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
            **kwargs,
        )
        return sub_id, notification

    return make


def test_the_built_in_target_exists(webpush_target):
    assert webpush_target.name == "Web Push"
    assert isinstance(get_channel("webpush"), WebPushChannel)


def test_the_payload_is_encrypted_signed_and_read_back(fake_webpush, push_to):
    sub_id, notification = push_to(
        extra={"data": {"url": "/inbox"}, "urgency": "high", "ttl": 60, "tag": "t1"}
    )
    result = deliver_due()
    assert result.delivered == 1
    (message,) = fake_webpush.messages
    # The fake decrypted the body with the subscription's own keys and
    # accepted the VAPID signature made with the configured key.
    assert message["to"] == sub_id
    assert message["payload"] == {
        "title": "Hello",
        "body": "From the console",
        "data": {"url": "/inbox"},
        "tag": "t1",
    }
    assert (message["ttl"], message["urgency"]) == ("60", "high")
    attempt = notification.attempts.get()
    assert attempt.provider_id.endswith("/message/" + message["id"])


def test_the_default_ttl_comes_from_settings(fake_webpush, push_to, settings):
    settings.NOTIFICATION_SYSTEM_TARGETS["webpush"]["ttl"] = 600
    push_to()
    assert deliver_due().delivered == 1
    assert fake_webpush.messages[0]["ttl"] == "600"


@pytest.mark.parametrize(
    ("status", "outcome", "record_active"),
    [
        (404, Notification.INACTIVE_DEVICE, False),
        (410, Notification.INACTIVE_DEVICE, False),
        (413, Notification.DELIVERY_FAILURE, True),
        (429, Notification.RETRY, True),
        (500, Notification.RETRY, True),
        (503, Notification.RETRY, True),
    ],
)
def test_push_service_answers(fake_webpush, push_to, status, outcome, record_active):
    sub_id, notification = push_to()
    fake_webpush.errors[sub_id] = status
    deliver_due()
    notification.refresh_from_db()
    assert notification.status == outcome
    assert notification.attempts.get().error_code == f"http_{status}"
    record = notification.user_target
    record.refresh_from_db()
    assert record.active is record_active
    if not record_active:
        # Dead: why and when, as feedback records it.
        assert "http_410" in record.inactive_reason or "http_404" in (
            record.inactive_reason
        )
        assert record.inactivated_at is not None


def test_a_foreign_vapid_key_is_a_credential_error(fake_webpush, push_to, settings):
    """Signed with another key, the push service refuses (403): the row waits
    untouched and Web Push is not configured for the rest of the run."""
    settings.NOTIFICATION_SYSTEM_TARGETS["webpush"]["vapid_private_key"] = (
        vapid_key_pair()[0]
    )
    _sub_id, notification = push_to()
    result = deliver_due()
    assert result.not_configured == 1 and result.failed == 0
    assert fake_webpush.refused == [403]
    notification.refresh_from_db()
    assert notification.status == Notification.SCHEDULED
    assert notification.retry_attempts == 0 and not notification.attempts.exists()
    assert "the provider said" in result.missing_settings["webpush"][0]


def test_a_payload_over_the_limit_fails_before_any_request(fake_webpush, push_to):
    _sub_id, notification = push_to(body="x" * PAYLOAD_LIMIT)
    assert deliver_due().failed == 1
    assert fake_webpush.requests == 0
    assert notification.attempts.get().error_code == "payload_too_large"
    size = get_channel("webpush").measure("Hello", "x" * PAYLOAD_LIMIT, {})
    assert size.error and size.code == "push_too_big"


def test_not_configured_without_vapid_keys(push_to, settings):
    push_to()
    settings.NOTIFICATION_SYSTEM_TARGETS["webpush"]["vapid_private_key"] = ""
    result = deliver_due()
    assert result.not_configured == 1
    assert result.missing_settings["webpush"] == [
        'NOTIFICATION_SYSTEM_TARGETS["webpush"]["vapid_private_key"]'
    ]


# -- the address: the browser's subscription ---------------------------------


def test_a_subscription_is_stored_compact_and_checked():
    typed = json.dumps(
        {
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
            "expirationTime": None,
            "keys": {"auth": KEYS["auth"] + "==", "p256dh": KEYS["p256dh"]},
        },
        indent=2,
    )
    stored = normalise_address("webpush", typed)
    assert stored == (
        '{"endpoint":"https://fcm.googleapis.com/fcm/send/abc",'
        f'"keys":{{"p256dh":"{KEYS["p256dh"]}","auth":"{KEYS["auth"]}"}}}}'
    )
    assert normalise_address("webpush", stored) == stored


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", "subscription as JSON"),
        ("[1, 2]", "subscription as JSON"),
        ('{"endpoint": ', "subscription as JSON"),
        (subscription("http://push.example.com/x"), "https URL"),
        (subscription("https://127.0.0.1/x"), "https URL"),
        (subscription("https://10.0.0.8/x"), "https URL"),
        (subscription("https://localhost/x"), "https URL"),
        (subscription("https://user:pw@push.example.com/x"), "https URL"),
        (subscription("javascript:alert(1)"), "https URL"),
        (subscription(p256dh="AAAA"), "p256dh"),
        (subscription(auth="not base64 !"), "auth"),
        (json.dumps({"endpoint": "https://push.example.com/x"}), "keys"),
        ("{" * 40 + "}" * 40, "nests"),
        (subscription("https://push.example.com/" + "x" * 1000), "JSON"),
    ],
)
def test_bad_subscriptions_are_refused_with_a_reason(value, says):
    with pytest.raises(ValidationError) as info:
        normalise_address("webpush", value)
    assert says in " ".join(info.value.messages)


def test_loopback_endpoints_only_where_the_setting_allows(settings):
    value = subscription("http://127.0.0.1:8123/push/x")
    with pytest.raises(ValidationError):
        normalise_address("webpush", value)
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "webpush": {"allow_loopback_http": True},
    }
    assert "127.0.0.1:8123" in normalise_address("webpush", value)


def test_a_record_with_a_bad_subscription_is_a_form_error(webpush_target, make_user):
    record = TargetUserRecord(
        user=make_user(), target=webpush_target, target_user_id="not json"
    )
    with pytest.raises(ValidationError) as info:
        record.full_clean()
    assert "target_user_id" in info.value.message_dict


def test_a_stored_address_gone_bad_fails_at_build(fake_webpush, push_to):
    """An UPDATE that skipped the model's checks cannot steer a push to
    another URL: the channel checks the address again when it builds."""
    _sub_id, notification = push_to()
    TargetUserRecord.objects.filter(pk=notification.user_target_id).update(
        target_user_id=subscription("https://10.1.2.3/internal")
    )
    assert deliver_due().failed == 1
    assert fake_webpush.requests == 0
    assert notification.attempts.get().error_code == "message_error"


# -- settings and checks, from the channel's declarations ---------------------


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"vapid_subject": "ops@example.com"}, "vapid_subject"),
        ({"vapid_private_key": "not a key!"}, "vapid_private_key"),
        ({"ttl": -1}, "ttl"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_broken_settings_are_check_errors_naming_them(settings, values, setting):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "webpush": values,
    }
    errors = check_settings_shape()
    assert [e.id for e in errors] in (["notify_admin.E007"], ["notify_admin.E003"])
    assert f'NOTIFICATION_SYSTEM_TARGETS["webpush"]["{setting}"]' in errors[0].msg


def test_a_target_in_use_needs_the_vapid_settings(webpush_target, make_user, settings):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "webpush": {},
    }
    assert not [e for e in check_targets() if e.id == "notify_admin.E012"]
    TargetUserRecord.objects.create(
        user=make_user(), target=webpush_target, target_user_id=subscription()
    )
    missing = {e.msg for e in check_targets() if e.id == "notify_admin.E012"}
    assert missing == {
        "Notification target 'Web Push' needs "
        'NOTIFICATION_SYSTEM_TARGETS["webpush"]["vapid_private_key"].',
        "Notification target 'Web Push' needs "
        'NOTIFICATION_SYSTEM_TARGETS["webpush"]["vapid_subject"].',
    }


def test_compose_measures_web_push_and_refuses_what_is_too_big(
    admin_client, post_action, webpush_target, make_user
):
    """Compose asks the channels of the user's records (here Web Push, and
    the Expo record beside it) for their sizes, naming none of them."""
    from django.contrib.auth import get_user_model

    user = make_user()
    TargetUserRecord.objects.create(
        user=user, target=webpush_target, target_user_id=subscription()
    )

    def compose(body):
        return post_action(
            admin_client,
            get_user_model(),
            "notify_compose",
            [user],
            confirm="yes",
            title="Hi",
            body=body,
            extra="",
        )

    refused = compose("x" * 4000)
    assert refused.status_code == 200
    assert "push services take at most 3993" in refused.content.decode()
    assert "Web Push payload: 4" in refused.content.decode()
    assert not Notification.objects.exists()
    assert compose("Short").status_code == 302
    assert Notification.objects.filter(user_target__target=webpush_target).count() == 1
