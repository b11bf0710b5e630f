"""Pausing and resuming a target (notify_admin.delivery.pauses)."""

import pytest
from django.core import mail
from django.utils import timezone

from notify_admin.delivery import claims, deliver_due, plan_due, send_now
from notify_admin.delivery.pauses import (
    pause_target,
    paused_target_ids,
    resume_target,
)
from notify_admin.models import Notification, TargetPause

pytestmark = pytest.mark.django_db


def test_pause_is_idempotent_and_keeps_the_first_reason(targets, make_staff):
    staff = make_staff()
    email = targets["email"]
    pause = pause_target(email, reason="wrong message going out", by=staff)
    assert pause is not None
    assert (pause.source, pause.paused_by, pause.reason) == (
        TargetPause.STAFF,
        staff,
        "wrong message going out",
    )
    again = pause_target(email, reason="other", source=TargetPause.CREDENTIALS)
    assert again is None
    kept = TargetPause.objects.get()
    assert (kept.reason, kept.source) == ("wrong message going out", "staff")
    assert paused_target_ids() == {email.pk}


def test_resume_says_whether_the_target_was_paused(targets):
    twilio = targets["twilio"]
    assert resume_target(twilio) is False
    pause_target(twilio.pk, reason="20003", source=TargetPause.CREDENTIALS)
    assert paused_target_ids() == {twilio.pk}
    assert resume_target(twilio) is True
    assert paused_target_ids() == set()
    assert resume_target(twilio) is False


# -- what a pause does to the runs ---------------------------------------------


def untouched(notification, status=Notification.SCHEDULED, retries=0):
    before = notification.scheduled_delivery
    notification.refresh_from_db()
    assert (notification.status, notification.retry_attempts) == (status, retries)
    assert notification.scheduled_delivery == before
    assert notification.claim_token is None and notification.claimed_until is None
    assert not notification.attempts.exists()
    return True


def test_runs_leave_a_paused_targets_rows_as_they_are(due, targets, fake_expo):
    emails = [due() for _ in range(3)]
    retry = due(
        status=Notification.RETRY, retry_attempts=2, attempted_delivery=timezone.now()
    )
    other = due("expo")
    pause_target(targets["email"], reason="wrong message going out")
    result = deliver_due(batch_size=2)
    # Not even claimed: nothing spent, nothing counted against the rows.
    assert result.claimed == 1  # the push row
    assert mail.outbox == []
    assert all(untouched(n) for n in emails)
    assert untouched(retry, Notification.RETRY, retries=2)
    other.refresh_from_db()
    assert other.status == Notification.DELIVERED
    # A dry run and the plan agree.
    assert deliver_due(dry_run=True).claimed == 0
    assert list(plan_due()) == []
    assert resume_target(targets["email"])
    assert deliver_due().delivered == 4
    assert len(mail.outbox) == 4
    assert len(fake_expo.messages) == 1


def test_send_now_counts_the_rows_of_paused_targets(due, targets, fake_expo):
    email, push = due(), due("expo")
    pause_target(targets["email"])
    result = send_now(Notification.objects.filter(pk__in=[email.pk, push.pk]))
    assert (result.paused, result.skipped) == (1, 0)
    assert "paused=1" in result.summary()
    assert untouched(email)
    assert mail.outbox == []


def test_a_pause_between_claim_and_send_holds_the_batch(due, targets, monkeypatch):
    """Staff pause while a run has the rows claimed: the batch is checked
    again just before it goes to its channel, and goes back untouched."""
    rows = [due() for _ in range(3)]
    real_claim = claims.claim_due

    def claim_then_pause(*args, **kwargs):
        claimed = real_claim(*args, **kwargs)
        if claimed[1]:
            pause_target(targets["email"], reason="paused mid-run")
        return claimed

    monkeypatch.setattr(claims, "claim_due", claim_then_pause)
    result = deliver_due()
    assert (result.claimed, result.paused, result.delivered) == (3, 3, 0)
    assert mail.outbox == []
    assert all(untouched(n) for n in rows)
