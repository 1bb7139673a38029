"""Cron expressions: parse the five fields (and macros), find the next slot in a zone, across DST.

Pure; the accepted syntax (ranges, steps, names, the Vixie rule for two restricted day fields)
is documented in :mod:`leaguectl.schedule`. Slots are local wall times of the task's zone,
converted to UTC by the ``localize`` rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leaguectl.schedule_time import MONTH_NAMES, SHIFT_MARGIN, field_error, wall_instant

# A valid cron expression always matches within this many years (28-year weekday cycle + leap gaps).
_CRON_SEARCH_YEARS = 50
# The macros a schedule value may use, as the five-field expressions they stand for.
CRON_MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
# Where a step with no end (`*/n`, `a/n`) stops counting in each field. Day-of-week accepts 7 for
# Sunday, but steps count through 0-6, so `1/2` is Mon, Wed, Fri and never adds Sunday as 7.
_STEP_MAXIMUM = {"minute": 59, "hour": 23, "day-of-month": 31, "month": 12, "day-of-week": 6}


@dataclass(frozen=True)
class CronExpr:
    """A parsed 5-field cron expression; weekdays use 0=Monday like ``date.weekday()``."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_restricted: bool
    weekdays_restricted: bool

    def matches_day(self, day: date) -> bool:
        """Vixie rule: both day fields restricted → either matches; otherwise both must."""
        in_days, in_weekdays = day.day in self.days, day.weekday() in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays


_CRON_MONTH_NAMES = {name[:3]: index for index, name in enumerate(MONTH_NAMES, start=1)}
_CRON_WEEKDAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_CRON_PART = r"(\*|[a-z0-9]{1,9}(?:-[a-z0-9]{1,9})?)(?:/([0-9]{1,9}))?"
_LONGEST_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _cron_values(text: str, label: str, low: int, high: int, names: Mapping[str, int]) -> set[int]:
    def number(token: str) -> int:
        value = int(token) if token.isdigit() else names.get(token.lower())
        if value is None:
            kind = "name" if names else "number"
            raise ValueError(f"{label} {token!r} is not a {label} {kind}")
        if not low <= value <= high:
            raise ValueError(f"{label} {token!r} is out of range {low}-{high}")
        return value

    values: set[int] = set()
    open_end = max(_STEP_MAXIMUM[label], low)
    for part in text.split(","):
        match = re.fullmatch(_CRON_PART, part, re.IGNORECASE | re.ASCII)
        if match is None:
            raise ValueError(f"{label} {part!r} is not a cron field")
        span, step_text = match[1], match[2]
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"{label} step in {part!r} must be at least 1")
        if span == "*":
            first, last = low, open_end if step_text else high
        elif "-" in span:
            first, last = (number(token) for token in span.split("-"))
            if first > last:
                raise ValueError(f"{label} range {part!r} runs backwards")
        else:
            first = number(span)
            last = max(open_end, first) if step_text else first
        values.update(range(first, last + 1, step))
    return values


def parse_cron(text: str, expression: str) -> CronExpr:
    """Parse ``expression``, five fields or a macro; errors name ``text``, the schedule value as written."""
    if expression.startswith("@"):
        expression = _macro(text, expression)
    fields = expression.split()
    try:
        if len(fields) != 5:
            raise ValueError("it needs 5 fields: minute hour day-of-month month day-of-week")
        minutes = _cron_values(fields[0], "minute", 0, 59, {})
        hours = _cron_values(fields[1], "hour", 0, 23, {})
        days = _cron_values(fields[2], "day-of-month", 1, 31, {})
        months = _cron_values(fields[3], "month", 1, 12, _CRON_MONTH_NAMES)
        cron_weekdays = _cron_values(fields[4], "day-of-week", 0, 7, _CRON_WEEKDAY_NAMES)
    except ValueError as exc:
        raise field_error("schedule", text, f"is not a valid cron expression: {exc}") from None
    expr = CronExpr(
        text=" ".join(fields),
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset((value - 1) % 7 for value in cron_weekdays),
        days_restricted=not fields[2].startswith("*"),
        weekdays_restricted=not fields[4].startswith("*"),
    )
    if not (expr.days_restricted and expr.weekdays_restricted) and not any(
        min(days) <= _LONGEST_MONTH[month] for month in months
    ):
        raise field_error("schedule", text, "never runs: no listed month has that day")
    return expr


def _macro(text: str, name: str) -> str:
    macro = CRON_MACROS.get(name.strip().lower())
    if macro is not None:
        return macro
    if name.strip().lower() == "@reboot":
        raise field_error("schedule", text, "is not a schedule leaguectl can run: @reboot means \"when the "
                          "cron daemon starts\", and a task has no such moment; use @daily, @hourly or five "
                          "fields such as 0 9 * * MON")
    raise field_error("schedule", text, f"is not a cron macro (known: {', '.join(CRON_MACROS)})")


def _steady_day(day: date, zone: ZoneInfo) -> bool:
    """True when the zone's offset does not change during ``day`` (so wall order is UTC order)."""
    start = datetime.combine(day, time(0), zone).utcoffset()
    return start == datetime.combine(day + timedelta(days=1), time(0), zone).utcoffset()


def _cron_slot_on(cron: CronExpr, day: date, zone: ZoneInfo, after: datetime) -> datetime | None:
    after_local = after.astimezone(zone)
    if _steady_day(day, zone):
        after_wall = after_local.replace(tzinfo=None) if day == after_local.date() else None
        for hour in cron.hours:
            if after_wall is not None and hour < after_wall.hour:
                continue
            for minute in cron.minutes:
                wall = datetime.combine(day, time(hour, minute))
                if after_wall is None or wall > after_wall:
                    return wall_instant(wall, zone)
        return None
    # A DST change today: gap times shift past later wall times, so compare slots in UTC, from
    # a margin before `after` to a margin past the best one found.
    earliest = after_local.replace(tzinfo=None) - SHIFT_MARGIN
    best: datetime | None = None
    best_wall = earliest
    for hour in cron.hours:
        for minute in cron.minutes:
            wall = datetime.combine(day, time(hour, minute))
            if wall < earliest:
                continue
            if best is not None and wall > best_wall + SHIFT_MARGIN:
                return best
            slot = wall_instant(wall, zone)
            if slot > after and (best is None or slot < best):
                best, best_wall = slot, wall
    return best


def cron_after(cron: CronExpr, zone: ZoneInfo, after: datetime, text: str) -> datetime:
    """The first slot of ``cron`` in ``zone`` strictly after ``after`` (UTC); ``text`` names it in errors.

    Raises OverflowError when the search reaches the end of year 9999 (the caller's "no next
    run"); a parsed expression always matches within a few years, so the 50-year bound is a guard.
    """
    day = after.astimezone(zone).date()
    last_year = day.year + _CRON_SEARCH_YEARS
    while day.year <= last_year:
        if day.month not in cron.months:
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            continue
        if cron.matches_day(day):
            slot = _cron_slot_on(cron, day, zone, after)
            if slot is not None:
                return slot
        day += timedelta(days=1)
    raise field_error("schedule", text, f"has no run within {_CRON_SEARCH_YEARS} years")
