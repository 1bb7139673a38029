"""Hostile input into every schedule field: only ``ScheduleError`` comes out, and evaluation is bounded.

Task messages are written by people and agents, so any JSON value may sit in any field. Each
test feeds arbitrary values (and near-misses of the valid syntax, which reach deeper) into the
parsers, then evaluates whatever parsed: first run, next runs, preview, due decisions. Besides
the error type, the work is bounded: evaluation steps are counted against a limit far below
the production guard (see ``leaguectl.schedule_recurrence``), and hypothesis's deadline catches
anything slow that the counter does not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaguectl import schedule_recurrence, schedule_rrule
from leaguectl.schedule import (
    ScheduleError,
    describe,
    due_runs,
    first_run,
    next_occurrence,
    parse_date,
    parse_day_of_month,
    parse_month,
    parse_schedule,
    parse_time_of_day,
    parse_timestamp,
    parse_weekday,
    parse_zone,
    pin_fields,
    preview,
    stored_next_run,
)

BERLIN = ZoneInfo("Europe/Berlin")
# The worst rules tests/test_schedule_rrule.py constructs take under 40,000 steps; a third of
# the production guard.
TEST_STEP_LIMIT = 60_000

HOSTILE = settings(max_examples=300, deadline=timedelta(seconds=2),
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class TightMeter(schedule_recurrence.Meter):
    def __init__(self, limit: int = TEST_STEP_LIMIT, steps: int = 0) -> None:
        super().__init__(limit=TEST_STEP_LIMIT, steps=steps)


@pytest.fixture(autouse=True)
def tight_meter() -> Iterator[None]:
    """Every evaluation in this module runs under the test's step limit."""
    original = schedule_rrule.Meter
    schedule_rrule.Meter = TightMeter  # type: ignore[misc]
    try:
        yield
    finally:
        schedule_rrule.Meter = original  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-10, 400), st.floats(allow_nan=True),
    st.text(max_size=40), st.text(alphabet="0123456789:-.+ TZ/", max_size=30),
)
json_values = st.one_of(json_scalars, st.lists(json_scalars, max_size=3),
                        st.dictionaries(st.text(max_size=5), json_scalars, max_size=2))

numbers = st.one_of(st.integers(-5, 70).map(str), st.integers(-(10**20), 10**20).map(str),
                    st.text(alphabet="0123456789+-٣²", min_size=1, max_size=25))
weekday_codes = st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU", "mo", "XX", ""])
byday_items = st.builds(lambda n, d: n + d, st.sampled_from(["", "1", "-1", "+2", "5", "53", "-54", "0", "99"]),
                        weekday_codes)


def number_list(draw: st.DrawFn) -> str:
    return ",".join(draw(st.lists(numbers, min_size=1, max_size=4)))


@st.composite
def rrule_texts(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY",
                                 "daily", "FORTNIGHTLY", ""]))
    parts = [f"FREQ={freq}"] if draw(st.booleans()) or freq else []
    names = draw(st.lists(st.sampled_from(["INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYYEARDAY",
                                           "BYWEEKNO", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS",
                                           "WKST", "BYEASTER", "X-NAME"]), max_size=5))
    for name in names:
        if name == "UNTIL":
            value = draw(st.from_regex(r"[0-9]{8}(T[0-9]{6}Z?)?", fullmatch=True))
        elif name == "BYDAY":
            value = ",".join(draw(st.lists(byday_items, min_size=1, max_size=4)))
        elif name == "WKST":
            value = draw(weekday_codes)
        elif name in ("INTERVAL", "COUNT"):
            value = draw(st.one_of(numbers, st.sampled_from(["1", "2", "1000000000", "999999999999999999"])))
        else:
            value = number_list(draw)
        parts.append(f"{name}={value}")
    rule = ";".join(parts)
    prefix = draw(st.sampled_from(["RRULE:", "", "rrule:"]))
    dtstart = draw(st.one_of(
        st.just(""),
        st.from_regex(r"DTSTART:[0-9]{8}T[0-9]{6}Z?", fullmatch=True),
        st.from_regex(r"DTSTART;TZID=(Europe/Berlin|America/New_York|Australia/Lord_Howe|Mars/Base):"
                      r"[0-9]{8}T[0-9]{4,6}", fullmatch=True),
        st.from_regex(r"DTSTART;VALUE=DATE:[0-9]{8}", fullmatch=True),
        st.sampled_from(["DTSTART:20200101T000000", "DTSTART:00010101T000000", "DTSTART:99991231T235959Z",
                         "DTSTART:19000101T000000"]),
    ))
    separator = draw(st.sampled_from(["\n", " ", "\r\n"]))
    return (dtstart + separator if dtstart else "") + prefix + rule


