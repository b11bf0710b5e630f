"""The circuit breaker: a provider outage costs at most the threshold plus
what was in flight, the rest goes back untouched, and the next runs back off
and probe (through the real SDKs against failing fakes)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.delivery import deliver_due, send_now
from notify_admin.models import Notification, TargetBackoff
from tests.support.provider_settings import merge_targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage_sms(due, fake_twilio, settings):
    """``sms(n)``: n due SMS rows; one request at a time unless changed."""
    merge_targets(settings, "twilio_sms", {"concurrency": 1})

    def make(n):
        return [due("twilio") for _ in range(n)]

    return make


def statuses(rows):
    found = {}
    for row in rows:
        row.refresh_from_db()
        found[row.status] = found.get(row.status, 0) + 1
    return found


def spent(rows):
    """Rows whose retry was spent (an attempt was recorded)."""
    return sum(row.attempts.count() for row in rows)


def expire_backoff():
    TargetBackoff.objects.update(not_before=timezone.now() - timedelta(seconds=1))


def test_an_outage_spends_the_threshold_and_holds_the_rest(
    outage_sms, fake_twilio, settings
):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 5
    rows = outage_sms(30)
    fake_twilio.fail_status = 503
    result = deliver_due(batch_size=10)
    assert (result.retried, result.delivered) == (5, 0)
    # The rest of the batches claimed by then go back untouched; the run
    # claims nothing more of the target.
    assert result.held == result.claimed - 5 and result.claimed < 30
    assert f"held={result.held}" in result.summary()
    assert statuses(rows) == {Notification.RETRY: 5, Notification.SCHEDULED: 25}
    assert spent(rows) == 5
    assert fake_twilio.requests == 5
    backoff = TargetBackoff.objects.get()
    assert (backoff.kind, backoff.trips) == (TargetBackoff.BREAKER, 1)
    assert "5 failures in a row" in backoff.reason and "503" in backoff.reason
    wait = (backoff.not_before - timezone.now()).total_seconds()
    assert 25 < wait <= 30
    # Backing off: the next runs claim none of its rows.
    assert deliver_due().claimed == 0
    assert fake_twilio.requests == 5


def test_in_flight_requests_may_still_fail(outage_sms, fake_twilio, settings):
    """Pipelined: 8 requests in flight when the breaker opens; the bound is
    the threshold plus what was in flight."""
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 5
    merge_targets(settings, "twilio_sms", {"concurrency": 8})
    rows = outage_sms(60)
    fake_twilio.fail_status = 503
    fake_twilio.latency = 0.05
    result = deliver_due()
    assert 5 <= result.retried <= 5 + 8
    assert result.retried + result.held == 60
    assert spent(rows) == result.retried


def test_after_the_back_off_one_probe_then_longer_or_back_to_work(
    outage_sms, fake_twilio, settings
):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 3
    rows = outage_sms(12)
    fake_twilio.fail_status = 503
    assert deliver_due().retried == 3
    # Still down at the first probe: one row spent, the back-off doubles.
    expire_backoff()
    result = deliver_due()
    assert (result.retried, result.delivered) == (1, 0)
    backoff = TargetBackoff.objects.get()
    assert backoff.trips == 2
    wait = (backoff.not_before - timezone.now()).total_seconds()
    assert 55 < wait <= 60
    # Up again: the probe is answered, the breaker closes, the run sends on.
    fake_twilio.fail_status = None
    expire_backoff()
    result = deliver_due()
    assert result.delivered == 12
    assert not TargetBackoff.objects.exists()
    assert statuses(rows) == {Notification.DELIVERED: 12}
    assert spent(rows) == 12 + 4


def test_answers_between_failures_reset_the_count(outage_sms, fake_twilio, settings):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 5
    outage_sms(20)
    fake_twilio.fail_status = 503
    fake_twilio.fail_next = 4  # four failures, then answers
    result = deliver_due()
    assert (result.retried, result.delivered, result.held) == (4, 16, 0)
    assert not TargetBackoff.objects.exists()


def test_time_outs_trip_it_too(outage_sms, fake_twilio, settings):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 2
    outage_sms(5)
    fake_twilio.hang = 1.5  # the client's time-out is 1 s
    result = deliver_due()
    assert (result.retried, result.held) == (2, 3)
    assert "TwilioTimeout" in TargetBackoff.objects.get().reason


def test_the_target_setting_wins_and_zero_turns_it_off(
    outage_sms, fake_twilio, settings
):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 2
    merge_targets(settings, "twilio_sms", {"breaker_threshold": 0})
    outage_sms(6)
    fake_twilio.fail_status = 503
    assert deliver_due().retried == 6
    assert not TargetBackoff.objects.exists()


def test_a_failed_request_of_many_messages_is_one_failure(due, fake_expo, settings):
    """Expo takes 100 messages a request: one 503 is one failure."""
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 2
    rows = [due("expo") for _ in range(350)]
    fake_expo.fail_status = 503
    result = deliver_due()
    assert (result.retried, result.held) == (200, 150)
    assert fake_expo.requests == 2
    assert spent(rows) == 200


def test_an_smtp_server_down_trips_the_email_breaker(due, fake_smtp, settings):
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 3
    merge_targets(settings, "email", {"concurrency": 1})
    rows = [due() for _ in range(10)]
    fake_smtp.stop()
    result = deliver_due()
    assert (result.retried, result.held) == (3, 7)
    assert spent(rows) == 3


def test_send_now_tries_a_backing_off_target_at_once(outage_sms, fake_twilio, settings):
    """Staff asked for these rows: no probe first, the run's own breaker
    still watches."""
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 3
    rows = outage_sms(6)
    fake_twilio.fail_status = 503
    assert deliver_due().retried == 3
    fake_twilio.fail_status = None
    assert TargetBackoff.objects.exists()  # cron runs keep away for now
    result = send_now(Notification.objects.filter(pk__in=[r.pk for r in rows]))
    assert (result.delivered, result.held) == (6, 0)
    assert not TargetBackoff.objects.exists()  # it answered: no more back-off
