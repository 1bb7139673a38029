"""RRULE schedules against dateutil, the independent oracle.

1. Around every DST transition of 2024-2026 in zones with one-hour, 30-minute and negative DST
   (Europe/Berlin, America/New_York, Australia/Lord_Howe, Europe/Dublin), rules with an aware
   DTSTART (``DTSTART;TZID=…``) bounded by UNTIL or COUNT give exactly the instants dateutil
   gives for an aware DTSTART. Both read a wall time in a DST gap with the offset before the
   gap (so it moves forward by the gap's length) and an ambiguous one as its first occurrence;
   leaguectl runs an instant once where dateutil may list it twice (two wall times that a gap
   puts on one instant), so instants are compared as sets.

   UNTIL is RFC 5545's: an instance runs if its instant is not after UNTIL. dateutil stops at
   the first instance past UNTIL in wall-clock order, so when a gap moves one instance past
   UNTIL, dateutil also drops the instances after it that are still before UNTIL (minutely and
   hourly rules, minutes after the gap). The expected runs are therefore dateutil's instances
   of the unbounded rule up to UNTIL; dateutil's own UNTIL result is checked to be a subset.

2. With no DST in play (UTC), the recurrence engine gives the same wall times as dateutil for
   random rules using every part, from random lower bounds, except for the cases
   ``leaguectl.schedule_recurrence`` documents as deliberate differences (mixed plain and
   numbered BYDAY, BYSETPOS in a weekly rule), which are not generated. BYWEEKNO is checked
   against the standard library's ISO 8601 calendar instead: dateutil miscounts the weeks of the
   previous year for the January days of its last week (it reads 2011-01-01 as week 53 of 2010;
   ``date(2011, 1, 1).isocalendar()`` says week 52).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as rr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from leaguectl.schedule import ScheduleError, first_run, next_occurrence, parse_schedule
from leaguectl.schedule_recurrence import (
    CountTooLarge,
    DaySelect,
    Meter,
    build_rule,
    nth_wall,
    runs_per_period,
    walls_from,
    year_days,
)
from leaguectl.schedule_rrule import parse_rule_parts

DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin"]
ORACLE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def transitions(name: str) -> tuple[datetime, ...]:
    """UTC instants of every offset change of ``name`` in 2024-2026, to the second."""
    zone = ZoneInfo(name)
    found = []
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    while moment.year < 2027:
        later = moment + timedelta(hours=6)
        if moment.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            low, high = moment, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        moment = later
    return tuple(found)


def test_the_oracle_sees_every_zones_transitions_including_half_hour_and_negative_dst() -> None:
    for name in DST_ZONES:
        assert len(transitions(name)) == 6
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    spring = transitions("Australia/Lord_Howe")[1]  # first Sunday of October 2024, 02:00 → 02:30
    assert (spring + timedelta(seconds=1)).astimezone(lord_howe).utcoffset() == timedelta(hours=11)
    assert (spring - timedelta(seconds=1)).astimezone(lord_howe).utcoffset() == timedelta(hours=10, minutes=30)
    dublin = ZoneInfo("Europe/Dublin")
    assert datetime(2025, 1, 15, tzinfo=dublin).dst() == -timedelta(hours=1)  # winter time is the "DST"


@st.composite
def dst_rules(draw: st.DrawFn) -> tuple[str, datetime, str]:
    """(zone, aware DTSTART, RRULE value without bound) near a transition."""
    name = draw(st.sampled_from(DST_ZONES))
    zone = ZoneInfo(name)
    moment = draw(st.sampled_from(transitions(name)))
    local = moment.astimezone(zone).replace(tzinfo=None)
    wall = (local + timedelta(minutes=draw(st.integers(-2 * 1440, 2 * 1440)))).replace(second=0)
    freq = draw(st.sampled_from(["MINUTELY", "HOURLY", "DAILY", "WEEKLY"]))
    parts = [f"FREQ={freq}"]
    interval = draw({"MINUTELY": st.sampled_from([13, 17, 29, 30, 45, 90]), "HOURLY": st.integers(1, 5),
                     "DAILY": st.integers(1, 3), "WEEKLY": st.just(1)}[freq])
    parts.append(f"INTERVAL={interval}")
    if freq in ("DAILY", "WEEKLY") and draw(st.booleans()):
        parts.append("BYHOUR=" + ",".join(map(str, sorted(draw(st.sets(st.integers(0, 4), min_size=1, max_size=3))))))
    if freq in ("HOURLY", "DAILY", "WEEKLY") and draw(st.booleans()):
        minutes = draw(st.sets(st.sampled_from([0, 15, 30, 45, 59]), min_size=1, max_size=3))
        parts.append("BYMINUTE=" + ",".join(map(str, sorted(minutes))))
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.sets(st.sampled_from(["SA", "SU", "MO"]), min_size=1))))
    return name, wall.replace(tzinfo=zone), ";".join(parts)


def leaguectl_runs(name: str, dtstart: datetime, rule: str) -> list[datetime]:
    schedule = parse_schedule({"schedule": f"DTSTART;TZID={name}:{dtstart:%Y%m%dT%H%M%S}\nRRULE:{rule}"},
                              ZoneInfo("UTC"))
    runs: list[datetime] = []
    current: datetime | None = first_run(schedule, dtstart.astimezone(UTC) - timedelta(days=1))
    while current is not None and len(runs) < 3000:
        runs.append(current)
        current = next_occurrence(schedule, current)
    return runs


def instants(walls: object) -> list[datetime]:
    return sorted({wall.astimezone(UTC) for wall in walls})  # type: ignore[attr-defined]


@ORACLE
@given(case=dst_rules(), until_minutes=st.integers(-2 * 1440, 3 * 1440))
def test_until_near_a_dst_change_bounds_instants_as_rfc_5545_says(
    case: tuple[str, datetime, str], until_minutes: int
) -> None:
    name, dtstart, rule = case
    until = dtstart.astimezone(UTC) + timedelta(minutes=until_minutes)
    assume(until >= dtstart)
    bounded = f"{rule};UNTIL={until:%Y%m%dT%H%M%SZ}"
    unbounded = rr.rrulestr(f"{rule};UNTIL={until + timedelta(days=1):%Y%m%dT%H%M%SZ}", dtstart=dtstart)
    expected = [moment for moment in instants(unbounded) if moment <= until]
    if not expected:
        with pytest.raises(ScheduleError, match="never runs: UNTIL is before its first run"):
            leaguectl_runs(name, dtstart, bounded)
        return
    runs = leaguectl_runs(name, dtstart, bounded)
    assert runs == expected
    assert set(instants(rr.rrulestr(bounded, dtstart=dtstart))) <= set(runs)


@ORACLE
@given(case=dst_rules(), count=st.integers(1, 150))
def test_count_near_a_dst_change_gives_dateutils_instances(case: tuple[str, datetime, str], count: int) -> None:
    name, dtstart, rule = case
    counted = f"{rule};COUNT={count}"
    assert leaguectl_runs(name, dtstart, counted) == instants(rr.rrulestr(counted, dtstart=dtstart))


def test_the_examples_of_the_docs_agree_with_dateutil() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    dtstart = datetime(2025, 3, 29, 2, 30, tzinfo=berlin)
    assert leaguectl_runs("Europe/Berlin", dtstart, "FREQ=DAILY;UNTIL=20250330T011000Z") == [
        datetime(2025, 3, 29, 1, 30, tzinfo=UTC)]
    counted = leaguectl_runs("Europe/Berlin", dtstart, "FREQ=DAILY;COUNT=3")
    assert counted == instants(rr.rrulestr("FREQ=DAILY;COUNT=3", dtstart=dtstart))
    assert counted[1] == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 02:30 CET does not exist: 03:30 CEST


# ---------------------------------------------------------------------------------------------
# The recurrence engine against dateutil, every part, no DST
# ---------------------------------------------------------------------------------------------

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def listed(draw: st.DrawFn, values: st.SearchStrategy[int], most: int = 3) -> str:
    return ",".join(map(str, sorted(draw(st.sets(values, min_size=1, max_size=most)))))


@st.composite
def any_rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY"]))
    parts = [f"FREQ={freq}"]
    interval = draw(st.one_of(st.just(1), st.integers(2, 5), st.sampled_from([7, 13, 25, 61, 1441])))
    if freq in ("YEARLY", "MONTHLY", "WEEKLY") and interval > 5:
        interval = 2
    parts.append(f"INTERVAL={interval}")
    coarse = freq in ("YEARLY", "MONTHLY")
    chosen = draw(st.sets(st.sampled_from(["BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYDAY", "BYHOUR", "BYMINUTE",
                                           "BYSETPOS", "WKST"]), max_size=4))
    numbered = coarse and "BYDAY" in chosen and draw(st.booleans())
    for name in sorted(chosen):
        if name == "BYMONTH":
            parts.append("BYMONTH=" + listed(draw, st.integers(1, 12)))
        elif name == "BYMONTHDAY":
            parts.append("BYMONTHDAY=" + listed(draw, st.integers(-31, 31).filter(bool)))
        elif name == "BYYEARDAY":
            parts.append("BYYEARDAY=" + listed(draw, st.integers(-366, 366).filter(bool)))
        elif name == "BYDAY" and numbered:
            limit = 5 if freq == "MONTHLY" or "BYMONTH" in chosen else 53
            items = draw(st.sets(st.tuples(st.integers(-limit, limit).filter(bool), st.sampled_from(WEEKDAYS)),
                                 min_size=1, max_size=3))
            parts.append("BYDAY=" + ",".join(f"{n}{day}" for n, day in sorted(items)))
        elif name == "BYDAY":
            parts.append("BYDAY=" + ",".join(sorted(draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1, max_size=4)))))
        elif name == "BYHOUR":
            parts.append("BYHOUR=" + listed(draw, st.integers(0, 23), 4))
        elif name == "BYMINUTE":
            parts.append("BYMINUTE=" + listed(draw, st.integers(0, 59), 4))
        elif name == "BYSETPOS" and freq != "WEEKLY":
            parts.append("BYSETPOS=" + listed(draw, st.integers(-6, 6).filter(bool), 2))
        elif name == "WKST":
            parts.append("WKST=" + draw(st.sampled_from(WEEKDAYS)))
    return ";".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=any_rules(), start=st.datetimes(datetime(1995, 1, 1), datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)), ahead=st.integers(-100_000, 2_000_000))
def test_the_engine_gives_dateutils_wall_times_for_any_rule(rule: str, start: datetime, ahead: int) -> None:
    parts, _, _ = parse_rule_parts(rule)
    lower = start + timedelta(minutes=ahead)
    ours = list(islice(walls_from(build_rule(parts, start), lower, Meter()), 25))
    assume(ours)  # a rule that never runs would send dateutil walking to year 9999
    theirs = list(islice(rr.rrulestr(rule, dtstart=start).xafter(lower, inc=True), len(ours)))
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(year=st.integers(1900, 2200), weeks=st.sets(st.integers(-53, 53).filter(bool), min_size=1, max_size=4))
def test_byweekno_selects_iso_8601_weeks_counted_in_each_days_own_week_year(year: int, weeks: set[int]) -> None:
    select = DaySelect(weeknos=frozenset(weeks), wkst=0)
    expected = set()
    day = date(year, 1, 1)
    while day.year == year:
        week_year, week, _ = day.isocalendar()
        weeks_in_year = date(week_year, 12, 28).isocalendar().week
        if week in weeks or week - weeks_in_year - 1 in weeks:
            expected.add(day.toordinal())
        day += timedelta(days=1)
    assert set(year_days(select, year)) == expected


def test_byweekno_reads_the_january_days_of_last_years_last_week_as_iso_does() -> None:
    rule = "FREQ=YEARLY;BYWEEKNO=52;BYDAY=SA"
    schedule = parse_schedule({"schedule": f"DTSTART:20100101T000000 RRULE:{rule}"}, ZoneInfo("UTC"))
    first = first_run(schedule, datetime(2010, 1, 1, tzinfo=UTC))
    assert date(2011, 1, 1).isocalendar()[:2] == (2010, 52)
    assert first == datetime(2011, 1, 1, tzinfo=UTC)
    assert next_occurrence(schedule, first) == datetime(2011, 12, 31, tzinfo=UTC)  # ISO week 52 of 2011
    # dateutil counts 53 weeks in 2010 for that day and skips it: the documented difference.
    assert rr.rrulestr(rule, dtstart=datetime(2010, 1, 1))[0] == datetime(2011, 12, 31)


# ---------------------------------------------------------------------------------------------
# COUNT: the closed form and the counted form against dateutil's list
# ---------------------------------------------------------------------------------------------


def nth_weekdays(draw: st.DrawFn, limit: int) -> str:
    sign = draw(st.sampled_from([1, -1]))
    items = draw(st.sets(st.tuples(st.integers(1, limit), st.sampled_from(WEEKDAYS)), min_size=1, max_size=3))
    return ",".join(f"{sign * n}{day}" for n, day in sorted(items))


@st.composite
def same_size_period_rules(draw: st.DrawFn) -> str:
    """Rules whose every period holds the same number of runs (COUNT resolved in closed form)."""
    hours = "BYHOUR=" + listed(draw, st.integers(0, 23))
    minutes = "BYMINUTE=" + listed(draw, st.integers(0, 59))
    setpos = "BYSETPOS=" + listed(draw, st.integers(-4, 4).filter(bool), 2)
    monthdays = listed(draw, st.integers(1, 28)) if draw(st.booleans()) else listed(draw, st.integers(-28, -1))
    weekdays = ",".join(draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1)))
    return draw(st.sampled_from([
        f"FREQ=MINUTELY;INTERVAL={draw(st.integers(1, 3000))}",
        f"FREQ=HOURLY;INTERVAL={draw(st.integers(1, 50))};{minutes}",
        f"FREQ=DAILY;INTERVAL={draw(st.integers(1, 9))};{hours};{minutes}",
        f"FREQ=DAILY;{hours};{minutes};{setpos}",
        f"FREQ=WEEKLY;INTERVAL={draw(st.integers(1, 3))};BYDAY={weekdays};{hours}",
        f"FREQ=MONTHLY;INTERVAL={draw(st.integers(1, 5))};BYMONTHDAY={monthdays};{hours}",
        f"FREQ=MONTHLY;BYMONTHDAY={monthdays};{setpos}",
        f"FREQ=MONTHLY;BYDAY={nth_weekdays(draw, 4)}",
        f"FREQ=YEARLY;BYMONTH={listed(draw, st.integers(1, 12))};BYMONTHDAY={monthdays}",
        f"FREQ=YEARLY;BYMONTH={listed(draw, st.integers(1, 12))};BYDAY={nth_weekdays(draw, 4)};{setpos}",
        f"FREQ=YEARLY;INTERVAL={draw(st.integers(1, 4))};BYDAY={nth_weekdays(draw, 52)}",
        "FREQ=YEARLY",
    ]))


starts = st.datetimes(datetime(1995, 1, 1), datetime(2035, 12, 31)).map(lambda moment: moment.replace(microsecond=0))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=same_size_period_rules(), start=starts, count=st.integers(1, 600))
def test_count_in_closed_form_is_dateutils_last_instance(rule: str, start: datetime, count: int) -> None:
    assume(rule != "FREQ=YEARLY" or (start.month, start.day) != (2, 29))  # Feb 29 is not in every year
    parts, _, _ = parse_rule_parts(rule)
    built = build_rule(parts, start)
    per_period = runs_per_period(built)
    assert per_period is not None, f"{rule} should be resolved in closed form"
    assume(per_period > 0)  # BYSETPOS picking nothing: a rule that never runs, refused when read
    listed_runs = list(islice(rr.rrulestr(rule, dtstart=start), count))
    meter = Meter()
    assert nth_wall(built, count, meter) == (listed_runs[-1] if len(listed_runs) == count else None)
    assert meter.steps < 10


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=any_rules(), start=starts, count=st.integers(1, 300))
def test_count_of_any_rule_is_dateutils_last_instance(rule: str, start: datetime, count: int) -> None:
    parts, _, _ = parse_rule_parts(rule)
    built = build_rule(parts, start)
    try:
        ours = nth_wall(built, count, Meter())
    except CountTooLarge:
        assume(False)
    assume(ours is not None)
    assert ours == list(islice(rr.rrulestr(rule, dtstart=start), count))[-1]
