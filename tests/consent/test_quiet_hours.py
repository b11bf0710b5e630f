"""Quiet hours and blackout days on the recipient's own clock (pure functions).

Dates are of 2026: Europe/Paris changes on 29 March and 25 October,
America/New_York on 8 March and 1 November, Australia/Sydney on 4 April
(back) and 4 October (forward).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from notify_admin.consent.quiet_hours import (
    QuietHours,
    in_window,
    next_allowed,
    quiet_hours_end,
    wall_instants,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def local(tz, *args, fold=0):
    return dt.datetime(*args, tzinfo=tz, fold=fold).astimezone(UTC)


def night(tz, start="22:00", end="07:00"):
    return QuietHours(tz, dt.time.fromisoformat(start), dt.time.fromisoformat(end))


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        ("21:59", False),
        ("22:00", True),
        ("23:59", True),
        ("00:00", True),
        ("06:59", True),
        ("07:00", False),
        ("12:00", False),
    ],
)
def test_a_window_across_midnight(wall, inside):
    assert in_window(dt.time.fromisoformat(wall), dt.time(22), dt.time(7)) is inside


def test_a_day_window():
    assert in_window(dt.time(13), dt.time(12), dt.time(14))
    assert not in_window(dt.time(23), dt.time(12), dt.time(14))


def test_late_evening_waits_for_the_next_morning():
    now = local(PARIS, 2026, 6, 10, 23, 30)
    assert quiet_hours_end(now, night(PARIS)) == local(PARIS, 2026, 6, 11, 7, 0)


def test_early_morning_waits_for_the_same_morning():
    now = local(PARIS, 2026, 6, 11, 5, 0)
    assert quiet_hours_end(now, night(PARIS)) == local(PARIS, 2026, 6, 11, 7, 0)


def test_outside_the_window_goes_at_once():
    assert quiet_hours_end(local(PARIS, 2026, 6, 11, 7, 0), night(PARIS)) is None
    assert quiet_hours_end(local(PARIS, 2026, 6, 11, 21, 59), night(PARIS)) is None
    assert next_allowed(local(PARIS, 2026, 6, 11, 12, 0), night(PARIS)) == (None, "")


def test_no_window_never_holds():
    assert quiet_hours_end(utc(2026, 1, 1, 3), QuietHours(PARIS)) is None
    same = QuietHours(PARIS, dt.time(8), dt.time(8))
    assert quiet_hours_end(utc(2026, 1, 1, 7), same) is None


def test_one_instant_in_two_time_zones():
    """21:30 UTC in June: 23:30 in Paris (quiet until 07:00 Paris = 05:00
    UTC), 17:30 in New York (not quiet), 03:00 in Kolkata (quiet until
    07:00 Kolkata = 01:30 UTC, a half-hour offset)."""
    now = utc(2026, 6, 10, 21, 30)
    assert quiet_hours_end(now, night(PARIS)) == utc(2026, 6, 11, 5, 0)
    assert quiet_hours_end(now, night(NEW_YORK)) is None
    assert quiet_hours_end(now, night(KOLKATA)) == utc(2026, 6, 11, 1, 30)
    # Later the same UTC evening New York's night starts (22:00 EDT = 02:00 UTC).
    later = utc(2026, 6, 11, 2, 0)
    assert quiet_hours_end(later, night(NEW_YORK)) == utc(2026, 6, 11, 11, 0)


# -- the night the clocks go forward -------------------------------------------


def test_spring_forward_night_is_an_hour_shorter_in_paris():
    """29 March 2026: 02:00 CET becomes 03:00 CEST. 01:30 CET (00:30 UTC) is
    quiet until 07:00 CEST, which is 05:00 UTC, not 06:00."""
    now = utc(2026, 3, 29, 0, 30)
    assert quiet_hours_end(now, night(PARIS)) == utc(2026, 3, 29, 5, 0)


def test_spring_forward_window_end_that_does_not_exist():
    """A window ending at 02:30 on the night 02:00-03:00 is skipped ends when
    the clock jumps (01:00 UTC), neither half an hour early nor late."""
    now = utc(2026, 3, 29, 0, 30)  # 01:30 CET
    hours = night(PARIS, "22:00", "02:30")
    assert quiet_hours_end(now, hours) == utc(2026, 3, 29, 1, 0)
    assert wall_instants(dt.datetime(2026, 3, 29, 2, 30), PARIS) == [
        utc(2026, 3, 29, 1, 0)
    ]


def test_spring_forward_in_new_york():
    """8 March 2026: 02:00 EST becomes 03:00 EDT; 07:00 EDT is 11:00 UTC."""
    now = local(NEW_YORK, 2026, 3, 8, 1, 30)  # EST, 06:30 UTC
    assert quiet_hours_end(now, night(NEW_YORK)) == utc(2026, 3, 8, 11, 0)


def test_spring_forward_in_sydney():
    """4 October 2026: 02:00 AEST becomes 03:00 AEDT; 07:00 AEDT is 20:00 UTC
    the day before."""
    now = local(SYDNEY, 2026, 10, 4, 1, 0)
    assert quiet_hours_end(now, night(SYDNEY)) == utc(2026, 10, 3, 20, 0)


# -- the night the clocks go back ------------------------------------------------


def test_fall_back_night_is_an_hour_longer_in_paris():
    """25 October 2026: 03:00 CEST becomes 02:00 CET. 01:30 CEST (23:30 UTC
    the day before) is quiet until 07:00 CET = 06:00 UTC."""
    now = utc(2026, 10, 24, 23, 30)
    assert quiet_hours_end(now, night(PARIS)) == utc(2026, 10, 25, 6, 0)


def test_fall_back_window_end_that_happens_twice():
    """A window ending at 02:30 ends the first time the clock shows 02:30
    (00:30 UTC); a row due in the repeated hour (02:15 CET, the second
    02:15) is in the window again and waits for the second 02:30."""
    hours = night(PARIS, "22:00", "02:30")
    first_pass = utc(2026, 10, 25, 0, 15)  # 02:15 CEST
    assert quiet_hours_end(first_pass, hours) == utc(2026, 10, 25, 0, 30)
    second_pass = utc(2026, 10, 25, 1, 15)  # 02:15 CET
    assert quiet_hours_end(second_pass, hours) == utc(2026, 10, 25, 1, 30)
    between = utc(2026, 10, 25, 0, 45)  # 02:45 CEST: outside
    assert quiet_hours_end(between, hours) is None


def test_fall_back_in_new_york():
    """1 November 2026: 02:00 EDT becomes 01:00 EST; 07:00 EST is 12:00 UTC."""
    now = local(NEW_YORK, 2026, 11, 1, 0, 30)  # EDT, 04:30 UTC
    assert quiet_hours_end(now, night(NEW_YORK)) == utc(2026, 11, 1, 12, 0)


def test_fall_back_in_sydney():
    """5 April 2026: 03:00 AEDT becomes 02:00 AEST; 07:00 AEST is 21:00 UTC
    the day before."""
    now = local(SYDNEY, 2026, 4, 5, 1, 0)  # AEDT
    assert quiet_hours_end(now, night(SYDNEY)) == utc(2026, 4, 4, 21, 0)


def test_every_hour_of_a_year_in_three_zones():
    """Whatever the hour (DST nights included), a held row goes at the first
    moment the recipient's clock is outside the window, never at once and
    never in the past."""
    for tz in (PARIS, NEW_YORK, SYDNEY):
        hours = night(tz, "22:30", "06:45")
        now = utc(2026, 1, 1)
        while now.year == 2026:
            end = quiet_hours_end(now, hours)
            wall = now.astimezone(tz).time()
            if in_window(wall, hours.start, hours.end):
                assert end is not None and end > now
                after = end.astimezone(tz).time()
                assert not in_window(after, hours.start, hours.end), (tz, now)
                before = (end - dt.timedelta(seconds=1)).astimezone(tz).time()
                assert in_window(before, hours.start, hours.end), (tz, now)
            else:
                assert end is None, (tz, now)
            now += dt.timedelta(minutes=50)


# -- blackout days ---------------------------------------------------------------

CHRISTMAS = [(dt.date(2026, 12, 25), dt.date(2026, 12, 26))]


def test_a_blackout_day_is_the_recipients_own_date():
    """23:30 UTC on 24 December is already the 25th in Paris, still the 24th
    in New York."""
    now = utc(2026, 12, 24, 23, 30)
    paris = QuietHours(PARIS)
    assert next_allowed(now, paris, CHRISTMAS) == (
        local(PARIS, 2026, 12, 27, 0, 0),
        "blackout",
    )
    assert next_allowed(now, QuietHours(NEW_YORK), CHRISTMAS) == (None, "")


def test_after_a_blackout_the_quiet_hours_still_hold():
    """The blackout ends at midnight, inside the night window: the row goes
    at 07:00 on the 27th, and the reason shown is the blackout."""
    now = local(PARIS, 2026, 12, 25, 12, 0)
    assert next_allowed(now, night(PARIS), CHRISTMAS) == (
        local(PARIS, 2026, 12, 27, 7, 0),
        "blackout",
    )


def test_quiet_hours_into_a_blackout():
    """23:00 on the 24th: quiet until 07:00 on the 25th, a blackout day, so
    07:00 on the 27th."""
    now = local(PARIS, 2026, 12, 24, 23, 0)
    assert next_allowed(now, night(PARIS), CHRISTMAS) == (
        local(PARIS, 2026, 12, 27, 7, 0),
        "blackout",
    )


def test_back_to_back_periods_hold_to_the_end_of_the_last():
    periods = [
        (dt.date(2026, 5, 1), dt.date(2026, 5, 1)),
        (dt.date(2026, 5, 2), dt.date(2026, 5, 3)),
    ]
    now = local(PARIS, 2026, 5, 1, 10, 0)
    assert next_allowed(now, QuietHours(PARIS), periods) == (
        local(PARIS, 2026, 5, 4, 0, 0),
        "blackout",
    )


def test_only_quiet_hours_say_so():
    now = local(PARIS, 2026, 5, 1, 23, 0)
    assert next_allowed(now, night(PARIS), CHRISTMAS) == (
        local(PARIS, 2026, 5, 2, 7, 0),
        "quiet_hours",
    )