cron_atoms = st.one_of(
    st.sampled_from(["*", "*/2", "*/7", "1/2", "7/3", "5-7", "5-7/2", "0-59/1", "MON-FRI", "jan,jul", "sun",
                     "*/0", "1-0", "61", "8", "-1", "", "L", "?", "1,,2"]),
    st.from_regex(r"[0-9]{1,3}(-[0-9]{1,3})?(/[0-9]{1,12})?", fullmatch=True),
    st.text(max_size=6),
)
cron_texts = st.one_of(
    st.builds(lambda fields: " ".join(fields), st.lists(cron_atoms, min_size=4, max_size=6)),
    st.builds(lambda prefix, fields: prefix + " ".join(fields), st.sampled_from(["cron:", "CRON: "]),
              st.lists(cron_atoms, min_size=5, max_size=5)),
    st.sampled_from(["@daily", "@hourly", "@weekly", "@monthly", "@yearly", "@annually", "@midnight", "@reboot",
                     "@every_5m", "cron:@daily", "cron: @Weekly", "cron:@reboot", "@", "cron:"]),
)
interval_texts = st.builds(
    lambda kind, n, unit, plural: f"{kind}_{n}_{unit}{plural}",
    st.sampled_from(["every", "in", "Every", "each"]), numbers, st.sampled_from(["second", "minute", "hour", "day",
                                                                               "week", "month", "fortnight"]),
    st.sampled_from(["s", ""]),
)
schedule_values = st.one_of(
    st.text(max_size=40), rrule_texts(), rrule_texts(), cron_texts, interval_texts, interval_texts,
    st.sampled_from(["minutely", "hourly", "daily", "weekly", "monthly", "yearly", "on_date", "secondly",
                     "today_at_25:00", "tomorrow_at_7:05", "today_at_٠٩:٠٠", "every_monday"]),
    st.from_regex(r"(today|tomorrow)_at_[0-9]{1,3}:[0-9]{1,3}", fullmatch=True),
)
good_zones = st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin",
                              "Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
zones = st.one_of(good_zones, good_zones, good_zones,
                  st.sampled_from(["America", "../../etc/passwd", "a" * 300, "Europe/Berlin\n", "zone.tab",
                                   "tzdata.zi"]),
                  json_values)
timestamps = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda moment: moment.isoformat()),
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?",
                  fullmatch=True),
    st.sampled_from(["0001-01-01T00:00+01:00", "9999-12-31T23:59-05:00", "9999-12-31T23:59", "0001-01-01",
                     "2025-03-30T02:30", "٢٠٢٥-01-05T09:00"]),
    json_values,
)
instants = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59),
                        timezones=st.just(UTC))


@st.composite
def tasks(draw: st.DrawFn) -> dict[str, object]:
    task: dict[str, object] = {"schedule": draw(st.one_of(schedule_values, schedule_values, json_values))}
    for field, values in (("timezone", zones), ("time", st.one_of(json_values, st.from_regex(
            r"[0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?", fullmatch=True))),
                          ("day_of_week", st.one_of(json_values, st.sampled_from(["monday", "Sun", "7", "-1", "٣"]))),
                          ("day_of_month", json_values), ("month", json_values),
                          ("specific_date", st.one_of(json_values, timestamps)),
                          ("one_time", st.one_of(st.booleans(), st.booleans(), st.none(), json_values)),
                          ("next_run", timestamps)):
        if draw(st.booleans()):
            task[field] = draw(values)
    return task


