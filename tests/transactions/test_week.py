"""League weeks: Monday 00:00 league time, wall-clock windows, DST weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from leaguectl.transactions.week import league_week

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)


def test_a_week_starts_on_monday_midnight_league_time_not_utc() -> None:
    # Monday 2026-11-23 02:00 UTC is still Sunday 21:00 in New York.
    week = league_week(datetime(2026, 11, 23, 2, 0, tzinfo=UTC), NY)
    assert week.start == local(NY, 2026, 11, 16, 0, 0)
    assert week.end == local(NY, 2026, 11, 23, 0, 0)


def test_monday_midnight_itself_belongs_to_the_new_week() -> None:
    week = league_week(local(NY, 2026, 11, 23, 0, 0), NY)
    assert week.start == local(NY, 2026, 11, 23, 0, 0)
    assert week.contains(local(NY, 2026, 11, 23, 0, 0))
    assert not week.contains(local(NY, 2026, 11, 22, 23, 59, 59))


def test_spring_forward_week_is_167_hours_and_window_ends_saturday_midnight() -> None:
    # DST starts Sunday 2026-03-08 in New York: the week of Monday 03-02 loses an hour.
    week = league_week(local(NY, 2026, 3, 4, 12, 0), NY)
    assert week.start == local(NY, 2026, 3, 2, 0, 0)
    assert week.end - week.start == timedelta(hours=167)
    assert week.window_end(120) == local(NY, 2026, 3, 7, 0, 0)
    assert week.thaw_time == local(NY, 2026, 3, 7, 0, 0)


def test_week_after_spring_forward_starts_at_edt_midnight() -> None:
    week = league_week(local(NY, 2026, 3, 9, 0, 30), NY)
    assert week.start == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # EDT is UTC-4
    assert week.previous().start == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # EST is UTC-5


def test_fall_back_week_is_169_hours() -> None:
    # DST ends Sunday 2026-11-01 in New York.
    week = league_week(local(NY, 2026, 10, 28, 9, 0), NY)
    assert week.end - week.start == timedelta(hours=169)
    assert week.window_end(120) == local(NY, 2026, 10, 31, 0, 0)


def test_window_hours_count_on_the_league_wall_clock() -> None:
    week = league_week(local(NY, 2026, 11, 23, 0, 0), NY)
    assert week.in_window(local(NY, 2026, 11, 23, 0, 59), 1)
    assert not week.in_window(local(NY, 2026, 11, 23, 1, 0), 1)
    assert week.in_window(local(NY, 2026, 11, 27, 23, 59), 120)
    assert not week.in_window(local(NY, 2026, 11, 28, 0, 0), 120)


@pytest.mark.parametrize("hour", [0, 12, 23])
def test_every_moment_of_a_week_maps_to_the_same_week(hour: int) -> None:
    monday = league_week(local(BERLIN, 2026, 3, 23, hour, 0), BERLIN)
    sunday = league_week(local(BERLIN, 2026, 3, 29, hour, 0), BERLIN)  # Berlin springs forward that Sunday
    assert monday == sunday


class MidnightJump(tzinfo):
    """A zone whose clocks jump from Sunday 23:59:59 to Monday 01:00 on 2026-03-02 (UTC-1 → UTC+0)."""

    JUMP = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        assert dt is not None
        naive = dt.replace(tzinfo=None)
        if naive < datetime(2026, 3, 2, 0, 0):
            return timedelta(hours=-1)
        if naive >= datetime(2026, 3, 2, 1, 0):
            return timedelta(0)
        return timedelta(0) if dt.fold else timedelta(hours=-1)  # the skipped hour

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "JUMP"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=UTC)
        offset = timedelta(0) if utc >= self.JUMP else timedelta(hours=-1)
        return (dt + offset).replace(tzinfo=self)


def test_a_zone_that_skips_monday_midnight_starts_the_week_when_the_clocks_jump() -> None:
    zone = MidnightJump()
    week = league_week(datetime(2026, 3, 4, 12, 0, tzinfo=UTC), zone)
    assert week.start == MidnightJump.JUMP
    assert league_week(MidnightJump.JUMP - timedelta(seconds=1), zone).end == MidnightJump.JUMP
