"""RFC 8058 headers on emails: sent through Django's real SMTP backend to an
aiosmtpd server on 127.0.0.1, read back from the message it received, and
the link in them used as a mail provider uses it."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.models import ConsentChange, Notification, NotificationPreference
from tests.support.consent import category

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://console.example.com"


@pytest.fixture
def mail_world(settings, fake_smtp, make_user, make_record):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = PUBLIC_URL
    user = make_user(username="ada", email="ada@example.com")
    return user, make_record(user), fake_smtp


def send(record, **kwargs):
    row = Notification.objects.create(
        user_target=record,
        title="Hello",
        body="Body",
        scheduled_delivery=timezone.now() - dt.timedelta(seconds=1),
        **kwargs,
    )
    assert deliver_due().delivered == 1
    return row


def received(smtp, raw=False):
    (message,) = smtp.messages
    smtp.reset()
    return message["raw"] if raw else message["message"]


def test_a_non_critical_email_carries_both_headers(mail_world, targets):
    user, record, smtp = mail_world
    news = category("news")
    send(record, category=news)
    raw = smtp.messages[0]["raw"]
    message = received(smtp)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{PUBLIC_URL}/notify-admin/unsubscribe/")
    assert header.endswith("/>")
    # On one line, not folded into RFC 2047 encoded words (which providers
    # do not read as a URL).
    assert f"List-Unsubscribe: {header}\r\n".encode() in raw
    assert b"=?" not in raw
    # The provider posts to it, with no cookie and no CSRF token.
    path = header[1:-1].removeprefix(PUBLIC_URL)
    response = Client(enforce_csrf_checks=True).post(
        path, {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    preference = NotificationPreference.objects.get()
    assert (preference.category, preference.target, preference.enabled) == (
        news,
        targets["email"],
        False,
    )
    assert ConsentChange.objects.get().via == "one_click"
    # The next news email is not sent.
    Notification.objects.create(
        user_target=record, title="More", body="b", category=news
    )
    assert deliver_due().opted_out == 1
    assert smtp.messages == []


def test_an_uncategorised_email_names_the_default_category(mail_world):
    user, record, smtp = mail_world
    send(record)
    path = received(smtp)["List-Unsubscribe"][1:-1].removeprefix(PUBLIC_URL)
    Client().post(path, {"List-Unsubscribe": "One-Click"})
    assert NotificationPreference.objects.get().category.key == "general"


def test_a_critical_email_carries_none(mail_world):
    user, record, smtp = mail_world
    send(record, category=category("security", critical=True))
    message = received(smtp)
    assert message["List-Unsubscribe"] is None
    assert message["List-Unsubscribe-Post"] is None


def test_without_a_public_url_no_header(mail_world, settings):
    user, record, smtp = mail_world
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = ""
    send(record)
    assert received(smtp)["List-Unsubscribe"] is None