def assert_schedule_error(error: ScheduleError) -> None:
    assert isinstance(error, ValueError)
    assert "too costly" not in str(error), f"evaluation exceeded the test step limit: {error}"


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


@HOSTILE
@given(task=tasks(), now=instants, later=instants)
def test_any_task_fields_give_a_schedule_or_a_schedule_error_and_bounded_evaluation(
    task: dict[str, object], now: datetime, later: datetime
) -> None:
    try:
        schedule = parse_schedule(task, BERLIN)
    except ScheduleError as error:
        assert_schedule_error(error)
        return
    describe(schedule)
    try:
        stored = stored_next_run(task, schedule)
    except ScheduleError as error:
        assert_schedule_error(error)
        stored = None
    try:
        first = first_run(schedule, now)
        pin_fields(schedule, first)
        runs = preview(schedule, first)
        assert runs == sorted(runs) and len(set(runs)) == len(runs)
        assert all(run.tzinfo is UTC for run in runs)
    except ScheduleError as error:
        assert_schedule_error(error)
    slot = stored or now
    try:
        nxt = next_occurrence(schedule, slot)
        assert nxt is None or nxt > slot
        decision = due_runs(schedule, slot, later, timedelta(hours=1))
        assert decision.next_run is None or decision.next_run > min(slot, later) or not decision.should_run
    except ScheduleError as error:
        assert_schedule_error(error)


@HOSTILE
@given(text=rrule_texts(), now=instants)
def test_any_rrule_text_parses_or_says_why_and_evaluates_within_the_step_limit(text: str, now: datetime) -> None:
    try:
        schedule = parse_schedule({"schedule": text}, BERLIN)
    except ScheduleError as error:
        assert_schedule_error(error)
        assert str(error).startswith(("schedule ", "DTSTART TZID "))
        return
    try:
        preview(schedule, first_run(schedule, now), 5)
    except ScheduleError as error:
        assert_schedule_error(error)
    assert schedule.rrule is not None
    start = schedule.rrule.dtstart or now.replace(tzinfo=None)
    rule = schedule_recurrence.build_rule(schedule.rrule.parts, start)
    walls = list(islice(schedule_recurrence.walls_from(rule, now.replace(tzinfo=None), TightMeter()), 5))
    for earlier, later in pairwise(walls):
        assert later - earlier >= timedelta(minutes=1), "a rule's instances are at least a minute apart"


@HOSTILE
@given(text=cron_texts, now=instants)
def test_any_cron_text_parses_or_says_why(text: str, now: datetime) -> None:
    try:
        schedule = parse_schedule({"schedule": text}, BERLIN)
    except ScheduleError as error:
        assert_schedule_error(error)
        return
    try:
        preview(schedule, first_run(schedule, now), 3)
    except ScheduleError as error:
        assert_schedule_error(error)


@HOSTILE
@given(value=st.one_of(json_values, timestamps), zone=st.sampled_from([BERLIN, UTC, ZoneInfo("Pacific/Kiritimati"),
                                                                      ZoneInfo("Etc/GMT+12")]))
def test_field_parsers_accept_or_raise_schedule_errors_naming_the_field(value: object, zone: ZoneInfo) -> None:
    parsers = [
        lambda: parse_timestamp(value, zone, "next_run"),
        lambda: parse_time_of_day(value),
        lambda: parse_date(value),
        lambda: parse_weekday(value),
        lambda: parse_day_of_month(value),
        lambda: parse_month(value),
        lambda: parse_zone(value),
    ]
    for parse in parsers:
        try:
            parse()
        except ScheduleError as error:
            assert str(error).split(" ", 1)[0] in ("next_run", "time", "specific_date", "day_of_week",
                                                    "day_of_month", "month", "timezone")


