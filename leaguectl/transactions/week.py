"""League weeks: the calendar freeze-begin and thaw reason about.

A *league week* starts on Monday 00:00 in ``LEAGUE_TIMEZONE`` and ends at the
next Monday 00:00. Both instants are computed on the league's wall clock with
``zoneinfo``, so a week that contains a daylight-saving change is 167 or 169
real hours long, and "Monday 00:00" is always midnight as the league sees it.

freeze-begin may act from Monday 00:00 for ``FREEZE_WINDOW_HOURS`` hours,
counted on the same wall clock: the default 120 hours always ends at
Saturday 00:00 (the thaw time), even in a week whose Sunday lost or gained an
hour. The thaw time itself is fixed at Saturday 00:00 league time.

Clock skew. Decisions compare the host clock with the league calendar (the
windows) and Discord's clock (the snowflake times of the bot's own messages,
the markers) with each other only through :data:`CLOCK_TOLERANCE`: a marker
minted up to that long before Monday 00:00 belongs to the week that Monday
starts. A host clock ahead of Discord's posts its Monday 00:00 announcement
"before" Monday in Discord's time; without the tolerance every later run of
the week would miss it. The tolerance (15 minutes, three times the 5 minutes
SPEC §1.8 allows) cannot confuse adjacent weeks: the bot's markers of a week
are minted from Monday 00:00 (freeze-begin's window opens then) to the next
Monday 00:00 (thaw's window closes then), never in the last quarter hour of
the week before, unless a run is forced there, which then counts for the
coming week.

Odd zones are handled too: if Monday 00:00 does not exist (a zone that
springs forward at midnight) the week starts at the instant the clocks jump;
if it exists twice, the week starts at the first of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

__all__ = ["CLOCK_TOLERANCE", "THAW_OFFSET", "LeagueWeek", "league_week"]

#: Saturday 00:00 measured from Monday 00:00 on the league's wall clock.
THAW_OFFSET = timedelta(days=5)
#: How far the host clock may be off Discord's without changing a decision (see the module docstring).
CLOCK_TOLERANCE = timedelta(minutes=15)


@dataclass(frozen=True)
class LeagueWeek:
    """One league week; every datetime is aware and in UTC."""

    start: datetime
    end: datetime
    zone: tzinfo

    def local_offset(self, offset: timedelta) -> datetime:
        """The UTC instant ``offset`` after Monday 00:00, counted on the league's wall clock."""
        monday = self.start.astimezone(self.zone).replace(tzinfo=None)
        return _local_to_utc(monday + offset, self.zone)

    def window_end(self, hours: int) -> datetime:
        """End (exclusive) of freeze-begin's window of ``hours`` wall-clock hours."""
        return self.local_offset(timedelta(hours=hours))

    def in_window(self, moment: datetime, hours: int) -> bool:
        """Whether ``moment`` lies in [Monday 00:00, Monday 00:00 + ``hours``)."""
        return self.start <= moment < self.window_end(hours)

    @property
    def thaw_time(self) -> datetime:
        """Saturday 00:00 league time of this week."""
        return self.local_offset(THAW_OFFSET)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def marker_start(self) -> datetime:
        """From when a Discord message (snowflake time) counts as this week's: Monday 00:00 less the tolerance."""
        return self.start - CLOCK_TOLERANCE

    def holds_marker(self, minted: datetime) -> bool:
        """Whether a message minted at ``minted`` (Discord's clock) belongs to this week."""
        return self.marker_start <= minted < self.end - CLOCK_TOLERANCE

    @property
    def thaw_window_end(self) -> datetime:
        """End (exclusive) of thaw's window: the next Monday 00:00, when freeze-begin takes over."""
        return self.end

    def in_thaw_window(self, moment: datetime) -> bool:
        """Whether ``moment`` lies in [Saturday 00:00, next Monday 00:00) of this week."""
        return self.thaw_time <= moment < self.thaw_window_end

    def previous(self) -> LeagueWeek:
        """The league week before this one."""
        return league_week(self.start - timedelta(microseconds=1), self.zone)

    def describe(self) -> str:
        """Monday's date as the league sees it, e.g. ``2026-11-23``."""
        return self.start.astimezone(self.zone).date().isoformat()


def _local_to_utc(naive_local: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in ``zone`` as UTC; a skipped time maps to the jump, a repeated one to its first instant."""
    first = naive_local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive_local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first <= second:
        return first  # an ordinary time, or a repeated one (fold=0 is the earlier instant)
    return _jump(naive_local, zone)  # a skipped time: the clocks jumped over it


def _jump(naive_local: datetime, zone: tzinfo) -> datetime:
    """The instant at which the clocks of ``zone`` skipped over ``naive_local``."""
    low = naive_local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = naive_local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    # Between low and high the local wall clock jumps past naive_local; find the jump to the second.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) < naive_local:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def league_week(moment: datetime, zone: tzinfo) -> LeagueWeek:
    """The league week containing ``moment`` (aware) in the league zone ``zone``."""
    if moment.tzinfo is None:
        raise ValueError("league_week needs an aware datetime")
    local_date = moment.astimezone(zone).date()
    monday = local_date - timedelta(days=local_date.weekday())
    start = _local_to_utc(datetime.combine(monday, time(0)), zone)
    if moment.astimezone(UTC) < start:  # only in zones whose Monday 00:00 is skipped, a second before
        monday -= timedelta(days=7)
        start = _local_to_utc(datetime.combine(monday, time(0)), zone)
    end = _local_to_utc(datetime.combine(monday + timedelta(days=7), time(0)), zone)
    return LeagueWeek(start=start, end=end, zone=zone)
