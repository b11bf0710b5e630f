"""Outcome policy as pure functions: no database, plain objects in."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from notify_admin.channels.outcome import Outcome
from notify_admin.delivery.outcomes import final_status, plan_batch, retry_at

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
# The run started a little before it recorded.
CUTOFF = NOW - timedelta(seconds=1)


def row(pk, *, tries=0, max_retries=3, interval=0, active=True, record=None):
    return SimpleNamespace(
        pk=pk,
        retry_attempts=tries,
        max_retries=max_retries,
        retry_time_interval=interval,
        user_target_id=record or f"record-{pk}",
        user_target=SimpleNamespace(active=active, target_user_id=f"addr-{pk}"),
    )


def test_final_status_per_kind():
    assert final_status(row(1), Outcome.sent("id")) == "DELIVERED"
    assert final_status(row(1), Outcome.permanent("x")) == "DELIVERY_FAILURE"
    assert final_status(row(1), Outcome.dead_address("x")) == "INACTIVE_DEVICE"
    assert final_status(row(1, tries=2), Outcome.transient("x")) == "RETRY"
    # The last try spent: a transient answer fails the row.
    assert final_status(row(1, tries=3), Outcome.transient("x")) == "DELIVERY_FAILURE"


def test_retry_at_backs_off_and_stays_after_the_cutoff():
    cutoff = NOW + timedelta(seconds=5)
    assert retry_at(row(1, interval=10, tries=2), NOW, CUTOFF, backoff=2) == NOW + (
        timedelta(seconds=40)
    )
    # No interval: strictly after the run's cut-off, so this run never
    # retries a row it has just tried.
    assert retry_at(row(1), NOW, cutoff) > cutoff


def test_plan_groups_a_mixed_batch():
    rows = [row(1), row(2, interval=60), row(3, interval=60), row(4), row(5)]
    outcomes = {
        1: Outcome.sent("sid-1"),
        2: Outcome.transient("503", "busy"),
        3: Outcome.transient("503", "busy"),
        4: Outcome.dead_address("21211", "invalid number", {"code": 21211}),
        5: Outcome.permanent("21606", "bad sender"),
    }
    plan = plan_batch(rows, outcomes, now=NOW, cutoff=CUTOFF)
    assert dict(plan.by_status) == {
        "DELIVERED": [1],
        "INACTIVE_DEVICE": [4],
        "DELIVERY_FAILURE": [5],
    }
    assert dict(plan.retries) == {NOW + timedelta(seconds=60): [2, 3]}
    # The record keeps why it went inactive (recording sets the time).
    assert plan.dead_records == {"record-4": "Dead address: (21211). invalid number"}
    assert dict(plan.counts) == {
        "delivered": 1,
        "retried": 2,
        "inactive": 1,
        "failed": 1,
    }
    assert plan.attempts[3] == (
        4,
        "INACTIVE_DEVICE",
        "addr-4",
        "",
        "21211",
        "invalid number",
        {"code": 21211},
    )


def test_an_inactive_record_is_not_retired_twice():
    plan = plan_batch(
        [row(1, active=False)],
        {1: Outcome.dead_address("inactive_record")},
        now=NOW,
        cutoff=NOW,
    )
    assert plan.dead_records == {} and dict(plan.by_status) == {"INACTIVE_DEVICE": [1]}
