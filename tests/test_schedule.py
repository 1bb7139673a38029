"""Task schedules: parsing every value the tasks-channel format uses, first runs, misfires, errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from leaguectl.schedule import (
    DueStatus,
    ScheduleError,
    ScheduleKind,
    describe,
    due_runs,
    first_run,
    format_timestamp,
    localize,
    next_occurrence,
    parse_schedule,
    parse_timestamp,
    parse_weekday,
    pin_fields,
    preview,
    stored_next_run,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
GRACE = timedelta(hours=1)


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A UTC instant given as an unambiguous local wall time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)


def local(moment: datetime | None, zone: ZoneInfo = BERLIN) -> str:
    assert moment is not None
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %a")


def runs(task: Mapping[str, object], now: datetime, n: int = 5, zone: ZoneInfo = BERLIN) -> list[str]:
    schedule = parse_schedule(task, zone)
    return [local(run, schedule.zone) for run in preview(schedule, first_run(schedule, now), n)]


# ---------------------------------------------------------------------------------------------
# localize and timestamps
# ---------------------------------------------------------------------------------------------


def test_localize_moves_a_spring_forward_gap_time_forward_by_the_gap() -> None:
    shifted = localize(datetime(2025, 3, 30, 2, 30), BERLIN)
    assert shifted.isoformat() == "2025-03-30T03:30:00+02:00"
    assert shifted.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


def test_localize_takes_the_first_occurrence_of_an_ambiguous_time() -> None:
    assert localize(datetime(2025, 10, 26, 2, 30), BERLIN).isoformat() == "2025-10-26T02:30:00+02:00"
    assert localize(datetime(2025, 11, 2, 1, 30), NEW_YORK).isoformat() == "2025-11-02T01:30:00-04:00"


def test_localize_leaves_ordinary_times_alone_and_refuses_aware_input() -> None:
    assert localize(datetime(2025, 7, 1, 9), BERLIN).isoformat() == "2025-07-01T09:00:00+02:00"
    with pytest.raises(ValueError, match="naive"):
        localize(datetime(2025, 7, 1, 9, tzinfo=UTC), BERLIN)


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2025-01-05T09:00", datetime(2025, 1, 5, 8, 0)),
        ("2025-01-05 09:00", datetime(2025, 1, 5, 8, 0)),
        ("2025-01-05T09:00:15", datetime(2025, 1, 5, 8, 0, 15)),
        ("2026-11-21T22:43:38.143101", datetime(2026, 11, 21, 21, 43, 38, 143101)),
        ("2025-07-16T00:30:00", datetime(2025, 7, 15, 22, 30)),  # midnight hour is not read 24 h early
        ("2025-07-16T09:00", datetime(2025, 7, 16, 7, 0)),  # no seconds: still Berlin, not UTC
        ("2025-07-16T07:00:00.000Z", datetime(2025, 7, 16, 7, 0)),  # the scheduler's toISOString form
        ("2025-07-16T07:00:00Z", datetime(2025, 7, 16, 7, 0)),
        ("2025-07-16T12:30:00+05:30", datetime(2025, 7, 16, 7, 0)),
        ("2025-07-16T03:00-04:00", datetime(2025, 7, 16, 7, 0)),
        ("2025-03-30T02:30", datetime(2025, 3, 30, 1, 30)),  # gap: shifted forward
        ("2025-10-26T02:30", datetime(2025, 10, 26, 0, 30)),  # ambiguous: first occurrence
        ("2025-07-16", datetime(2025, 7, 15, 22, 0)),
    ],
)
def test_timestamps_in_every_form_the_tools_write_are_read_as_the_right_instant(
    text: str, expected_utc: datetime
) -> None:
    assert parse_timestamp(text, BERLIN) == expected_utc.replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["tomorrow", "2025-13-01T09:00", "2025-01-05T24:00", "2025-01-05T9", ""])
def test_a_bad_timestamp_is_an_error_naming_the_field(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"^next_run '.*' is not a"):
        parse_timestamp(text, BERLIN, "next_run")


def test_format_timestamp_writes_local_iso_with_offset_that_reads_back_exactly() -> None:
    second_occurrence = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 CET, the repeat
    text = format_timestamp(second_occurrence, BERLIN)
    assert text == "2025-10-26T02:30:00+01:00"
    assert parse_timestamp(text, BERLIN) == second_occurrence


def test_stored_next_run_reads_naive_values_in_the_task_zone() -> None:
    task = {"schedule": "daily", "time": "09:00", "timezone": "America/New_York",
            "next_run": "2025-07-16T09:00:00"}
    schedule = parse_schedule(task, BERLIN)
    assert stored_next_run(task, schedule) == datetime(2025, 7, 16, 13, 0, tzinfo=UTC)
    assert stored_next_run({"schedule": "daily", "next_run": None}, schedule) is None
    with pytest.raises(ScheduleError, match=r"^next_run 'soon' is not a timestamp"):
        stored_next_run({"next_run": "soon"}, schedule)


# ---------------------------------------------------------------------------------------------
# Parsing the task dict
# ---------------------------------------------------------------------------------------------


def test_a_task_exactly_as_the_original_tool_writes_it_parses() -> None:
    task = {
        "task_name": "Morning", "description": None, "schedule": "weekly", "time": "09:00",
        "specific_date": None, "day_of_month": None, "month": None, "day_of_week": "monday",
        "action_type": "user_reminder", "action_target": "123", "action_template": "Good morning! \u2600",
        "one_time": False, "created_at": "2026-11-21T22:43:38.143101",
        "first_run": "2026-11-21T22:43:38.143101", "next_run": "2026-11-23T09:00:00", "active": True,
    }
    schedule = parse_schedule(task, BERLIN)
    assert (schedule.kind, schedule.day_of_week, schedule.time, schedule.zone) == (
        ScheduleKind.WEEKLY, 0, time(9), BERLIN)
    assert not schedule.one_time
    slot = stored_next_run(task, schedule)
    assert local(next_occurrence(schedule, slot)) == "2026-11-30 09:00 Mon"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "weekday"),
    [("monday", 0), ("Monday", 0), ("MON", 0), ("tue", 1), ("Sunday", 6), (0, 0), (6, 6), ("4", 4)],
)
def test_weekdays_accept_names_abbreviations_and_python_numbers(value: object, weekday: int) -> None:
    assert parse_weekday(value) == weekday


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ({"schedule": "fortnightly"}, "schedule 'fortnightly' is not a known schedule"),
        ({"schedule": "every_monday"}, "schedule 'every_monday' is not a known schedule"),
        ({"schedule": "secondly"}, "schedule 'secondly' is not a known schedule"),
        ({"schedule": "every_30_seconds"}, "schedule 'every_30_seconds' fires more often than once a minute"),
        ({"schedule": "every_0_hours"}, "schedule 'every_0_hours' needs a count of at least 1"),
        ({"schedule": "in_2_fortnights"}, "schedule 'in_2_fortnights' is not a known schedule"),
        ({}, "schedule is missing"),
        ({"schedule": 5}, "schedule 5 is not a known schedule"),
        ({"schedule": "weekly", "day_of_week": "Funday"}, "day_of_week 'Funday' is not a weekday"),
        ({"schedule": "weekly", "day_of_week": 7}, "day_of_week 7 is not a weekday"),
        ({"schedule": "monthly", "day_of_month": 32}, "day_of_month 32 is not a day of the month"),
        ({"schedule": "monthly", "day_of_month": True}, "day_of_month True is not a day of the month"),
        ({"schedule": "yearly", "month": 13}, "month 13 is not a month"),
        ({"schedule": "daily", "time": "24:00"}, "time '24:00' is not a time of day"),
        ({"schedule": "daily", "time": "9am"}, "time '9am' is not a time of day"),
        ({"schedule": "today_at_25:00"}, "schedule 'today_at_25:00' has no valid time of day"),
        ({"schedule": "daily", "timezone": "Mars/Base"}, "timezone 'Mars/Base' is not a known IANA time zone"),
        ({"schedule": "on_date"}, "specific_date is required for schedule 'on_date'"),
        ({"schedule": "on_date", "specific_date": "31.02.2026"}, "specific_date '31.02.2026' is not a valid date"),
        ({"schedule": "on_date", "specific_date": "next friday"}, "specific_date 'next friday' is not a date"),
        ({"schedule": "daily", "one_time": "maybe"}, "one_time 'maybe' is not true or false"),
        ({"schedule": "0 9 * * FUN"}, "schedule '0 9 * * FUN' is not a valid cron expression: day-of-week 'FUN'"),
        ({"schedule": "61 * * * *"}, "schedule '61 * * * *' is not a valid cron expression: minute '61'"),
        ({"schedule": "cron:0 9 * *"}, "schedule 'cron:0 9 * *' is not a valid cron expression: it needs 5"),
        ({"schedule": "0 0 31 4,6 *"}, "schedule '0 0 31 4,6 *' never runs"),
        ({"schedule": "RRULE:FREQ=SOMETIMES"}, "schedule 'RRULE:FREQ=SOMETIMES' is not a valid RRULE"),
        ({"schedule": "RRULE:FREQ=DAILY;COUNT=3"}, "COUNT needs a DTSTART"),
        ({"schedule": "DTSTART:2025 RRULE:FREQ=DAILY"}, "bad DTSTART"),
    ],
)
def test_an_invalid_schedule_is_an_error_naming_the_field_and_value(task: dict[str, object], message: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(task, BERLIN)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_fields_a_schedule_does_not_use_are_ignored_even_when_junk() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "08:00", "day_of_week": "Funday",
                               "day_of_month": 99, "specific_date": "soon"}, BERLIN)
    assert (schedule.kind, schedule.time) == (ScheduleKind.DAILY, time(8))


@pytest.mark.parametrize(
    ("value", "one_time"),
    [(None, False), (False, False), ("false", False), ("False", False), (True, True), ("true", True), (1, True)],
)
def test_the_one_time_flag_is_read_strictly(value: object, one_time: bool) -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "09:00", "one_time": value}, BERLIN)
    assert schedule.one_time is one_time


@pytest.mark.parametrize("value", ["in_5_minutes", "in_1_hour", "today_at_09:00", "tomorrow_at_7:05", "on_date"])
def test_one_time_values_are_one_time_whatever_the_flag_says(value: str) -> None:
    schedule = parse_schedule({"schedule": value, "specific_date": "2030-01-01", "one_time": False}, BERLIN)
    assert schedule.one_time
    assert next_occurrence(schedule, datetime(2030, 1, 1, tzinfo=UTC)) is None


def test_a_recurring_schedule_flagged_one_time_runs_once() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "09:00", "one_time": True}, BERLIN)
    assert next_occurrence(schedule, at(BERLIN, 2025, 1, 6, 9)) is None


def test_a_task_timezone_overrides_the_default_zone() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "09:00", "timezone": "Australia/Sydney"}, BERLIN)
    assert schedule.zone == SYDNEY
    assert parse_schedule({"schedule": "daily", "timezone": None}, BERLIN).zone == BERLIN


# ---------------------------------------------------------------------------------------------
# First runs (tasks add) and the named schedules
# ---------------------------------------------------------------------------------------------

WED_0800 = at(BERLIN, 2025, 1, 8, 8, 0, 30)  # Wednesday 2025-01-08 08:00:30 Berlin


def test_daily_with_a_time_starts_today_if_still_ahead_else_tomorrow() -> None:
    assert runs({"schedule": "daily", "time": "09:00"}, WED_0800, 2) == ["2025-01-08 09:00 Wed", "2025-01-09 09:00 Thu"]
    assert runs({"schedule": "daily", "time": "07:00"}, WED_0800, 1) == ["2025-01-09 07:00 Thu"]


def test_daily_without_a_time_keeps_the_creation_wall_time_across_dst() -> None:
    assert runs({"schedule": "daily"}, at(BERLIN, 2025, 3, 29, 10, 15, 42), 3) == [
        "2025-03-30 10:15 Sun", "2025-03-31 10:15 Mon", "2025-04-01 10:15 Tue"]


def test_weekly_on_todays_weekday_later_today_runs_today() -> None:
    task = {"schedule": "weekly", "day_of_week": "wednesday", "time": "09:00"}
    assert runs(task, WED_0800, 2) == ["2025-01-08 09:00 Wed", "2025-01-15 09:00 Wed"]


def test_weekly_on_another_day_runs_on_that_weekday() -> None:
    task = {"schedule": "weekly", "day_of_week": "Mon", "time": "18:30"}
    assert runs(task, WED_0800, 2) == ["2025-01-13 18:30 Mon", "2025-01-20 18:30 Mon"]


def test_weekly_without_a_weekday_repeats_on_the_creation_weekday() -> None:
    assert runs({"schedule": "weekly"}, WED_0800, 2) == ["2025-01-15 08:00 Wed", "2025-01-22 08:00 Wed"]


def test_monthly_on_the_31st_clamps_and_returns_to_the_31st() -> None:
    task = {"schedule": "monthly", "day_of_month": 31, "time": "09:00"}
    assert runs(task, WED_0800, 5) == [
        "2025-01-31 09:00 Fri", "2025-02-28 09:00 Fri", "2025-03-31 09:00 Mon",
        "2025-04-30 09:00 Wed", "2025-05-31 09:00 Sat"]


def test_monthly_on_a_passed_day_starts_next_month() -> None:
    assert runs({"schedule": "monthly", "day_of_month": "5", "time": "00:00"}, WED_0800, 1) == [
        "2025-02-05 00:00 Wed"]


def test_yearly_on_feb_29_uses_feb_28_in_common_years() -> None:
    task = {"schedule": "yearly", "month": "February", "day_of_month": 29, "time": "12:00"}
    assert runs(task, WED_0800, 4) == [
        "2025-02-28 12:00 Fri", "2026-02-28 12:00 Sat", "2027-02-28 12:00 Sun", "2028-02-29 12:00 Tue"]


def test_minutely_hourly_and_every_n_minutes_start_one_period_after_creation() -> None:
    assert runs({"schedule": "minutely"}, WED_0800, 2) == ["2025-01-08 08:01 Wed", "2025-01-08 08:02 Wed"]
    assert runs({"schedule": "hourly", "time": "13:00"}, WED_0800, 2) == [
        "2025-01-08 09:00 Wed", "2025-01-08 10:00 Wed"]
    assert runs({"schedule": "every_45_minutes"}, WED_0800, 3) == [
        "2025-01-08 08:45 Wed", "2025-01-08 09:30 Wed", "2025-01-08 10:15 Wed"]


def test_every_n_hours_is_elapsed_time_so_the_wall_clock_moves_across_dst() -> None:
    assert runs({"schedule": "every_12_hours"}, at(BERLIN, 2025, 3, 29, 9), 4) == [
        "2025-03-29 21:00 Sat", "2025-03-30 10:00 Sun", "2025-03-30 22:00 Sun", "2025-03-31 10:00 Mon"]


def test_every_n_days_with_a_time_is_anchored_on_the_creation_day() -> None:
    task = {"schedule": "every_2_days", "time": "09:00"}
    assert runs(task, WED_0800, 3) == ["2025-01-08 09:00 Wed", "2025-01-10 09:00 Fri", "2025-01-12 09:00 Sun"]
    assert runs({"schedule": "every_2_days", "time": "07:00"}, WED_0800, 1) == ["2025-01-10 07:00 Fri"]


def test_every_n_weeks_honours_day_of_week() -> None:
    task = {"schedule": "every_2_weeks", "day_of_week": "friday", "time": "17:00"}
    assert runs(task, WED_0800, 3) == ["2025-01-10 17:00 Fri", "2025-01-24 17:00 Fri", "2025-02-07 17:00 Fri"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("in_90_seconds", "2025-01-08T08:02:00+01:00"),
        ("in_5_minutes", "2025-01-08T08:05:30+01:00"),
        ("in_1_minute", "2025-01-08T08:01:30+01:00"),
        ("in_2_hours", "2025-01-08T10:00:30+01:00"),
        ("in_2_days", "2025-01-10T08:00:30+01:00"),
        ("in_1_week", "2025-01-15T08:00:30+01:00"),
    ],
)
def test_in_n_units_is_now_plus_n(value: str, expected: str) -> None:
    schedule = parse_schedule({"schedule": value}, BERLIN)
    assert format_timestamp(first_run(schedule, WED_0800), BERLIN) == expected


def test_in_n_days_keeps_the_wall_time_across_dst_but_in_n_hours_does_not() -> None:
    now = at(BERLIN, 2025, 3, 29, 12)
    days = first_run(parse_schedule({"schedule": "in_1_days"}, BERLIN), now)
    hours = first_run(parse_schedule({"schedule": "in_24_hours"}, BERLIN), now)
    assert (local(days), local(hours)) == ("2025-03-30 12:00 Sun", "2025-03-30 13:00 Sun")


def test_today_at_runs_today_and_is_an_error_once_the_time_has_passed() -> None:
    assert runs({"schedule": "today_at_21:15"}, WED_0800) == ["2025-01-08 21:15 Wed"]
    with pytest.raises(ScheduleError, match=r"^schedule 'today_at_07:59' is in the past"):
        first_run(parse_schedule({"schedule": "today_at_07:59"}, BERLIN), WED_0800)


def test_tomorrow_at_runs_tomorrow_once() -> None:
    assert runs({"schedule": "tomorrow_at_06:00", "time": "23:00"}, WED_0800) == ["2025-01-09 06:00 Thu"]


@pytest.mark.parametrize("specific_date", ["2025-02-14", "14.02.2025"])
def test_on_date_runs_once_on_that_date_at_time_or_midnight(specific_date: str) -> None:
    assert runs({"schedule": "on_date", "specific_date": specific_date, "time": "19:30"}, WED_0800) == [
        "2025-02-14 19:30 Fri"]
    assert runs({"schedule": "on_date", "specific_date": specific_date}, WED_0800) == ["2025-02-14 00:00 Fri"]


def test_on_date_in_the_past_is_an_error() -> None:
    with pytest.raises(ScheduleError, match=r"^schedule 'on_date' is in the past"):
        first_run(parse_schedule({"schedule": "on_date", "specific_date": "2025-01-07"}, BERLIN), WED_0800)


def test_a_spring_forward_first_run_lands_after_the_gap() -> None:
    task = {"schedule": "daily", "time": "02:30"}
    assert runs(task, at(BERLIN, 2025, 3, 29, 12), 3) == [
        "2025-03-30 03:30 Sun", "2025-03-31 02:30 Mon", "2025-04-01 02:30 Tue"]


def test_new_york_0130_on_fall_back_day_runs_once_at_the_first_occurrence() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "01:30"}, NEW_YORK)
    first = first_run(schedule, at(NEW_YORK, 2025, 10, 31, 12))
    got = preview(schedule, first, 3)
    assert [format_timestamp(run, NEW_YORK) for run in got] == [
        "2025-11-01T01:30:00-04:00", "2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00"]


def test_next_run_after_a_0030_slot_is_tomorrow_not_the_same_slot() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "00:30"}, BERLIN)
    slot = parse_timestamp("2025-07-16T00:30:00", BERLIN)
    assert local(next_occurrence(schedule, slot)) == "2025-07-17 00:30 Thu"
    # Processing late in the Berlin day (after UTC midnight) does not skip a day either.
    assert local(next_occurrence(schedule, at(BERLIN, 2025, 1, 16, 0, 45))) == "2025-01-17 00:30 Fri"


def test_monthly_without_day_of_month_takes_the_day_from_its_slot() -> None:
    schedule = parse_schedule({"schedule": "monthly", "time": "09:00"}, BERLIN)
    assert local(next_occurrence(schedule, at(BERLIN, 2025, 1, 15, 9))) == "2025-02-15 09:00 Sat"
    assert local(next_occurrence(schedule, at(BERLIN, 2025, 1, 31, 9))) == "2025-02-28 09:00 Fri"


# ---------------------------------------------------------------------------------------------
# Cron and RRULE
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0 9 * * 1", ["2025-01-13 09:00 Mon", "2025-01-20 09:00 Mon"]),
        ("cron:0 9 * * MON", ["2025-01-13 09:00 Mon", "2025-01-20 09:00 Mon"]),
        ("CRON: 0 9 * * mon", ["2025-01-13 09:00 Mon", "2025-01-20 09:00 Mon"]),
        ("0 9 * * 0", ["2025-01-12 09:00 Sun", "2025-01-19 09:00 Sun"]),
        ("0 9 * * 7", ["2025-01-12 09:00 Sun", "2025-01-19 09:00 Sun"]),
        ("*/20 8-9 * * *", ["2025-01-08 08:20 Wed", "2025-01-08 08:40 Wed", "2025-01-08 09:00 Wed"]),
        ("5/30 * * * *", ["2025-01-08 08:05 Wed", "2025-01-08 08:35 Wed"]),
        ("0 12 1 JAN,jul *", ["2025-07-01 12:00 Tue", "2026-01-01 12:00 Thu"]),
        ("0 0 13 * FRI", ["2025-01-10 00:00 Fri", "2025-01-13 00:00 Mon", "2025-01-17 00:00 Fri"]),
        ("0 0 1-7 * */7", ["2025-02-02 00:00 Sun", "2025-03-02 00:00 Sun"]),  # * first: both must match
        ("0 0 29 2 *", ["2028-02-29 00:00 Tue", "2032-02-29 00:00 Sun"]),
        ("@daily", ["2025-01-09 00:00 Thu", "2025-01-10 00:00 Fri"]),
        ("@hourly", ["2025-01-08 09:00 Wed", "2025-01-08 10:00 Wed"]),
        ("@weekly", ["2025-01-12 00:00 Sun", "2025-01-19 00:00 Sun"]),
        ("@monthly", ["2025-02-01 00:00 Sat", "2025-03-01 00:00 Sat"]),
        ("@yearly", ["2026-01-01 00:00 Thu", "2027-01-01 00:00 Fri"]),
    ],
)
def test_cron_expressions(value: str, expected: list[str]) -> None:
    assert runs({"schedule": value}, WED_0800, len(expected)) == expected


def test_a_cron_expression_ignores_the_legacy_time_field() -> None:
    assert runs({"schedule": "0 9 * * MON", "time": "18:00"}, WED_0800, 1) == ["2025-01-13 09:00 Mon"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", ["2025-01-13 00:00 Mon", "2025-01-20 00:00 Mon"]),
        ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", ["2025-01-13 09:00 Mon", "2025-01-20 09:00 Mon"]),
        ("rrule:FREQ=MONTHLY;BYDAY=1MO;BYHOUR=18;BYMINUTE=30", ["2025-02-03 18:30 Mon", "2025-03-03 18:30 Mon"]),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=20", ["2025-01-31 20:00 Fri", "2025-02-28 20:00 Fri"]),
        ("DTSTART:20250101T083000\nRRULE:FREQ=DAILY;INTERVAL=3",
         ["2025-01-10 08:30 Fri", "2025-01-13 08:30 Mon"]),
    ],
)
def test_rrules(value: str, expected: list[str]) -> None:
    assert runs({"schedule": value}, WED_0800, len(expected)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DTSTART:20250101T073000Z RRULE:FREQ=DAILY;COUNT=9", ["2025-01-08 08:30 Wed", "2025-01-09 08:30 Thu"]),
        ("DTSTART:20250101T090000 RRULE:FREQ=DAILY;UNTIL=20250109T080000Z",
         ["2025-01-08 09:00 Wed", "2025-01-09 09:00 Thu"]),
    ],
)
def test_rrules_with_count_or_until_end(value: str, expected: list[str]) -> None:
    assert runs({"schedule": value}, WED_0800, 5) == expected


def test_an_rrule_without_byhour_uses_the_time_field() -> None:
    task = {"schedule": "RRULE:FREQ=WEEKLY;BYDAY=FR", "time": "16:45"}
    assert runs(task, WED_0800, 2) == ["2025-01-10 16:45 Fri", "2025-01-17 16:45 Fri"]


def test_an_rrule_dtstart_tzid_sets_the_zone() -> None:
    schedule = parse_schedule({"schedule": "DTSTART;TZID=America/New_York:20250103T090000\n"
                                           "RRULE:FREQ=WEEKLY"}, BERLIN)
    assert schedule.zone == NEW_YORK
    assert local(first_run(schedule, WED_0800), NEW_YORK) == "2025-01-10 09:00 Fri"


def test_a_finished_rrule_has_no_next_occurrence() -> None:
    schedule = parse_schedule({"schedule": "DTSTART:20250101T090000 RRULE:FREQ=DAILY;COUNT=2"}, BERLIN)
    assert next_occurrence(schedule, at(BERLIN, 2025, 1, 2, 9)) is None
    assert preview(schedule, at(BERLIN, 2025, 1, 1, 9)) == [at(BERLIN, 2025, 1, 1, 9), at(BERLIN, 2025, 1, 2, 9)]


# ---------------------------------------------------------------------------------------------
# Misfire policy
# ---------------------------------------------------------------------------------------------


def test_a_task_before_its_slot_is_not_due() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "09:00"}, BERLIN)
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 8, 9), at(BERLIN, 2025, 1, 8, 8, 59, 59), GRACE)
    assert decision.status is DueStatus.NOT_DUE and not decision.should_run
    assert decision.next_run == at(BERLIN, 2025, 1, 8, 9)


def test_a_task_exactly_at_its_slot_is_due_and_moves_to_the_next_slot() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "09:00"}, BERLIN)
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 8, 9), at(BERLIN, 2025, 1, 8, 9), GRACE)
    assert decision.should_run and local(decision.next_run) == "2025-01-09 09:00 Thu"


def test_a_daily_task_overdue_by_several_days_runs_once_and_skips_to_the_next_future_slot() -> None:
    schedule = parse_schedule({"schedule": "daily", "time": "09:00"}, BERLIN)
    now = at(BERLIN, 2025, 1, 12, 10)
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 8, 9), now, GRACE)
    assert decision.status is DueStatus.DUE
    assert local(decision.next_run) == "2025-01-13 09:00 Mon"
    assert decision.late_by == timedelta(days=4, hours=1)
    # The pass after that sees nothing due: the task ran once, not once per missed day.
    assert due_runs(schedule, decision.next_run, now, GRACE).status is DueStatus.NOT_DUE  # type: ignore[arg-type]


def test_an_overdue_interval_task_keeps_its_phase() -> None:
    schedule = parse_schedule({"schedule": "every_15_minutes"}, BERLIN)
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 8, 8, 5), at(BERLIN, 2025, 1, 8, 11, 0, 20), GRACE)
    assert decision.should_run and local(decision.next_run) == "2025-01-08 11:05 Wed"


def test_an_overdue_weekly_cron_and_rrule_task_skip_to_their_next_future_slot() -> None:
    now = at(BERLIN, 2025, 2, 5, 12)  # a Wednesday
    for value in ("0 9 * * MON", "RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"):
        schedule = parse_schedule({"schedule": value}, BERLIN)
        decision = due_runs(schedule, at(BERLIN, 2025, 1, 13, 9), now, GRACE)
        assert decision.should_run and local(decision.next_run) == "2025-02-10 09:00 Mon"


def test_an_overdue_every_2_weeks_rrule_keeps_its_fortnight_phase_from_the_slot() -> None:
    schedule = parse_schedule({"schedule": "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9"}, BERLIN)
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 13, 9), at(BERLIN, 2025, 2, 5, 12), GRACE)
    assert local(decision.next_run) == "2025-02-10 09:00 Mon"
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 13, 9), at(BERLIN, 2025, 1, 29, 12), GRACE)
    assert local(decision.next_run) == "2025-02-10 09:00 Mon"


def test_a_one_time_task_within_the_grace_runs_and_is_finished() -> None:
    schedule = parse_schedule({"schedule": "in_5_minutes"}, BERLIN)
    slot = at(BERLIN, 2025, 1, 8, 9)
    for late in (timedelta(0), timedelta(minutes=59), GRACE):
        decision = due_runs(schedule, slot, slot + late, GRACE)
        assert decision.status is DueStatus.DUE and decision.next_run is None and decision.late_by == late


def test_a_one_time_task_later_than_the_grace_is_missed_not_run() -> None:
    schedule = parse_schedule({"schedule": "on_date", "specific_date": "2025-01-08", "time": "09:00"}, BERLIN)
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 8, 9), at(BERLIN, 2025, 1, 8, 10, 0, 1), GRACE)
    assert decision.status is DueStatus.MISSED and not decision.should_run and decision.next_run is None


def test_a_recurring_series_that_ended_runs_its_last_slot_and_is_finished() -> None:
    schedule = parse_schedule({"schedule": "DTSTART:20250101T090000 RRULE:FREQ=DAILY;COUNT=2"}, BERLIN)
    decision = due_runs(schedule, at(BERLIN, 2025, 1, 2, 9), at(BERLIN, 2025, 1, 2, 9, 1), GRACE)
    assert decision.should_run and decision.next_run is None


def test_due_runs_refuses_naive_datetimes() -> None:
    schedule = parse_schedule({"schedule": "daily"}, BERLIN)
    with pytest.raises(ValueError, match="aware"):
        due_runs(schedule, datetime(2025, 1, 8, 9), datetime(2025, 1, 8, 9, tzinfo=UTC), GRACE)


# ---------------------------------------------------------------------------------------------
# Helpers for tasks add / list
# ---------------------------------------------------------------------------------------------


def test_preview_lists_the_first_run_and_the_following_ones() -> None:
    schedule = parse_schedule({"schedule": "weekly", "day_of_week": "friday", "time": "20:00"}, BERLIN)
    first = first_run(schedule, WED_0800)
    assert [local(run) for run in preview(schedule, first)] == [
        "2025-01-10 20:00 Fri", "2025-01-17 20:00 Fri", "2025-01-24 20:00 Fri",
        "2025-01-31 20:00 Fri", "2025-02-07 20:00 Fri"]
    one_time = parse_schedule({"schedule": "in_10_minutes"}, BERLIN)
    assert preview(one_time, first) == [first]


def test_pin_fields_fills_what_the_series_would_otherwise_take_from_each_slot() -> None:
    first = at(BERLIN, 2025, 1, 31, 9)
    assert pin_fields(parse_schedule({"schedule": "monthly"}, BERLIN), first) == {
        "time": "09:00", "day_of_month": 31}
    assert pin_fields(parse_schedule({"schedule": "yearly", "time": "09:00"}, BERLIN), first) == {
        "day_of_month": 31, "month": 1}
    assert pin_fields(parse_schedule({"schedule": "weekly"}, BERLIN), first) == {
        "time": "09:00", "day_of_week": "friday"}
    assert pin_fields(parse_schedule({"schedule": "every_2_hours"}, BERLIN), first) == {}
    assert pin_fields(parse_schedule({"schedule": "daily", "time": "09:00"}, BERLIN), first) == {}


def test_a_pinned_monthly_task_no_longer_drifts_after_february() -> None:
    task: dict[str, object] = {"schedule": "monthly"}
    first = at(BERLIN, 2025, 1, 31, 9)
    task.update(pin_fields(parse_schedule(task, BERLIN), first))
    schedule = parse_schedule(task, BERLIN)
    assert local(preview(schedule, first, 3)[-1]) == "2025-03-31 09:00 Mon"


@pytest.mark.parametrize(
    ("task", "text"),
    [
        ({"schedule": "weekly", "day_of_week": "monday", "time": "09:00"}, "weekly on Monday at 09:00"),
        ({"schedule": "monthly", "day_of_month": 31}, "monthly on day 31"),
        ({"schedule": "yearly", "month": 2, "day_of_month": 29}, "yearly on 29 February"),
        ({"schedule": "every_2_hours"}, "every 2 hours"),
        ({"schedule": "every_1_days", "time": "07:00"}, "every 1 day at 07:00"),
        ({"schedule": "in_5_minutes"}, "once, 5 minutes after creation"),
        ({"schedule": "tomorrow_at_08:15"}, "once, tomorrow at 08:15"),
        ({"schedule": "on_date", "specific_date": "14.02.2026"}, "once on 2026-02-14 at 00:00"),
        ({"schedule": "0 9 * * MON"}, "cron 0 9 * * MON"),
        ({"schedule": "RRULE:FREQ=DAILY"}, "RRULE FREQ=DAILY"),
        ({"schedule": "hourly"}, "every hour"),
    ],
)
def test_describe_gives_a_short_human_description(task: dict[str, object], text: str) -> None:
    assert describe(parse_schedule(task, BERLIN)) == text


def test_importing_the_module_does_not_import_dateutil() -> None:
    code = "import sys, leaguectl.schedule; print('dateutil' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_dates_used_above_are_the_weekdays_the_tests_claim() -> None:
    assert date(2025, 1, 8).weekday() == 2 and WED_0800.astimezone(BERLIN).hour == 8


@pytest.mark.parametrize(
    "rule",
    ["FREQ=MINUTELY;INTERVAL=7", "FREQ=HOURLY;INTERVAL=5;BYDAY=MO,TU", "FREQ=DAILY;INTERVAL=3;BYHOUR=6,18",
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"],
)
def test_an_rrule_with_an_old_dtstart_keeps_its_phase(rule: str) -> None:
    from dateutil.rrule import rrulestr

    start = datetime(2024, 11, 6, 0, 7, 30)  # a Wednesday
    schedule = parse_schedule({"schedule": f"DTSTART:{start:%Y%m%dT%H%M%S} RRULE:{rule}"}, BERLIN)
    full_walk = rrulestr(rule, dtstart=start).after(datetime(2025, 1, 8, 8, 0, 30))
    assert full_walk is not None
    assert next_occurrence(schedule, WED_0800) == localize(full_walk, BERLIN).astimezone(UTC)
