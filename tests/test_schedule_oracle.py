"""Schedules checked against an independent oracle across five zones and three years of DST.

The oracle never uses ``leaguectl.schedule``: dates and wall times come from dateutil's rrule on
naive datetimes, and a wall time becomes an instant by scanning the zone's UTC offsets with
zoneinfo (first occurrence if ambiguous; if it falls in a gap, the offset in force before the
gap, which moves it forward by the gap's length).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as rr

from leaguectl.schedule import Schedule, first_run, next_occurrence, parse_schedule

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney"]
START = datetime(2025, 1, 1)
END = datetime(2027, 12, 31, 23, 59)


# ---------------------------------------------------------------------------------------------
# The oracle
# ---------------------------------------------------------------------------------------------


@cache
def offsets_near(day: date, zone: ZoneInfo) -> frozenset[timedelta]:
    """Every UTC offset the zone uses within about a day of ``day`` (offsets last months)."""
    noon = datetime.combine(day, time(12), UTC)
    probes = (noon + timedelta(hours=h) for h in (-36, 0, 36))
    return frozenset(offset for probe in probes if (offset := probe.astimezone(zone).utcoffset()) is not None)


def oracle_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    offsets = offsets_near(wall.date(), zone)
    exact = [
        (wall - offset).replace(tzinfo=UTC)
        for offset in offsets
        if (wall - offset).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == wall
    ]
    if exact:
        return min(exact)
    return (wall - min(offsets)).replace(tzinfo=UTC)


def oracle_series(walls: Iterable[datetime], zone: ZoneInfo) -> list[datetime]:
    """Distinct instants in order, which is what a strictly-after chain visits."""
    return sorted({oracle_instant(wall, zone) for wall in walls})


def chain(schedule: Schedule, start: datetime, until: datetime) -> list[datetime]:
    """Runs of ``schedule`` from its first run at or after ``start`` up to ``until``."""
    runs: list[datetime] = []
    current: datetime | None = first_run(schedule, start)
    while current is not None and current <= until:
        runs.append(current)
        current = next_occurrence(schedule, current)
    return runs


def window(zone: ZoneInfo) -> tuple[datetime, datetime]:
    return oracle_instant(START, zone), oracle_instant(END, zone)


@cache
def transitions(zone: ZoneInfo) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every offset change in the window."""
    found = []
    moment = START.replace(tzinfo=UTC)
    before = moment.astimezone(zone).utcoffset()
    while moment < END.replace(tzinfo=UTC):
        later = moment + timedelta(days=1)
        after = later.astimezone(zone).utcoffset()
        if after != before:
            low, high = moment, later
            while high - low > timedelta(microseconds=1):
                mid = low + (high - low) / 2
                if mid.astimezone(zone).utcoffset() == before:
                    low = mid
                else:
                    high = mid
            assert before is not None and after is not None
            found.append((high, before, after))
        moment, before = later, after
    return found


def gap_walls(zone: ZoneInfo) -> list[datetime]:
    """A wall time in the middle of each spring-forward gap."""
    return [
        (instant + before).replace(tzinfo=None) + (after - before) / 2
        for instant, before, after in transitions(zone)
        if after > before
    ]


def ambiguous_walls(zone: ZoneInfo) -> list[datetime]:
    """A wall time in the middle of each repeated fall-back hour."""
    return [
        (instant + after).replace(tzinfo=None) + (before - after) / 2
        for instant, before, after in transitions(zone)
        if after < before
    ]


def walls(freq: int, wall: time, **rule: object) -> list[datetime]:
    dtstart = datetime.combine(START.date(), wall)
    return list(rr.rrule(freq, dtstart=dtstart, until=END, **rule))  # type: ignore[arg-type]


def test_oracle_finds_the_dst_changes_it_tests_against() -> None:
    for name in DST_ZONES:
        zone = ZoneInfo(name)
        assert len(gap_walls(zone)) == 3 and len(ambiguous_walls(zone)) == 3
    assert transitions(ZoneInfo("Asia/Kolkata")) == [] and transitions(ZoneInfo("UTC")) == []
    assert gap_walls(ZoneInfo("Europe/Berlin"))[0] == datetime(2025, 3, 30, 2, 30)
    assert ambiguous_walls(ZoneInfo("America/New_York"))[0] == datetime(2025, 11, 2, 1, 30)
    assert oracle_instant(datetime(2025, 3, 30, 2, 30), ZoneInfo("Europe/Berlin")) == datetime(
        2025, 3, 30, 1, 30, tzinfo=UTC
    )


