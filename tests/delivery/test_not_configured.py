"""A provider that is not configured is a configuration error, not a delivery
failure: its rows are released untouched (no attempt, no retry spent), the
run counts them and names the missing setting, and the admin can ask first."""

import pytest
from django.core import mail
from django.utils import timezone

from notify_admin.channels import get_channel
from notify_admin.delivery import deliver_due, not_configured_targets, send_now
from notify_admin.models import DeliveryAttempt, Notification, NotificationTarget

pytestmark = pytest.mark.django_db

MISSING_SID = 'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["account_sid"]'


def untouched(notification, status=Notification.SCHEDULED):
    before = notification.scheduled_delivery
    notification.refresh_from_db()
    assert notification.status == status
    assert notification.retry_attempts == 0
    assert notification.scheduled_delivery == before
    assert notification.claim_token is None and notification.claimed_until is None
    assert not notification.attempts.exists()
    return True


def test_rows_of_an_unconfigured_provider_wait_untouched(due, no_twilio):
    sms = [due("twilio") for _ in range(3)]
    emails = [due() for _ in range(2)]
    # Small batches: the run must stop claiming the SMS rows once it knows,
    # not claim and release them for ever.
    result = deliver_due(batch_size=1)
    assert (result.delivered, result.retried, result.failed) == (2, 0, 0)
    assert result.not_configured == 3
    assert result.missing_settings == {
        "twilio": [
            MISSING_SID,
            'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["auth_token"]',
        ]
    }
    assert "not_configured=3" in result.summary()
    assert all(untouched(n) for n in sms)
    assert len(mail.outbox) == 2
    assert DeliveryAttempt.objects.filter(notification__in=emails).count() == 2
    # A RETRY row keeps its retry count too; the next run says the same.
    Notification.objects.filter(pk=sms[0].pk).update(
        status=Notification.RETRY,
        retry_attempts=1,
        attempted_delivery=timezone.now(),
    )
    assert deliver_due().not_configured == 3
    sms[0].refresh_from_db()
    assert (sms[0].status, sms[0].retry_attempts) == (Notification.RETRY, 1)


def test_send_now_counts_what_it_could_not_send(due, no_twilio):
    sms, email = due("twilio"), due()
    result = send_now(Notification.objects.filter(pk__in=[sms.pk, email.pk]))
    assert (result.delivered, result.not_configured, result.skipped) == (1, 1, 0)
    assert untouched(sms)
    assert result.missing_settings["twilio"][0] == MISSING_SID


def test_a_failed_row_sent_again_stays_failed_until_configured(due, no_twilio):
    failed = due(
        "twilio",
        status=Notification.DELIVERY_FAILURE,
        attempted_delivery=timezone.now(),
    )
    result = send_now(Notification.objects.filter(pk=failed.pk))
    assert result.not_configured == 1
    assert untouched(failed, Notification.DELIVERY_FAILURE)


def test_not_configured_targets_for_the_admin(due, no_twilio, targets):
    sms, email = due("twilio"), due()
    selected = Notification.objects.filter(pk__in=[sms.pk, email.pk])
    found = not_configured_targets(selected)
    assert list(found) == [targets["twilio"]]
    assert found[targets["twilio"]][0] == MISSING_SID
    assert not_configured_targets(Notification.objects.filter(pk=email.pk)) == {}
    # Without a queryset: every target.
    assert list(not_configured_targets()) == [targets["twilio"]]


def test_configured_providers_are_not_listed(due):
    due("twilio")
    assert not_configured_targets(Notification.objects.all()) == {}
    assert get_channel("twilio").missing_settings() == []


def test_an_unknown_channel_is_not_a_configuration_error():
    NotificationTarget.objects.create(name="Fax", notification_module_name="fax")
    assert not_configured_targets() == {}


def test_constructor_settings_win_over_the_settings_module(no_twilio):
    from notify_admin.channels.twilio import TwilioChannel

    channel = TwilioChannel(account_sid="AC" + "1" * 32, auth_token="token")
    assert channel.missing_settings() == []
    assert channel.settings["sender"] == "+14155550100"