@pytest.mark.parametrize("name", ["America", "a" * 300, "../../etc/passwd", "zone.tab", "Europe//Berlin",
                                  "Europe/Berlin/"])
def test_odd_zone_names_are_schedule_errors_not_os_errors(name: str) -> None:
    with pytest.raises(ScheduleError, match=r"^timezone .* is not a known IANA time zone"):
        parse_zone(name)


@pytest.mark.parametrize("value", ["٢٠٢٥-01-05T09:00", "2025-01-05T٠٩:00"])
def test_timestamps_take_ascii_digits_only(value: str) -> None:
    with pytest.raises(ScheduleError, match=r"^next_run .* is not a timestamp"):
        parse_timestamp(value, BERLIN, "next_run")


@pytest.mark.parametrize(("value", "field"), [("٣", "day_of_week"), ("²", "day_of_month"), ("+-5", "month")])
def test_numbers_written_with_other_digits_or_signs_are_field_errors(value: str, field: str) -> None:
    parse = {"day_of_week": parse_weekday, "day_of_month": parse_day_of_month, "month": parse_month}[field]
    with pytest.raises(ScheduleError, match=rf"^{field} "):
        parse(value)


@pytest.mark.parametrize("text", ["0001-01-01T00:00+01:00", "9999-12-31T23:59-05:00"])
def test_a_timestamp_outside_the_utc_calendar_is_out_of_range(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"^next_run .* is out of range"):
        parse_timestamp(text, BERLIN, "next_run")


@pytest.mark.parametrize("value", ["every_99999999999999999999999_days", "in_5000000_weeks",
                                   "every_" + "9" * 5000 + "_minutes"])
def test_an_interval_longer_than_a_century_is_refused(value: str) -> None:
    with pytest.raises(ScheduleError, match=r"is longer than 100 years"):
        parse_schedule({"schedule": value}, BERLIN)


def test_series_at_the_end_of_the_calendar_finish_instead_of_overflowing() -> None:
    end = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    for task in ({"schedule": "daily", "time": "09:00"}, {"schedule": "monthly", "day_of_month": 31},
                 {"schedule": "0 9 * * *"}, {"schedule": "RRULE:FREQ=YEARLY"}, {"schedule": "every_3_weeks"},
                 {"schedule": "hourly", "timezone": "Etc/GMT+12"}):
        schedule = parse_schedule(task, BERLIN)
        assert next_occurrence(schedule, end) is None
        with pytest.raises(ScheduleError, match="has no run after"):
            first_run(schedule, end)
    with pytest.raises(ScheduleError, match="has no run"):
        first_run(parse_schedule({"schedule": "in_2_weeks"}, BERLIN), end)


@pytest.mark.parametrize(
    ("text", "now"),
    [
        # WKST=SU puts the first week's start before 0001-01-01 (a Monday).
        ("DTSTART:00010101T000000 RRULE:FREQ=WEEKLY;WKST=SU;BYDAY=MO,SU;BYSETPOS=1", datetime(1, 1, 1, 1, tzinfo=UTC)),
        ("DTSTART:00010101T000000 RRULE:FREQ=WEEKLY;WKST=SU;COUNT=3", datetime(1, 1, 1, 1, tzinfo=UTC)),
        ("DTSTART:99991231T235900 RRULE:FREQ=WEEKLY;WKST=TU", datetime(9999, 12, 30, tzinfo=UTC)),
    ],
)
def test_weekly_rules_at_the_calendars_edges_evaluate(text: str, now: datetime) -> None:
    schedule = parse_schedule({"schedule": text}, ZoneInfo("UTC"))
    runs = preview(schedule, first_run(schedule, now), 3)
    assert runs[0] >= now and runs == sorted(set(runs))
