"""One-click unsubscribe (RFC 8058) and the preference page, through the
real views: no login, no CSRF for the mail_provider's POST, GET changes nothing,
forged tokens are a 400 before any database read, a replay is harmless."""

import datetime as dt

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify_admin.consent.tokens import (
    preferences_token,
    preferences_url,
    unsubscribe_token,
    unsubscribe_url,
)
from notify_admin.delivery import deliver_due
from notify_admin.models import (
    ConsentChange,
    Notification,
    NotificationPreference,
    RecipientSettings,
)
from tests.support.consent import category

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def mail_provider():
    """A mail mail_provider posting the one-click form: no cookies, CSRF checked."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def reader(make_user, make_record):
    user = make_user(username="reader")
    make_record(user)
    make_record(user, "twilio")
    return user


@pytest.fixture
def news():
    return category("news")


def link(user, cat, target):
    return reverse(
        "notify_admin:unsubscribe",
        args=[unsubscribe_token(user.pk, cat.key if cat else "", target.pk)],
    )


def state(user):
    return {
        (p.category.key, p.target.notification_module_name): p.enabled
        for p in NotificationPreference.objects.filter(user=user).select_related(
            "category", "target"
        )
    }


def test_one_click_post_turns_the_category_off_for_email(
    mail_provider, reader, news, targets
):
    response = mail_provider.post(link(reader, news, targets["email"]), ONE_CLICK)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert state(reader) == {("news", "email"): False}
    change = ConsentChange.objects.get()
    assert (
        change.user,
        change.via,
        change.category,
        change.target,
        change.enabled,
    ) == (
        reader,
        ConsentChange.ONE_CLICK,
        news,
        targets["email"],
        False,
    )
    assert "news" in change.detail and change.at is not None


def test_the_send_stops_afterwards(mail_provider, reader, news, targets):
    row = Notification.objects.create(
        user_target=reader.notification_target_user_records.get(
            target=targets["email"]
        ),
        title="Weekly news",
        body="...",
        category=news,
        scheduled_delivery=timezone.now() - dt.timedelta(seconds=1),
    )
    mail_provider.post(link(reader, news, targets["email"]), ONE_CLICK)
    assert deliver_due().opted_out == 1
    assert not mail.outbox
    row.refresh_from_db()
    assert (row.status, row.opted_out_reason) == ("OPTED_OUT", "preference")


def test_get_shows_a_button_and_changes_nothing(client, reader, news, targets):
    url = link(reader, news, targets["email"])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'method="post"' in html and "<strong>News</strong>" in html
    assert client.head(url).status_code == 200
    assert not NotificationPreference.objects.exists()
    assert not ConsentChange.objects.exists()
    # The page's own button posts the same link.
    assert client.post(url, {"confirm": "yes"}).status_code == 200
    assert ConsentChange.objects.get().via == ConsentChange.UNSUBSCRIBE_PAGE


def test_replay_changes_nothing_more(mail_provider, reader, news, targets):
    url = link(reader, news, targets["email"])
    first = mail_provider.post(url, ONE_CLICK)
    again = mail_provider.post(url, ONE_CLICK)
    assert first.status_code == again.status_code == 200
    assert state(reader) == {("news", "email"): False}
    assert ConsentChange.objects.count() == 1


def forged_tokens(user, cat, target):
    good = unsubscribe_token(user.pk, cat.key, target.pk)
    value, signature = good.rsplit(":", 1)

    def flip(text):
        return text[:-1] + ("A" if text[-1] != "A" else "B")

    return {
        "garbage": "not-a-token",
        "empty-signature": value + ":",
        "altered payload": f"{flip(value)}:{signature}",
        "altered signature": f"{value}:{flip(signature)}",
        "other user, same signature": unsubscribe_token(
            user.pk + 1, cat.key, target.pk
        ).rsplit(":", 1)[0]
        + ":"
        + signature,
        "preference-page token": preferences_token(user.pk),
        "signed with another key": signing.dumps(
            {"u": str(user.pk), "c": cat.key, "t": str(target.pk)},
            key="someone-elses-key",
            salt="notify_admin.consent.unsubscribe",
            compress=True,
        ),
        "too long": "a" * 5000,
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_or_altered_tokens_are_refused_before_any_query(
    mail_provider, reader, news, targets, method
):
    for name, token in forged_tokens(reader, news, targets["email"]).items():
        url = reverse("notify_admin:unsubscribe", args=[token])
        with CaptureQueriesContext(connection) as queries:
            response = getattr(mail_provider, method)(url, ONE_CLICK)
        assert response.status_code == 400, name
        assert "This link is not valid" in response.content.decode(), name
        assert len(queries) == 0, name
    assert not NotificationPreference.objects.exists()
    assert not ConsentChange.objects.exists()


def test_a_link_without_category_turns_every_non_critical_one_off(
    mail_provider, reader, news, targets
):
    category("promo")
    category("security", critical=True)
    mail_provider.post(link(reader, None, targets["email"]), ONE_CLICK)
    assert state(reader) == {
        ("general", "email"): False,
        ("news", "email"): False,
        ("promo", "email"): False,
    }
    assert ConsentChange.objects.count() == 3


def test_a_critical_category_cannot_be_unsubscribed(mail_provider, reader, targets):
    security = category("security", critical=True)
    response = mail_provider.post(link(reader, security, targets["email"]), ONE_CLICK)
    assert response.status_code == 200
    assert "cannot be turned off" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_link_of_a_deleted_user_changes_nothing(mail_provider, reader, news, targets):
    url = link(reader, news, targets["email"])
    reader.delete()
    response = mail_provider.post(url, ONE_CLICK)
    assert response.status_code == 200
    assert "Nothing to unsubscribe from" in response.content.decode()


def test_other_methods_are_refused(client, reader, news, targets):
    assert client.put(link(reader, news, targets["email"])).status_code == 405


def test_urls_need_the_public_url(settings, reader, news, targets, monkeypatch):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = ""
    # Without a public URL nothing is signed: a send pays nothing for links
    # it cannot give (the engine builds these headers for every email).
    signed = []
    real_dumps = signing.dumps
    monkeypatch.setattr(
        signing, "dumps", lambda *a, **k: signed.append(a) or real_dumps(*a, **k)
    )
    assert unsubscribe_url(reader.pk, "news", targets["email"].pk) is None
    assert preferences_url(reader) is None
    assert signed == []
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = "https://console.example.com/"
    url = unsubscribe_url(reader.pk, "news", targets["email"].pk)
    assert len(signed) == 1
    assert url.startswith("https://console.example.com/notify-admin/unsubscribe/")
    assert preferences_url(reader).startswith(
        "https://console.example.com/notify-admin/preferences/"
    )


# -- the preference page -------------------------------------------------------------


def page(user):
    return reverse("notify_admin:preferences", args=[preferences_token(user.pk)])


@pytest.fixture
def recipient_browser():
    return Client(enforce_csrf_checks=True)


def form_of(recipient_browser, url):
    response = recipient_browser.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    import re

    data = {
        "csrfmiddlewaretoken": re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', html
        ).group(1),
        "pref-shown": re.search(r'name="pref-shown" value="([^"]*)"', html).group(1),
    }
    for name in re.findall(r'name="(pref-\d+-[\w-]+)"[^>]*checked', html):
        data[name] = "on"
    return html, data


def test_the_page_lists_the_recipients_channels_only(
    recipient_browser, reader, news, targets
):
    category("security", critical=True)
    html, _data = form_of(recipient_browser, page(reader))
    assert ">Email<" in html and ">Twilio<" in html and ">Expo<" not in html
    security = 'name="pref-' in html
    assert security
    assert "Always sent" in html
    # The critical cells are ticked and cannot be changed.
    import re

    critical = re.findall(r'<input type="checkbox"[^>]*disabled>', html)
    assert len(critical) == 2 and all("checked" in c for c in critical)


def test_saving_the_page_records_every_change(recipient_browser, reader, news, targets):
    url = page(reader)
    _html, data = form_of(recipient_browser, url)
    data.pop(f"pref-{news.pk}-{targets['twilio'].pk}")
    data.update(
        time_zone="Europe/Paris", quiet_hours_start="22:00", quiet_hours_end="07:30"
    )
    response = recipient_browser.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    assert (
        "Your choices are saved"
        in recipient_browser.get(response["Location"]).content.decode()
    )
    assert state(reader) == {("news", "twilio"): False}
    settings_row = RecipientSettings.objects.get(user=reader)
    assert (settings_row.time_zone, settings_row.quiet_hours_start) == (
        "Europe/Paris",
        dt.time(22),
    )
    changes = ConsentChange.objects.order_by("pk")
    assert [(c.via, c.category_id, c.enabled) for c in changes] == [
        (ConsentChange.PREFERENCE_PAGE, news.pk, False),
        (ConsentChange.PREFERENCE_PAGE, None, None),
    ]
    assert "Europe/Paris" in changes[1].detail and "22:00-07:30" in changes[1].detail
    # The same choices again: nothing more is recorded.
    html, data = form_of(recipient_browser, url)
    assert 'value="22:00"' in html and 'value="Europe/Paris" selected' in html
    data.update(
        time_zone="Europe/Paris", quiet_hours_start="22:00", quiet_hours_end="07:30"
    )
    recipient_browser.post(url, data)
    assert ConsentChange.objects.count() == 2


def test_a_bad_form_saves_nothing(recipient_browser, reader, news, targets):
    url = page(reader)
    _html, data = form_of(recipient_browser, url)
    data.pop(f"pref-{news.pk}-{targets['email'].pk}")
    data.update(time_zone="Mars/Olympus", quiet_hours_start="22:00")
    response = recipient_browser.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert not NotificationPreference.objects.exists()
    assert not RecipientSettings.objects.exists()
    data.update(time_zone="")
    html = recipient_browser.post(url, data).content.decode()
    assert "Give both the start and the end" in html
    assert not NotificationPreference.objects.exists()


def test_the_page_checks_csrf(recipient_browser, reader):
    assert recipient_browser.post(page(reader), {}).status_code == 403


def test_the_page_refuses_bad_tokens(client, reader, news, targets):
    bad = unsubscribe_token(reader.pk, "news", targets["email"].pk)
    for token in (bad, "x", preferences_token(reader.pk)[:-2]):
        url = reverse("notify_admin:preferences", args=[token])
        assert client.get(url).status_code == 400
        assert client.post(url, {}).status_code in (400, 403)
    assert not ConsentChange.objects.exists()


def test_staff_text_is_escaped_on_the_recipients_pages(client, reader, targets):
    payload = "<script>alert(1)</script>"
    from notify_admin.models import NotificationCategory

    hostile = NotificationCategory.objects.create(
        key="hostile", name=payload, description=payload
    )
    targets["email"].name = f"Mail {payload}"
    targets["email"].save()
    pages = [
        client.get(link(reader, hostile, targets["email"])),
        client.post(link(reader, hostile, targets["email"]), ONE_CLICK),
        client.get(page(reader)),
    ]
    for response in pages:
        html = response.content.decode()
        assert payload not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
