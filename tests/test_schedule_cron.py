"""Cron schedules: macros (bare or after ``cron:``), ``@reboot``, and what steps mean in each field.

The wording these tests pin is the one in docs/tasks.md ("Cron") and in ``leaguectl.schedule``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from leaguectl.schedule import ScheduleError, first_run, format_timestamp, parse_schedule, preview

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = datetime(2025, 1, 8, 7, 0, 30, tzinfo=UTC)  # 08:00:30 in Berlin
SUNDAY_FIRST = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def cron(value: str) -> tuple[set[int], set[int], set[int], set[int], set[str]]:
    """(minutes, hours, days, months, weekday names) an expression selects."""
    schedule = parse_schedule({"schedule": value}, BERLIN)
    assert schedule.cron is not None
    expr = schedule.cron
    names = {SUNDAY_FIRST[(weekday + 1) % 7] for weekday in expr.weekdays}
    return set(expr.minutes), set(expr.hours), set(expr.days), set(expr.months), names


def runs(value: str, n: int) -> list[str]:
    schedule = parse_schedule({"schedule": value}, BERLIN)
    return [format_timestamp(run, BERLIN) for run in preview(schedule, first_run(schedule, WEDNESDAY), n)]


@pytest.mark.parametrize("value", ["@daily", "cron:@daily", "CRON: @Daily", "cron:@midnight", "0 0 * * *"])
def test_daily_macro_is_accepted_bare_and_after_cron_prefix(value: str) -> None:
    assert runs(value, 2) == ["2025-01-09T00:00:00+01:00", "2025-01-10T00:00:00+01:00"]


@pytest.mark.parametrize(
    ("macro", "expression"),
    [("@hourly", "0 * * * *"), ("@weekly", "0 0 * * 0"), ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"),
     ("@annually", "0 0 1 1 *")],
)
def test_every_macro_is_its_five_field_expression(macro: str, expression: str) -> None:
    assert runs(macro, 3) == runs(expression, 3) == runs(f"cron:{macro}", 3)


@pytest.mark.parametrize("value", ["@reboot", "cron:@reboot", "@REBOOT"])
def test_reboot_is_refused_with_what_to_use_instead(value: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule({"schedule": value}, BERLIN)
    message = str(raised.value)
    assert message.startswith(f"schedule {value!r} is not a schedule leaguectl can run: @reboot")
    assert "use @daily, @hourly or five fields" in message


def test_an_unknown_macro_lists_the_known_ones() -> None:
    with pytest.raises(ScheduleError, match=r"'@every_5m' is not a cron macro \(known: @yearly, @annually, "):
        parse_schedule({"schedule": "@every_5m"}, BERLIN)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*/2", {"Sun", "Tue", "Thu", "Sat"}),  # 0-6 in steps of 2
        ("1/2", {"Mon", "Wed", "Fri"}),  # 1-6 in steps of 2: no Sunday-as-7
        ("3/3", {"Wed", "Sat"}),
        ("*/7", {"Sun"}),
        ("0", {"Sun"}),
        ("7", {"Sun"}),
        ("7/2", {"Sun"}),  # an open step starting at 7 is Sunday alone
        ("5-7", {"Fri", "Sat", "Sun"}),  # an explicit range may end at 7
        ("5-7/2", {"Fri", "Sun"}),
        ("0-7", set(SUNDAY_FIRST)),
        ("MON-FRI/2", {"Mon", "Wed", "Fri"}),
        ("sun,sat", {"Sun", "Sat"}),
    ],
)
def test_day_of_week_values_ranges_and_steps(field: str, expected: set[str]) -> None:
    assert cron(f"0 9 * * {field}")[4] == expected


@pytest.mark.parametrize(
    ("expression", "index", "expected"),
    [
        ("*/20 * * * *", 0, {0, 20, 40}),
        ("5/30 * * * *", 0, {5, 35}),
        ("50/30 * * * *", 0, {50}),
        ("0 */5 * * *", 1, {0, 5, 10, 15, 20}),
        ("0 20/3 * * *", 1, {20, 23}),
        ("0 0 10/10 * *", 2, {10, 20, 30}),
        ("0 0 1 */4 *", 3, {1, 5, 9}),
        ("0 0 1 6/3 *", 3, {6, 9, 12}),
        ("0 0 1 jan-dec/6 *", 3, {1, 7}),
    ],
)
def test_steps_run_to_each_fields_maximum(expression: str, index: int, expected: set[int]) -> None:
    assert cron(expression)[index] == expected


def test_a_stepped_day_of_week_starting_with_a_star_leaves_the_day_field_in_charge() -> None:
    # Vixie cron: a field starting with * is unrestricted, so both day fields must match here.
    assert runs("0 0 1-7 * */7", 2) == ["2025-02-02T00:00:00+01:00", "2025-03-02T00:00:00+01:00"]
    # Both restricted: either matches (the 13th, or any Friday).
    assert runs("0 0 13 * 5", 3) == ["2025-01-10T00:00:00+01:00", "2025-01-13T00:00:00+01:00",
                                     "2025-01-17T00:00:00+01:00"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 9 * * 8", "day-of-week '8' is out of range 0-7"),
        ("0 9 * * 6-2", "day-of-week range '6-2' runs backwards"),
        ("*/0 * * * *", "minute step in '*/0' must be at least 1"),
        ("0 9 * * */99999999999", "day-of-week '*/99999999999' is not a cron field"),
        ("0 ٩ * * *", "hour '٩' is not a cron field"),
    ],
)
def test_cron_errors_name_the_field_and_value(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule({"schedule": expression}, BERLIN)
    assert message in str(raised.value)
