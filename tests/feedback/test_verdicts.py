"""The verdict rules, without a database: provider words -> verdicts, and the
forward-only transitions."""

import datetime

import pytest

from notify_admin.channels.expo import receipt_verdict as expo_verdict
from notify_admin.feedback import verdicts as v
from notify_admin.feedback.email import email_verdict
from notify_admin.feedback.recording import Pending, plan
from notify_admin.feedback.twilio import status_verdict as twilio_verdict

AT = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        ("queued", "", v.PROGRESS),
        ("sent", "", v.PROGRESS),
        ("delivered", "", v.CONFIRMED),
        ("undelivered", "30003", v.TRANSIENT),
        ("undelivered", "30005", v.DEAD),
        ("failed", "30006", v.DEAD),
        ("failed", "21610", v.DEAD),
        ("undelivered", "30007", v.FAILED),
        ("receiving", "", v.NOTHING),
        ("", "", v.NOTHING),
    ],
)
def test_twilio_words(status, code, kind):
    assert twilio_verdict(status, code).kind == kind


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        ("ok", None, v.CONFIRMED),
        ("error", "DeviceNotRegistered", v.DEAD),
        ("error", "MessageRateExceeded", v.TRANSIENT),
        ("error", "MessageTooBig", v.FAILED),
        ("error", "InvalidCredentials", v.FAILED),
        ("error", None, v.FAILED),
    ],
)
def test_expo_receipts(status, error, kind):
    details = {"error": error} if error else None
    assert expo_verdict(status, "", details).kind == kind


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ("delivered", v.CONFIRMED),
        ("bounced", v.DEAD),
        ("rejected", v.DEAD),
        ("complained", v.COMPLAINED),
        ("deferred", v.NOTHING),
        ("opened", v.NOTHING),
        ("failed", v.FAILED),
    ],
)
def test_anymail_events(event, kind):
    assert email_verdict(event).kind == kind


def test_forward_only():
    delivered = twilio_verdict("delivered")
    sent = twilio_verdict("sent")
    failed = twilio_verdict("undelivered", "30006")
    assert v.takes("", sent) and v.takes("sent", delivered)
    assert not v.takes("delivered", sent)
    assert not v.takes("delivered", delivered)
    assert v.takes("delivered", failed) and not v.takes("undelivered", delivered)
    assert v.takes("bounced", email_verdict("complained"))
    assert not v.takes("", email_verdict("deferred"))


def state(status="DELIVERED", attempted=AT, retries=0, max_retries=3):
    return v.NotificationState(status, attempted, AT, retries, max_retries)


def test_only_the_delivering_attempt_moves_a_delivered_notification():
    dead = expo_verdict("error", "", {"error": "DeviceNotRegistered"})
    assert v.new_status(state(), dead) == "INACTIVE_DEVICE"
    later = AT + datetime.timedelta(minutes=5)
    assert v.new_status(state(attempted=later), dead) is None
    assert v.new_status(state(status="SCHEDULED", attempted=None), dead) is None
    assert v.new_status(state(status="OPTED_OUT"), dead) is None
    assert v.new_status(state(), expo_verdict("ok")) is None


def test_transient_retries_while_retries_remain():
    transient = twilio_verdict("undelivered", "30003")
    assert v.new_status(state(retries=2), transient) == "RETRY"
    assert v.new_status(state(retries=3), transient) == "DELIVERY_FAILURE"


def test_plan_counts_replays_and_writes_history_for_changes_only():
    def pending(pk, provider_status=""):
        return Pending(pk, f"id{pk}", provider_status, pk, pk, True, 0, state())

    dead = expo_verdict("error", "", {"error": "DeviceNotRegistered"})
    work = plan(
        [
            (pending(1), expo_verdict("ok")),
            (pending(2), dead),
            (pending(3, "error"), dead),
        ]
    )
    assert work.counts == {"confirmed": 1, "dead": 1, "unchanged": 1}
    assert list(work.statuses) == ["INACTIVE_DEVICE"]
    assert list(work.records) == [2]
    assert [p.attempt_id for p, *_rest in work.events] == [2]
