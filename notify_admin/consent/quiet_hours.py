"""Quiet hours and blackout days in the recipient's time zone. Pure functions.

A recipient's day is read on their own wall clock (``zoneinfo``): a window
from 22:00 to 07:00 crosses midnight; on the night clocks go forward a
window end that does not exist (02:30 in Europe/Paris) is the moment the
clock jumps past it; on the night they go back, a wall time that happens
twice ends the window the first time, and a row that falls in the repeated
hour waits for the second. A blackout day is the recipient's own date; a
held row goes at the first moment after it that is outside their quiet
hours.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = datetime.UTC
# How many holds (blackout, then quiet hours, then another blackout...) one
# row may go through before it is let go: more would mean a site blacked out
# for good, where holding rows forever helps no one.
MAX_HOLDS = 64


@dataclass(frozen=True)
class QuietHours:
    """A recipient's time zone and quiet-hours window (start and end wall
    times; None or equal: no quiet hours)."""

    time_zone: ZoneInfo
    start: datetime.time | None = None
    end: datetime.time | None = None

    @property
    def has_window(self):
        return (
            self.start is not None and self.end is not None and self.start != self.end
        )


def in_window(wall_time, start, end):
    """Whether the wall time ``wall_time`` is inside [start, end), a window
    that may cross midnight."""
    if start < end:
        return start <= wall_time < end
    return wall_time >= start or wall_time < end


def wall_instants(naive, tz):
    """The instants (UTC) at which the clock in ``tz`` reads ``naive``, in
    order: one, two (when the clocks go back) or none (when they go forward;
    then the one instant returned is the jump past it)."""
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if first < second:
        return [first, second]
    # A gap: fold=1 lands before the jump, fold=0 after it. The first moment
    # the clock shows ``naive`` or later is the jump itself.
    return [_jump(second, first, naive, tz)]


def _jump(before, after, naive, tz):
    """The first whole second in (before, after] whose wall time is >=
    ``naive`` (clocks change on whole seconds)."""
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.datetime.fromtimestamp(middle, UTC), tz) >= naive:
            high = middle
        else:
            low = middle
    return datetime.datetime.fromtimestamp(high, UTC)


def _wall(instant, tz):
    return instant.astimezone(tz).replace(tzinfo=None)


def quiet_hours_end(now, hours):
    """When the quiet hours holding ``now`` end, or None when ``now`` is
    outside them."""
    if hours is None or not hours.has_window:
        return None
    local = now.astimezone(hours.time_zone)
    wall = local.time().replace(tzinfo=None)
    if not in_window(wall, hours.start, hours.end):
        return None
    day = local.date()
    if hours.start > hours.end and wall >= hours.start:
        day += datetime.timedelta(days=1)
    return _first_after(now, day, hours.end, hours.time_zone)


def _first_after(now, day, wall_time, tz):
    """The first instant after ``now`` at which the clock reads
    ``wall_time`` on ``day`` (or, failing that, on the days after)."""
    for offset in range(3):
        naive = datetime.datetime.combine(
            day + datetime.timedelta(days=offset), wall_time
        )
        for instant in wall_instants(naive, tz):
            if instant > now:
                return instant
    raise AssertionError("a wall time recurs within three days")  # pragma: no cover


def blackout_end(now, tz, periods):
    """When the blackout period holding ``now`` (on the recipient's own date)
    ends, or None. ``periods`` are ``(first_day, last_day)`` pairs."""
    today = now.astimezone(tz).date()
    for first_day, last_day in periods:
        if first_day <= today <= last_day:
            midnight = datetime.time(0, 0)
            return _first_after(
                now, last_day + datetime.timedelta(days=1), midnight, tz
            )
    return None


QUIET_HOURS = "quiet_hours"
BLACKOUT = "blackout"


def next_allowed(now, hours, periods=()):
    """``(instant, reason)``: when a non-critical notification due at ``now``
    may go, and why it waits (``"blackout"`` when a blackout period held it
    at all, else ``"quiet_hours"``); ``(None, "")`` when it may go at once."""
    tz = hours.time_zone if hours is not None else UTC
    at, reasons = now, set()
    for _ in range(MAX_HOLDS):
        held = blackout_end(at, tz, periods)
        kind = BLACKOUT
        if held is None:
            held, kind = quiet_hours_end(at, hours), QUIET_HOURS
        if held is None:
            break
        at = held
        reasons.add(kind)
    if at == now:
        return None, ""
    return at, BLACKOUT if BLACKOUT in reasons else QUIET_HOURS
