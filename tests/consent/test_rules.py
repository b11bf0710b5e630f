"""Preference resolution: the pure rule, and the same rule as the claim's SQL."""

import itertools

import pytest

from notify_admin.consent.rules import is_enabled, preference_block
from notify_admin.models import (
    Notification,
    NotificationCategory,
    NotificationPreference,
)


@pytest.mark.parametrize(
    ("critical", "choice", "off_by_default", "expected"),
    [
        # Critical: sent whatever the user chose or the category's default.
        (True, False, False, ""),
        (True, False, True, ""),
        (True, None, True, ""),
        # The user's own choice wins over the category's default.
        (False, False, False, "preference"),
        (False, False, True, "preference"),
        (False, True, True, ""),
        # No choice: the category's default for the channel.
        (False, None, True, "category"),
        (False, None, False, ""),
    ],
)
def test_preference_block(critical, choice, off_by_default, expected):
    assert (
        preference_block(
            critical=critical, choice=choice, off_by_default=off_by_default
        )
        == expected
    )
    assert is_enabled(
        critical=critical, choice=choice, off_by_default=off_by_default
    ) is (expected == "")


CASES = list(itertools.product([False, True], [None, False, True], [False, True]))


@pytest.mark.django_db
def test_the_claims_sql_agrees_with_the_rule_on_every_case(
    make_user, make_record, targets
):
    """One row per case (critical x choice x default, on email, with an SMS
    row beside each to show choices are per channel): the annotation the
    claim reads gives exactly what the pure function gives."""
    expected, sms_rows = {}, {}
    for n, (critical, choice, off) in enumerate(CASES):
        category = NotificationCategory.objects.create(
            key=f"c{n}", name=f"C{n}", critical=critical
        )
        if off:
            category.off_by_default.add(targets["email"])
        user = make_user()
        email = make_record(user, "email")
        sms = make_record(user, "twilio")
        if choice is not None:
            NotificationPreference.objects.create(
                user=user, category=category, target=targets["email"], enabled=choice
            )
        row = Notification.objects.create(
            user_target=email, title="t", body="b", category=category
        )
        expected[row.pk] = preference_block(
            critical=critical, choice=choice, off_by_default=off
        )
        other = Notification.objects.create(
            user_target=sms, title="t", body="b", category=category
        )
        # Nothing set for SMS: on, whatever was chosen for email.
        sms_rows[other.pk] = ""
    got = dict(Notification.objects.with_consent().values_list("pk", "consent_block"))
    assert {pk: got[pk] for pk in expected} == expected
    assert {pk: got[pk] for pk in sms_rows} == sms_rows
    # Both kinds of block occur, so the comparison above means something.
    assert {"", "preference", "category"} <= set(expected.values())


@pytest.mark.django_db
def test_an_uncategorised_row_follows_the_default_category(
    make_user, make_record, targets, settings
):
    general = NotificationCategory.objects.get(key="general")
    user = make_user()
    row = Notification.objects.create(
        user_target=make_record(user), title="t", body="b"
    )
    rows = Notification.objects.filter(pk=row.pk).with_consent()
    assert rows.get().consent_category_id == general.pk
    assert rows.get().consent_block == ""
    NotificationPreference.objects.create(
        user=user, category=general, target=targets["email"], enabled=False
    )
    assert rows.get().consent_block == "preference"
    # Another default category named in the settings: its own rules.
    settings.NOTIFICATION_SYSTEM_DEFAULT_CATEGORY = "news"
    news = NotificationCategory.objects.create(key="news", name="News")
    news.off_by_default.add(targets["email"])
    rows = Notification.objects.filter(pk=row.pk).with_consent()
    assert (rows.get().consent_category_id, rows.get().consent_block) == (
        news.pk,
        "category",
    )
    # A default category that does not exist: nothing blocks the row.
    settings.NOTIFICATION_SYSTEM_DEFAULT_CATEGORY = "missing"
    rows = Notification.objects.filter(pk=row.pk).with_consent()
    assert (rows.get().consent_category_id, rows.get().consent_block) == (None, "")


def run_checks(databases=None):
    from django.core import checks

    return {
        message.id: message.msg
        for message in checks.run_checks(databases=databases)
        if message.id.startswith("notify_admin.E05")
        or message.id.startswith("notify_admin.W05")
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("22:00-07:00", "must be a dict"),
        ({"start": "22:00"}, 'needs both "start" and "end"'),
        (
            {"start": "25:00", "end": "07:00"},
            'NOTIFICATION_SYSTEM_QUIET_HOURS["start"]',
        ),
        ({"time_zone": "Mars/Olympus"}, 'NOTIFICATION_SYSTEM_QUIET_HOURS["time_zone"]'),
        ({"timezone": "UTC"}, "must be a dict with the keys"),
    ],
)
def test_a_broken_quiet_hours_setting_is_a_check_error(settings, value, words):
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS = value
    found = run_checks()
    assert words in found["notify_admin.E050"]


@pytest.mark.django_db
def test_a_broken_hook_is_a_check_error(settings):
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK = "nowhere.at.all"
    assert "cannot import 'nowhere.at.all'" in run_checks()["notify_admin.E051"]
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK = "django.conf.settings"
    assert "is not callable" in run_checks()["notify_admin.E051"]
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS = {
        "time_zone": "Europe/Paris",
        "start": "21:00",
        "end": "08:00",
    }
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK = None
    assert run_checks() == {}


@pytest.mark.django_db
def test_a_missing_default_category_is_a_warning(settings):
    assert run_checks(databases=["default"]) == {}
    settings.NOTIFICATION_SYSTEM_DEFAULT_CATEGORY = "misc"
    assert "'misc'" in run_checks(databases=["default"])["notify_admin.W050"]