# ---------------------------------------------------------------------------------------------
# Daily wall-clock times
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ZONES)
def test_daily_0900_stays_0900_local_for_three_years(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "daily", "time": "09:00"}, zone)
    runs = chain(schedule, *window(zone))
    assert runs == oracle_series(walls(rr.DAILY, time(9)), zone)
    assert {run.astimezone(zone).time() for run in runs} == {time(9)}
    assert len(runs) == 365 * 3


@pytest.mark.parametrize("name", DST_ZONES)
def test_a_daily_time_inside_the_spring_forward_gap_shifts_forward_that_day_only(name: str) -> None:
    zone = ZoneInfo(name)
    for gap_wall in gap_walls(zone):
        schedule = parse_schedule({"schedule": "daily", "time": f"{gap_wall:%H:%M}"}, zone)
        day_before = oracle_instant(gap_wall - timedelta(days=1), zone)
        runs = [day_before]
        for _ in range(3):
            nxt = next_occurrence(schedule, runs[-1])
            assert nxt is not None
            runs.append(nxt)
        expected = [oracle_instant(gap_wall + timedelta(days=d), zone) for d in range(-1, 3)]
        assert runs == expected
        shifted = runs[1].astimezone(zone)
        assert shifted.date() == gap_wall.date() and shifted.time() == (gap_wall + timedelta(hours=1)).time()
        assert runs[2].astimezone(zone).time() == gap_wall.time()


@pytest.mark.parametrize("name", DST_ZONES)
def test_a_daily_time_in_the_repeated_fall_back_hour_runs_once_at_the_first_occurrence(name: str) -> None:
    zone = ZoneInfo(name)
    for ambiguous in ambiguous_walls(zone):
        schedule = parse_schedule({"schedule": "daily", "time": f"{ambiguous:%H:%M}"}, zone)
        start = oracle_instant(ambiguous - timedelta(days=2), zone)
        runs = chain(schedule, start, start + timedelta(days=5))
        on_the_day = [run for run in runs if run.astimezone(zone).date() == ambiguous.date()]
        first_occurrence = oracle_instant(ambiguous, zone)
        assert on_the_day == [first_occurrence]
        assert first_occurrence.astimezone(zone).fold == 0
        second_occurrence = first_occurrence + timedelta(hours=1)
        assert second_occurrence.astimezone(zone).replace(tzinfo=None) == ambiguous
        assert second_occurrence not in runs


@pytest.mark.parametrize("name", ZONES)
def test_a_0030_daily_task_never_refires_the_same_day(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "daily", "time": "00:30"}, zone)
    runs = chain(schedule, *window(zone))
    assert runs == oracle_series(walls(rr.DAILY, time(0, 30)), zone)
    local_dates = [run.astimezone(zone).date() for run in runs]
    assert len(local_dates) == len(set(local_dates)) == 365 * 3
    assert min(later - earlier for earlier, later in pairwise(runs)) >= timedelta(hours=23)


# ---------------------------------------------------------------------------------------------
# Weekly, monthly, yearly
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ZONES)
def test_weekly_on_monday_matches_the_oracle(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "weekly", "day_of_week": "monday", "time": "09:00"}, zone)
    runs = chain(schedule, *window(zone))
    assert runs == oracle_series(walls(rr.WEEKLY, time(9), byweekday=rr.MO), zone)
    assert {run.astimezone(zone).weekday() for run in runs} == {0}


@pytest.mark.parametrize("name", ZONES)
@pytest.mark.parametrize("day", [29, 30, 31])
def test_monthly_late_days_clamp_to_the_month_end(name: str, day: int) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "monthly", "day_of_month": day, "time": "02:30"}, zone)
    runs = chain(schedule, *window(zone))
    # The standard RRULE for "day N, or the last day if shorter": the last of days 28..N present.
    expected = walls(rr.MONTHLY, time(2, 30), bymonthday=tuple(range(28, day + 1)), bysetpos=-1)
    assert runs == oracle_series(expected, zone)
    assert len(runs) == 36


