"""Consent in Chromium: the category x channel grid on a user's admin page,
and the recipient's own pages (unsubscribe, preferences), under the CSP.
``UPDATE_SCREENSHOTS=1`` writes their pictures to docs/screenshots/."""

import datetime as dt

from playwright.sync_api import expect

from notify_admin.consent.tokens import preferences_token, unsubscribe_token
from notify_admin.models import (
    ConsentChange,
    NotificationCategory,
    NotificationPreference,
    NotificationTarget,
    RecipientSettings,
    TargetUserRecord,
)
from tests.support.browser import BROWSER_MARKS, log_in
from tests.support.browser_pages import shoot

pytestmark = BROWSER_MARKS


def consent_world(django_user_model):
    targets = {t.notification_module_name: t for t in NotificationTarget.objects.all()}
    ada = django_user_model.objects.create_user(
        "ada", "ada@example.com", first_name="Ada", last_name="Lovelace"
    )
    TargetUserRecord.objects.create(
        user=ada, target=targets["email"], target_user_id="ada@example.com"
    )
    TargetUserRecord.objects.create(
        user=ada, target=targets["twilio"], target_user_id="+14155552671"
    )
    NotificationCategory.objects.filter(key="general").update(
        description="Everything that names no category of its own."
    )
    security = NotificationCategory.objects.create(
        key="security",
        name="Security alerts",
        critical=True,
        description="Sign-ins from new devices, password changes.",
    )
    news = NotificationCategory.objects.create(
        key="news", name="Product news", description="What is new, once a month."
    )
    promo = NotificationCategory.objects.create(
        key="offers", name="Offers", description="Discounts and partner offers."
    )
    promo.off_by_default.add(targets["twilio"], targets["expo"])
    return ada, targets, {"security": security, "news": news, "offers": promo}


def cell(cat, target):
    return f"#id_pref-{cat.pk}-{target.pk}"


def test_staff_edit_a_users_grid(
    page, live_server, admin_user, screenshots, django_user_model
):
    ada, targets, cats = consent_world(django_user_model)
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}/admin/auth/user/{ada.pk}/change/")
    grid = page.locator("#na-user-preferences")
    expect(grid).to_be_visible()
    expect(grid.locator(".na-critical")).to_have_text("critical")
    security_email = page.locator(cell(cats["security"], targets["email"]))
    expect(security_email).to_be_checked()
    expect(security_email).to_be_disabled()
    expect(page.locator(cell(cats["offers"], targets["twilio"]))).not_to_be_checked()

    page.locator(cell(cats["news"], targets["twilio"])).uncheck()
    page.locator(cell(cats["offers"], targets["email"])).uncheck()
    page.locator(cell(cats["offers"], targets["twilio"])).check()
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "3 notification preferences changed"
    )
    got = {
        (p.category.key, p.target.notification_module_name): p.enabled
        for p in NotificationPreference.objects.select_related("category", "target")
    }
    assert got == {
        ("news", "twilio"): False,
        ("offers", "email"): False,
        ("offers", "twilio"): True,
    }
    expect(page.locator(cell(cats["news"], targets["twilio"]))).not_to_be_checked()
    page.locator("#na-user-preferences").scroll_into_view_if_needed()
    shoot(page, screenshots, "user-preferences", full_page=False)


def test_a_recipient_unsubscribes_then_sets_every_choice(
    page, live_server, screenshots, django_user_model
):
    ada, targets, cats = consent_world(django_user_model)
    token = unsubscribe_token(ada.pk, "news", targets["email"].pk)
    page.goto(f"{live_server.url}/notify-admin/unsubscribe/{token}/")
    expect(page.locator("#na-unsubscribe-what")).to_contain_text("Product news")
    assert not NotificationPreference.objects.exists()  # the GET changed nothing
    shoot(page, screenshots, "unsubscribe")
    page.locator("#na-unsubscribe-button").click()
    expect(page.locator("#na-unsubscribed")).to_have_text("You are unsubscribed")
    assert NotificationPreference.objects.get().enabled is False

    page.goto(
        f"{live_server.url}/notify-admin/preferences/{preferences_token(ada.pk)}/"
    )
    expect(page.locator("#na-preference-grid thead")).to_contain_text("Email")
    expect(page.locator("#na-preference-grid thead")).not_to_contain_text("Expo")
    expect(page.locator(cell(cats["news"], targets["email"]))).not_to_be_checked()
    expect(page.locator(cell(cats["security"], targets["twilio"]))).to_be_disabled()
    page.locator(cell(cats["offers"], targets["twilio"])).check()
    page.locator(cell(cats["news"], targets["email"])).check()
    page.select_option("#id_time_zone", "Europe/Paris")
    page.fill("#id_quiet_hours_start", "22:00")
    page.fill("#id_quiet_hours_end", "07:30")
    page.locator("#na-save").click()
    expect(page.locator("#na-saved")).to_have_text("Your choices are saved.")
    settings_row = RecipientSettings.objects.get(user=ada)
    assert (settings_row.time_zone, settings_row.quiet_hours_start) == (
        "Europe/Paris",
        dt.time(22),
    )
    assert set(ConsentChange.objects.values_list("via", flat=True)) == {
        "unsubscribe_page",
        "preference_page",
    }
    shoot(page, screenshots, "recipient-preferences")
