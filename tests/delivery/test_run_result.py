"""RunResult: changed only through its methods, and added up in one place."""

import pytest

from notify_admin.delivery import RunResult


def test_add_counts_and_refuses_what_is_not_a_counter():
    result = RunResult()
    result.add({"delivered": 3, "retried": 1}, claimed=4)
    result.add(delivered=2)
    assert (result.claimed, result.delivered, result.retried) == (4, 5, 1)
    with pytest.raises(KeyError, match="seconds"):
        result.add(seconds=1.0)
    assert result.run_counts()["delivered"] == 5


def test_total_adds_the_counters_and_keeps_the_longest_time():
    first = RunResult(claimed=2, delivered=2, seconds=1.5)
    second = RunResult(claimed=3, failed=1, skipped=2, not_configured=1, seconds=4.0)
    total = RunResult.total([first, second])
    assert (total.claimed, total.delivered, total.failed) == (5, 2, 1)
    assert (total.skipped, total.not_configured, total.seconds) == (2, 1, 4.0)
    assert total.run_id is None
    assert RunResult.total([]).summary().startswith("delivered=0 ")


def test_a_run_starts_and_finishes_its_result():
    result = RunResult()
    result.started(7)
    result.add(not_configured=2)
    result.finished(2.5, {"twilio": ["x"]})
    assert (result.run_id, result.seconds, result.not_configured) == (7, 2.5, 2)
    result.finished(3.0, {}, not_configured=5)
    assert result.not_configured == 5 and result.missing_settings == {}
