"""The engine decides consent when it claims a batch: preferences, the
address's SMS STOP, quiet hours and blackout periods (SQLite and PostgreSQL)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from notify_admin.consent.quiet_hours import QuietHours
from notify_admin.delivery import deliver_due, send_now
from notify_admin.models import (
    BlackoutPeriod,
    DeliveryAttempt,
    DeliveryRun,
    Notification,
    NotificationOptOut,
    NotificationPreference,
)
from tests.support.consent import category, quiet_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_for_consent(make_user, make_record):
    """A due_for_consent notification for a new user (email unless ``module`` says)."""

    def make(module="email", user=None, **kwargs):
        record = make_record(user or make_user(), module)
        kwargs.setdefault(
            "scheduled_delivery", timezone.now() - dt.timedelta(seconds=1)
        )
        return Notification.objects.create(
            user_target=record, title="Hello", body="Body", **kwargs
        )

    return make


def refreshed(notification):
    notification.refresh_from_db()
    return notification


def test_a_preference_turned_off_after_creation_stops_the_send(
    due_for_consent, targets
):
    news = category("news")
    row = due_for_consent(category=news)
    sent_before = due_for_consent(category=news)
    # Turned off after the row was created, before it was delivered.
    NotificationPreference.objects.create(
        user=row.user_target.user, category=news, target=targets["email"], enabled=False
    )
    result = deliver_due()
    assert (result.claimed, result.delivered, result.opted_out) == (2, 1, 1)
    assert [m.to for m in mail.outbox] == [[sent_before.user_target.target_user_id]]
    row = refreshed(row)
    assert (row.status, row.opted_out_reason) == ("OPTED_OUT", "preference")
    assert row.cancelled_at is None and row.attempted_delivery is None
    assert row.claim_token is None
    assert not DeliveryAttempt.objects.filter(notification=row).exists()
    assert DeliveryRun.objects.get().opted_out == 1


def test_preferences_are_per_channel(due_for_consent, make_user, targets):
    news = category("news")
    user = make_user()
    email, sms = (
        due_for_consent(user=user, category=news),
        due_for_consent("twilio", user=user, category=news),
    )
    NotificationPreference.objects.create(
        user=user, category=news, target=targets["twilio"], enabled=False
    )
    deliver_due()
    assert refreshed(sms).opted_out_reason == "preference"
    assert refreshed(email).status == "DELIVERED"


def test_a_category_off_by_default_on_a_channel(due_for_consent, targets, make_user):
    promo = category("promo", off_on=[targets["email"]])
    blocked = due_for_consent(category=promo)
    opted_in = due_for_consent(category=promo)
    NotificationPreference.objects.create(
        user=opted_in.user_target.user,
        category=promo,
        target=targets["email"],
        enabled=True,
    )
    deliver_due()
    assert (refreshed(blocked).status, blocked.opted_out_reason) == (
        "OPTED_OUT",
        "category",
    )
    assert refreshed(opted_in).status == "DELIVERED"


def test_a_critical_category_cannot_be_turned_off(due_for_consent, targets):
    security = category("security", critical=True, off_on=[targets["email"]])
    row = due_for_consent(category=security)
    NotificationPreference.objects.create(
        user=row.user_target.user,
        category=security,
        target=targets["email"],
        enabled=False,
    )
    assert deliver_due().delivered == 1
    assert refreshed(row).status == "DELIVERED"


def test_the_opt_out_stays_the_master_switch_even_for_critical(due_for_consent):
    security = category("security", critical=True)
    row = due_for_consent(category=security)
    # Opted out through a queryset update, as a host's own code might: the
    # claim still sees it.
    NotificationOptOut.objects.bulk_create(
        [NotificationOptOut(user=row.user_target.user, active=True)]
    )
    assert deliver_due().opted_out == 1
    assert (refreshed(row).status, row.opted_out_reason) == ("OPTED_OUT", "opt_out")


def test_saving_an_opt_out_gives_its_reason(due_for_consent):
    row = due_for_consent()
    NotificationOptOut.objects.create(user=row.user_target.user, active=True)
    assert (refreshed(row).status, row.opted_out_reason) == ("OPTED_OUT", "opt_out")


def test_an_address_that_sent_stop_is_opted_out_not_dead(due_for_consent):
    row = due_for_consent("twilio")
    record = row.user_target
    record.active, record.stopped_at = False, timezone.now()
    record.save()
    result = deliver_due()
    assert (result.opted_out, result.inactive) == (1, 0)
    assert (refreshed(row).status, row.opted_out_reason) == ("OPTED_OUT", "channel")
    # An address made inactive for another reason keeps the old outcome.
    other = due_for_consent("twilio")
    other.user_target.active = False
    other.user_target.save()
    assert deliver_due().inactive == 1
    assert refreshed(other).status == "INACTIVE_DEVICE"


def test_send_now_checks_preferences_too(due_for_consent, targets):
    news = category("news")
    row = due_for_consent(
        category=news, scheduled_delivery=timezone.now() + dt.timedelta(days=1)
    )
    NotificationPreference.objects.create(
        user=row.user_target.user, category=news, target=targets["email"], enabled=False
    )
    result = send_now(Notification.objects.filter(pk=row.pk))
    assert (result.opted_out, result.delivered) == (1, 0)
    assert not mail.outbox


# -- quiet hours and blackout periods ------------------------------------------------


def test_quiet_hours_defer_a_row_without_spending_a_retry(due_for_consent):
    row = due_for_consent(
        status="RETRY", retry_attempts=2, attempted_delivery=timezone.now()
    )
    settings_row = quiet_now(row.user_target.user, "Europe/Paris")
    result = deliver_due()
    assert (result.claimed, result.deferred, result.delivered) == (1, 1, 0)
    assert "deferred=1" in result.summary()
    assert not mail.outbox
    row = refreshed(row)
    assert (row.status, row.retry_attempts) == ("RETRY", 2)
    assert row.deferral_reason == "quiet_hours"
    assert row.deferred_until == row.scheduled_delivery > timezone.now()
    assert row.claim_token is None
    end = row.deferred_until.astimezone(ZoneInfo(settings_row.time_zone))
    assert end.time() == settings_row.quiet_hours_end
    assert not DeliveryAttempt.objects.exists()
    assert DeliveryRun.objects.get().deferred == 1
    # Not due_for_consent again until then: the next run leaves it.
    assert deliver_due().claimed == 0


def test_a_deferred_row_goes_once_its_window_is_over(due_for_consent):
    row = due_for_consent()
    quiet_now(row.user_target.user)
    deliver_due()
    row = refreshed(row)
    later = row.deferred_until + dt.timedelta(seconds=1)
    # A run after the window (its cut-off then; the window itself is taken
    # away, as the clock of this test cannot move).
    row.user_target.user.notification_settings.delete()
    assert deliver_due(now=later).delivered == 1
    assert refreshed(row).status == "DELIVERED"


def test_critical_categories_ignore_quiet_hours_and_blackouts(due_for_consent):
    security = category("security", critical=True)
    row = due_for_consent(category=security)
    quiet_now(row.user_target.user)
    today = timezone.now().date()
    BlackoutPeriod.objects.create(
        name="Freeze",
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=1),
    )
    assert deliver_due().delivered == 1


def test_a_blackout_period_holds_non_critical_rows(due_for_consent):
    row = due_for_consent()
    today = timezone.now().date()
    BlackoutPeriod.objects.create(
        name="Release freeze",
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=1),
    )
    assert deliver_due().deferred == 1
    row = refreshed(row)
    assert row.deferral_reason == "blackout"
    # UTC is the site's time zone here: midnight after the last day.
    assert row.deferred_until == dt.datetime.combine(
        today + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC
    )


def test_the_site_default_quiet_hours(due_for_consent, settings):
    row = due_for_consent()
    now = timezone.now().astimezone(dt.UTC)
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS = {
        "time_zone": "UTC",
        "start": (now - dt.timedelta(hours=1)).strftime("%H:%M"),
        "end": (now + dt.timedelta(hours=1)).strftime("%H:%M"),
    }
    other = due_for_consent()
    # A user whose own row says "no quiet hours" (same start and end).
    from notify_admin.models import RecipientSettings

    RecipientSettings.objects.create(
        user=other.user_target.user,
        quiet_hours_start=dt.time(3),
        quiet_hours_end=dt.time(3),
    )
    result = deliver_due()
    assert (result.deferred, result.delivered) == (1, 1)
    assert refreshed(row).deferral_reason == "quiet_hours"
    assert refreshed(other).status == "DELIVERED"


HOOK_CALLS = []


def hook(user_ids):
    """A host project's hook: everyone in Tokyo, quiet all day but a minute."""
    HOOK_CALLS.append(list(user_ids))
    from zoneinfo import ZoneInfo

    now = timezone.now().astimezone(ZoneInfo("Asia/Tokyo"))
    start = (now + dt.timedelta(minutes=2)).time().replace(second=0, microsecond=0)
    end = (now + dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    return {
        user_id: QuietHours(ZoneInfo("Asia/Tokyo"), start, end) for user_id in user_ids
    }


def test_the_quiet_hours_hook(due_for_consent, settings):
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK = f"{__name__}.hook"
    HOOK_CALLS.clear()
    rows = [due_for_consent() for _ in range(3)]
    assert deliver_due().deferred == 3
    # One call for the batch, with every user.
    assert len(HOOK_CALLS) == 1 and len(HOOK_CALLS[0]) == 3
    for row in rows:
        assert refreshed(row).deferred_until - timezone.now() < dt.timedelta(minutes=2)


def broken_hook(user_ids):
    raise RuntimeError("the host's user service is down")


def test_a_failing_hook_falls_back_to_the_site_default(
    due_for_consent, settings, caplog
):
    settings.NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK = f"{__name__}.broken_hook"
    due_for_consent()
    assert deliver_due().delivered == 1
    assert "NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK failed" in caplog.text


def test_the_category_table_is_kept_a_few_seconds(due_for_consent, targets, settings):
    """Another process's change to a category (here an UPDATE, which sends no
    signal) is seen once the kept copy is older than
    NOTIFICATION_SYSTEM_CONSENT_CACHE_SECONDS; this process's own saves are
    seen at once. Preferences are never kept."""
    from notify_admin.consent import snapshot
    from notify_admin.models import NotificationCategory

    promo = category("promo")
    first = due_for_consent(category=promo)
    assert deliver_due().delivered == 1  # the rules are now kept
    NotificationCategory.off_by_default.through.objects.bulk_create(
        [
            NotificationCategory.off_by_default.through(
                notificationcategory=promo, notificationtarget=targets["email"]
            )
        ]
    )
    second = due_for_consent(category=promo)
    assert deliver_due().delivered == 1  # not seen yet: the kept copy holds
    snapshot._kept.update(
        {key: (0, value) for key, (_at, value) in snapshot._kept.items()}
    )  # ... until it is older than the setting says
    third = due_for_consent(category=promo)
    assert deliver_due().opted_out == 1
    assert refreshed(third).opted_out_reason == "category"
    # A save in this process is seen at once.
    promo.off_by_default.clear()
    fourth = due_for_consent(category=promo)
    assert deliver_due().delivered == 1
    assert {refreshed(n).status for n in (first, second, fourth)} == {"DELIVERED"}
    # 0: read for every batch.
    settings.NOTIFICATION_SYSTEM_CONSENT_CACHE_SECONDS = 0
    NotificationCategory.objects.filter(pk=promo.pk).update(critical=True)
    NotificationPreference.objects.create(
        user=due_for_consent(category=promo).user_target.user,
        category=promo,
        target=targets["email"],
        enabled=False,
    )
    assert deliver_due().delivered == 1  # critical: sent whatever was chosen
