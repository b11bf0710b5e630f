"""Feedback on the channel contract: which channel offers what, and the
system checks of the public URL."""

import pytest

from notify_admin.channels.base import Channel
from notify_admin.channels.registry import get_channel
from notify_admin.feedback.channels import receipt_channels
from notify_admin.feedback.checks import check_public_url


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
