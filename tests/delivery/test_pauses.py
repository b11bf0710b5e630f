"""Pausing and resuming a target (notify_admin.delivery.pauses)."""

import pytest

from notify_admin.delivery.pauses import (
    pause_target,
    paused_target_ids,
    resume_target,
)
from notify_admin.models import TargetPause

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