@pytest.mark.parametrize("name", ZONES)
def test_yearly_feb_29_runs_on_feb_28_in_common_years(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "yearly", "month": 2, "day_of_month": 29, "time": "09:00"}, zone)
    start, _ = window(zone)
    runs = chain(schedule, start, oracle_instant(datetime(2032, 12, 31), zone))
    expected = list(rr.rrule(rr.YEARLY, dtstart=datetime(2025, 1, 1, 9), until=datetime(2032, 12, 31),
                             bymonth=2, bymonthday=(28, 29), bysetpos=-1))
    assert runs == oracle_series(expected, zone)
    assert [run.astimezone(zone).day for run in runs] == [28, 28, 28, 29, 28, 28, 28, 29]


# ---------------------------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ZONES)
def test_every_3_days_keeps_its_wall_time_and_phase_across_dst(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "every_3_days", "time": "02:30"}, zone)
    runs = chain(schedule, *window(zone))
    assert runs == oracle_series(walls(rr.DAILY, time(2, 30), interval=3), zone)


@pytest.mark.parametrize("name", ZONES)
def test_every_2_weeks_on_friday_matches_the_oracle(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "every_2_weeks", "day_of_week": "fri", "time": "18:00"}, zone)
    runs = chain(schedule, *window(zone))
    # 2025-01-01 is a Wednesday; the series starts on the first Friday, 2025-01-03.
    assert date(2025, 1, 3).weekday() == 4
    expected = list(rr.rrule(rr.WEEKLY, interval=2, dtstart=datetime(2025, 1, 3, 18), until=END))
    assert runs == oracle_series(expected, zone)


@pytest.mark.parametrize("name", ZONES)
def test_every_11_hours_is_real_elapsed_time_across_dst(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "every_11_hours"}, zone)
    start, end = window(zone)
    runs = chain(schedule, start, end)
    assert runs == [start + timedelta(hours=11 * k) for k in range(1, len(runs) + 1)]
    assert end - runs[-1] <= timedelta(hours=11)


# ---------------------------------------------------------------------------------------------
# Cron and RRULE
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ZONES)
def test_cron_weekdays_at_0930_matches_the_oracle(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "30 9 * * MON-FRI"}, zone)
    runs = chain(schedule, *window(zone))
    weekdays = (rr.MO, rr.TU, rr.WE, rr.TH, rr.FR)
    assert runs == oracle_series(walls(rr.WEEKLY, time(9, 30), byweekday=weekdays), zone)


@pytest.mark.parametrize("name", ZONES)
def test_cron_with_both_day_fields_runs_on_either(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "cron:30 2 1,15 * sun"}, zone)
    runs = chain(schedule, *window(zone))
    either = walls(rr.MONTHLY, time(2, 30), bymonthday=(1, 15)) + walls(rr.WEEKLY, time(2, 30), byweekday=rr.SU)
    assert runs == oracle_series(either, zone)


@pytest.mark.parametrize("name", DST_ZONES)
def test_cron_every_15_minutes_on_dst_days_skips_nothing_real_and_repeats_nothing(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "*/15 * * * *"}, zone)
    for instant, _, _ in transitions(zone):
        day = instant.astimezone(zone).date()
        day_walls = [datetime.combine(day, time(h, m)) for h in range(24) for m in (0, 15, 30, 45)]
        expected = oracle_series(day_walls, zone)
        runs = chain(schedule, expected[0], expected[-1])
        assert runs == expected
        assert len(runs) == len(set(runs))


@pytest.mark.parametrize("name", ZONES)
def test_rrule_twice_weekly_matches_the_oracle(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=2;BYMINUTE=30"}, zone)
    runs = chain(schedule, *window(zone))
    assert runs == oracle_series(walls(rr.WEEKLY, time(2, 30), byweekday=(rr.MO, rr.WE)), zone)


@pytest.mark.parametrize("name", ZONES)
def test_rrule_with_a_dtstart_keeps_its_interval_phase(name: str) -> None:
    zone = ZoneInfo(name)
    schedule = parse_schedule({"schedule": "DTSTART:20241230T013000\nRRULE:FREQ=DAILY;INTERVAL=4"}, zone)
    runs = chain(schedule, *window(zone))
    expected = rr.rrule(rr.DAILY, interval=4, dtstart=datetime(2024, 12, 30, 1, 30), until=END)
    assert runs == oracle_series((wall for wall in expected if wall >= START), zone)
