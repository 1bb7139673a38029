"""RRULE schedules: UNTIL as an instant, what a UTC DTSTART means, the once-a-minute limit, bounded work.

The agreement with dateutil over DST zones is ``tests/test_schedule_rrule_oracle.py``; this module
pins the decisions (with the examples the docs give) and shows the work stays bounded for the
worst rules we could construct, by counting evaluation steps (``schedule_recurrence.Meter``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leaguectl.schedule import (
    ScheduleError,
    due_runs,
    first_run,
    format_timestamp,
    next_occurrence,
    parse_schedule,
    preview,
)
from leaguectl.schedule_recurrence import HORIZON_YEARS, MAX_COUNTED, STEP_LIMIT, Meter
from leaguectl.schedule_rrule import RRuleSpec, parse_rrule, rrule_after

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def rrule(text: str, zone: ZoneInfo = BERLIN) -> tuple[RRuleSpec, ZoneInfo]:
    schedule = parse_schedule({"schedule": text}, zone)
    assert schedule.rrule is not None
    return schedule.rrule, schedule.zone


def chain(text: str, start: datetime, n: int = 50, zone: ZoneInfo = BERLIN) -> list[str]:
    schedule = parse_schedule({"schedule": text}, zone)
    return [format_timestamp(run, schedule.zone) for run in preview(schedule, first_run(schedule, start), n)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# UNTIL bounds instants (issue 14.1)
# ---------------------------------------------------------------------------------------------


def test_until_stops_a_run_that_a_dst_gap_moves_past_it() -> None:
    # 02:30 does not exist on 2025-03-30 in Berlin: it runs at 03:30 CEST = 01:30 UTC, after UNTIL.
    text = "DTSTART;TZID=Europe/Berlin:20250329T023000\nRRULE:FREQ=DAILY;UNTIL=20250330T011000Z"
    assert chain(text, utc(2025, 3, 28)) == ["2025-03-29T02:30:00+01:00"]


def test_until_keeps_a_run_before_it_that_the_wall_clock_puts_after_it() -> None:
    # 2025-10-26 02:30 first occurs at 00:30 UTC (CEST); UNTIL 01:20 UTC reads 02:20 CET locally.
    text = "DTSTART;TZID=Europe/Berlin:20251025T023000\nRRULE:FREQ=DAILY;UNTIL=20251026T012000Z"
    assert chain(text, utc(2025, 10, 24)) == ["2025-10-25T02:30:00+02:00", "2025-10-26T02:30:00+02:00"]


def test_an_until_equal_to_a_run_includes_it() -> None:
    text = "DTSTART;TZID=America/New_York:20250309T013000\nRRULE:FREQ=HOURLY;UNTIL=20250309T070000Z"
    # 01:30 EST (06:30Z), 02:30 is in the gap (→ 03:30 EDT = 07:30Z, after UNTIL), 03:30 EDT too.
    assert chain(text, utc(2025, 3, 8)) == ["2025-03-09T01:30:00-05:00"]
    text = "DTSTART;TZID=America/New_York:20250309T010000\nRRULE:FREQ=HOURLY;UNTIL=20250309T070000Z"
    assert chain(text, utc(2025, 3, 8)) == ["2025-03-09T01:00:00-05:00", "2025-03-09T03:00:00-04:00"]


def test_a_local_until_is_read_in_the_rule_zone_and_a_date_until_includes_its_whole_day() -> None:
    assert chain("DTSTART:20250101T090000 RRULE:FREQ=DAILY;UNTIL=20250103T090000", utc(2024, 12, 31)) == [
        "2025-01-01T09:00:00+01:00", "2025-01-02T09:00:00+01:00", "2025-01-03T09:00:00+01:00"]
    assert chain("DTSTART:20250101T230000 RRULE:FREQ=DAILY;UNTIL=20250102", utc(2024, 12, 31)) == [
        "2025-01-01T23:00:00+01:00", "2025-01-02T23:00:00+01:00"]


def test_a_rule_that_ended_has_no_next_run_and_its_last_slot_finishes_the_task() -> None:
    schedule = parse_schedule({"schedule": "DTSTART:20250101T090000 RRULE:FREQ=DAILY;UNTIL=20250102T080000Z"},
                              BERLIN)
    last = utc(2025, 1, 2, 8)
    assert next_occurrence(schedule, last) is None
    decision = due_runs(schedule, last, last + timedelta(minutes=1), timedelta(hours=1))
    assert decision.should_run and decision.next_run is None


# ---------------------------------------------------------------------------------------------
# DTSTART ...Z: the recurrence runs in UTC (RFC 5545 §3.3.5, "date with UTC time")
# ---------------------------------------------------------------------------------------------


def test_a_utc_dtstart_keeps_the_utc_time_so_the_local_time_moves_with_dst() -> None:
    schedule = parse_schedule({"schedule": "DTSTART:20250101T080000Z\nRRULE:FREQ=DAILY"}, BERLIN)
    winter = next_occurrence(schedule, utc(2025, 1, 10, 8))
    summer = next_occurrence(schedule, utc(2025, 7, 10, 8))
    assert winter == utc(2025, 1, 11, 8) and summer == utc(2025, 7, 11, 8)
    assert format_timestamp(winter, schedule.zone) == "2025-01-11T09:00:00+01:00"  # type: ignore[arg-type]
    assert format_timestamp(summer, schedule.zone) == "2025-07-11T10:00:00+02:00"  # type: ignore[arg-type]
    assert schedule.zone == BERLIN  # the task's zone still shows its runs


def test_byhour_in_a_utc_rule_means_utc_hours_and_a_floating_dtstart_means_task_hours() -> None:
    in_utc = chain("DTSTART:20250701T000000Z RRULE:FREQ=DAILY;BYHOUR=8", utc(2025, 7, 1), 1)
    floating = chain("DTSTART:20250701T000000 RRULE:FREQ=DAILY;BYHOUR=8", utc(2025, 7, 1), 1)
    assert (in_utc, floating) == (["2025-07-01T10:00:00+02:00"], ["2025-07-01T08:00:00+02:00"])


def test_a_utc_dtstart_and_a_tzid_cannot_be_combined() -> None:
    with pytest.raises(ScheduleError, match="both a TZID and a Z"):
        parse_schedule({"schedule": "DTSTART;TZID=Europe/Berlin:20250101T080000Z RRULE:FREQ=DAILY"}, BERLIN)


def test_a_wall_time_in_a_dst_gap_runs_forward_by_the_gap_length() -> None:
    # The documented example: 02:30 on the spring-forward day in Berlin runs at 03:30 CEST.
    assert chain("RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30", utc(2025, 3, 29, 12), 2) == [
        "2025-03-30T03:30:00+02:00", "2025-03-31T02:30:00+02:00"]
    # A 30-minute gap moves it 30 minutes (Lord Howe Island, 02:00 → 02:30).
    assert chain("DTSTART;TZID=Australia/Lord_Howe:20251004T021500 RRULE:FREQ=DAILY", utc(2025, 10, 1), 2) == [
        "2025-10-04T02:15:00+10:30", "2025-10-05T02:45:00+11:00"]


# ---------------------------------------------------------------------------------------------
# At most once a minute (issue 16.3)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("DTSTART:20200101T000000 RRULE:FREQ=SECONDLY;COUNT=1000000000", "FREQ=SECONDLY"),
        ("RRULE:FREQ=SECONDLY;INTERVAL=120", "FREQ=SECONDLY"),
        ("RRULE:FREQ=MINUTELY;BYSECOND=0,30", "BYSECOND=0,30 runs several times in a minute"),
        ("RRULE:FREQ=DAILY;BYHOUR=9;BYSECOND=1,2", "BYSECOND=1,2"),
    ],
)
def test_a_rule_firing_more_than_once_a_minute_is_invalid(text: str, detail: str) -> None:
    with pytest.raises(ScheduleError, match="fires more often than once a minute") as raised:
        parse_schedule({"schedule": text}, BERLIN)
    assert detail in str(raised.value) and "FREQ=MINUTELY or coarser" in str(raised.value)


def test_one_bysecond_value_is_fine_and_kept() -> None:
    assert chain("RRULE:FREQ=MINUTELY;INTERVAL=30;BYSECOND=15", utc(2025, 1, 8, 8), 2) == [
        "2025-01-08T09:00:15+01:00", "2025-01-08T09:30:15+01:00"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("every_30_seconds", None), ("every_59_seconds", None), ("every_60_seconds", timedelta(minutes=1)),
     ("every_90_seconds", timedelta(seconds=90))],
)
def test_every_n_seconds_runs_only_from_60_seconds(value: str, expected: timedelta | None) -> None:
    if expected is None:
        with pytest.raises(ScheduleError, match="fires more often than once a minute"):
            parse_schedule({"schedule": value}, BERLIN)
        return
    schedule = parse_schedule({"schedule": value}, BERLIN)
    runs = preview(schedule, first_run(schedule, utc(2025, 1, 8, 8, 0, 30)), 3)
    assert runs[1] - runs[0] == runs[2] - runs[1] == expected


# ---------------------------------------------------------------------------------------------
# Bounded work (issue 16.3)
# ---------------------------------------------------------------------------------------------

# The worst rules we could construct: old DTSTARTs, huge COUNT and INTERVAL, dense expansions,
# BYSETPOS over big periods, rules that never or rarely match, and evaluation far from DTSTART.
WORST = [
    "DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;COUNT=1000000000",
    "DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;INTERVAL=1439;BYHOUR=3;BYMINUTE=7",
    "DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=0;BYMINUTE=0",
    "DTSTART:19000101T000000 RRULE:FREQ=HOURLY;INTERVAL=999999937",
    "DTSTART:19000101T000000 RRULE:FREQ=HOURLY;INTERVAL=23;BYHOUR=5;BYDAY=SU;BYMONTH=2",
    "DTSTART:19000101T000000 RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU",
    "DTSTART:19000101T000000 RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=FR",
    "DTSTART:19000101T000000 RRULE:FREQ=DAILY;INTERVAL=1000003;COUNT=999999999",
    "DTSTART:19000101T000000 RRULE:FREQ=WEEKLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29",
    "DTSTART:19000101T000000 RRULE:FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4,6,9,11,12",
    "DTSTART:19000101T000000 RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;COUNT=100",
    "DTSTART:19000101T000000 RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;"
    "BYMONTHDAY=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31;"
    "BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;"
    "BYMINUTE=" + ",".join(str(m) for m in range(60)),
    "DTSTART:19000101T000000 RRULE:FREQ=YEARLY;BYSETPOS=" + ",".join(str(p) for p in range(-366, 367) if p)
    + ";BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=" + ",".join(str(h) for h in range(24)),
    "DTSTART:19000101T000000 RRULE:FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;BYMONTH=1",
    "DTSTART:19000101T000000 RRULE:FREQ=YEARLY;INTERVAL=400;BYMONTH=2;BYMONTHDAY=29;COUNT=1000000",
    "DTSTART:99990101T000000 RRULE:FREQ=MINUTELY;COUNT=999999999999",
    "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYDAY=SU;BYHOUR=23;BYMINUTE=59",
    "RRULE:FREQ=WEEKLY;INTERVAL=52;BYDAY=MO;BYMONTH=2;BYMONTHDAY=29",
]
# Well under STEP_LIMIT (200,000): the margin is the guard, not a behaviour.
WORST_STEPS = 40_000


@pytest.mark.parametrize("text", WORST)
def test_the_worst_rules_take_a_bounded_number_of_steps_to_read_and_to_evaluate_anywhere(text: str) -> None:
    reading = Meter()
    try:
        spec, zone = parse_rrule(text, BERLIN, reading)
    except ScheduleError as error:  # several of them never run, which reading finds out
        assert "never runs" in str(error)
        assert reading.steps < WORST_STEPS
        return
    assert reading.steps < WORST_STEPS < STEP_LIMIT
    for after in (utc(2026, 3, 29, 0, 30), utc(2030, 12, 31, 23, 59), utc(9999, 12, 31)):
        meter = Meter()
        rrule_after(spec, zone, None, after, after, meter)
        assert meter.steps < WORST_STEPS


def test_a_billion_minute_count_is_resolved_in_closed_form() -> None:
    spec, _ = rrule("DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;COUNT=1000000000")
    assert spec.last == datetime(1900, 1, 1) + timedelta(minutes=10**9 - 1)
    spec, _ = rrule("DTSTART:20200101T000000 RRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9,17;COUNT=1000001")
    # 4 runs a week; the first week (from Wed 2020-01-01) holds 2 (Fri 09:00, 17:00).
    weeks, position = divmod(1000001 - 2 - 1, 4)
    monday = datetime(2020, 1, 6) + timedelta(weeks=weeks)
    assert spec.last == [monday.replace(hour=9), monday.replace(hour=17), monday + timedelta(days=4, hours=9),
                         monday + timedelta(days=4, hours=17)][position]


def test_a_count_reaching_past_year_9999_never_ends_the_series() -> None:
    spec, _ = rrule("DTSTART:20200101T000000 RRULE:FREQ=DAILY;COUNT=999999999999")
    assert spec.last is None
    assert chain("DTSTART:20200101T000000 RRULE:FREQ=DAILY;COUNT=999999999999", utc(2025, 12, 31, 23), 2) == [
        "2026-01-01T00:00:00+01:00", "2026-01-02T00:00:00+01:00"]


def test_a_count_at_the_cap_is_counted_to_dateutils_last_run() -> None:
    from dateutil.rrule import rrulestr

    rule = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;COUNT=10000"
    spec, _ = rrule(f"DTSTART:20000101T090000 RRULE:{rule}")
    assert spec.last == list(rrulestr(rule, dtstart=datetime(2000, 1, 1, 9)))[-1] == datetime(2038, 4, 30, 9)


def test_a_count_that_must_be_counted_stops_at_the_documented_cap() -> None:
    fine = "DTSTART:20200101T090000 RRULE:FREQ=DAILY;BYDAY=MO;COUNT=3"
    assert chain(fine, utc(2019, 1, 1), 5) == [
        "2020-01-06T09:00:00+01:00", "2020-01-13T09:00:00+01:00", "2020-01-20T09:00:00+01:00"]
    with pytest.raises(ScheduleError, match=rf"counting more than {MAX_COUNTED:,} runs.*give UNTIL instead"):
        parse_schedule({"schedule": f"DTSTART:20200101T090000 RRULE:FREQ=DAILY;BYDAY=MO;COUNT={MAX_COUNTED + 1}"},
                       BERLIN)
    with pytest.raises(ScheduleError, match=rf"beyond {HORIZON_YEARS} years after DTSTART"):
        parse_schedule({"schedule": "DTSTART:20200101T090000 RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;COUNT=500"},
                       BERLIN)


@pytest.mark.parametrize(
    "text",
    ["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "DTSTART:20200107T000000 RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=MO",
     "RRULE:FREQ=MINUTELY;BYSETPOS=2", "DTSTART:20200101T000000 RRULE:FREQ=DAILY;UNTIL=20191231T000000Z"],
)
def test_a_rule_that_never_runs_is_refused_when_read(text: str) -> None:
    with pytest.raises(ScheduleError, match="never runs"):
        parse_schedule({"schedule": text}, BERLIN)


def test_a_rule_with_no_run_within_a_century_counts_as_finished() -> None:
    schedule = parse_schedule({"schedule": "DTSTART:20250101T090000 RRULE:FREQ=YEARLY;INTERVAL=150"}, BERLIN)
    assert next_occurrence(schedule, utc(2025, 1, 1, 8)) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("RRULE:FREQ=DAILY;COUNT=3;UNTIL=20300101T000000Z", "COUNT and UNTIL cannot both be given"),
        ("RRULE:FREQ=DAILY;INTERVAL=0", "INTERVAL=0 must be one whole number, at least 1"),
        ("DTSTART:20250101T000000 RRULE:FREQ=DAILY;COUNT=0", "COUNT=0 must be one whole number"),
        ("RRULE:FREQ=WEEKLY;BYDAY=1MO", "numbered BYDAY values (1MO, -1FR) need FREQ=MONTHLY or FREQ=YEARLY"),
        ("RRULE:FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO", "numbered BYDAY values cannot go with BYWEEKNO"),
        ("RRULE:FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO needs FREQ=YEARLY"),
        ("RRULE:FREQ=DAILY;BYHOUR=24", "BYHOUR value '24' is out of range (0..23)"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY value '0' is out of range (1..31 or -31..-1)"),
        ("RRULE:FREQ=DAILY;BYHOUR=٣", "BYHOUR value '٣' is not a whole number"),
        ("RRULE:FREQ=DAILY;BYEASTER=0", "unknown part BYEASTER"),
        ("RRULE:FREQ=DAILY;FREQ=WEEKLY", "FREQ is given twice"),
        ("RRULE:FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not one of"),
        ("RRULE:FREQ=DAILY;UNTIL=tomorrow", "UNTIL=tomorrow is not YYYYMMDD"),
        ("RRULE:FREQ=DAILY EXDATE:20250101", "unexpected 'EXDATE:20250101'"),
    ],
)
def test_rule_errors_say_what_to_change(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule({"schedule": text}, BERLIN)
    assert str(raised.value).startswith(f"schedule {text!r} ")
    assert message in str(raised.value)


# ---------------------------------------------------------------------------------------------
# Documented differences from dateutil (RFC 5545 leaves these open or forbids them)
# ---------------------------------------------------------------------------------------------


def test_byday_mixing_plain_and_numbered_weekdays_selects_either() -> None:
    assert chain("DTSTART:20250101T090000 RRULE:FREQ=MONTHLY;BYDAY=FR,1MO", utc(2024, 12, 31), 4) == [
        "2025-01-03T09:00:00+01:00", "2025-01-06T09:00:00+01:00", "2025-01-10T09:00:00+01:00",
        "2025-01-17T09:00:00+01:00"]


def test_weekly_bysetpos_counts_positions_in_the_whole_first_week() -> None:
    # DTSTART is a Wednesday: the first week's set is Mon, Wed, Fri, so position 1 is Monday
    # (before DTSTART, not a run) and the first run is the next Monday.
    assert chain("DTSTART:20250101T090000 RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=1", utc(2024, 12, 31), 2) == [
        "2025-01-06T09:00:00+01:00", "2025-01-13T09:00:00+01:00"]
