"""Task schedules: read the schedule fields of a tasks-channel task and compute its run times.

Pure module: no HTTP and no clock. Every function takes the moments it reasons about as
arguments, and every public function returns aware datetimes in UTC (``localize`` excepted,
which returns the local wall time). python-dateutil is imported only when an RRULE is used, so
importing this module stays cheap for every one-minute pass.

Choices, decided once and documented here:

Timestamps
    Naive timestamps (``2025-01-05T09:00``, with or without seconds and a fraction, ``T`` or a
    space) are wall-clock times in the task's zone. A wall time that does not exist (DST gap)
    moves forward by the length of the gap (02:30 on a spring-forward day in Berlin is 03:30
    CEST); an ambiguous one (fall-back) is the first occurrence. ``Z`` and ``+HH:MM`` forms are
    taken as written. Midnight is 00:00; ``24:00`` is rejected.

Zone
    The task's ``timezone`` field (an IANA name), else the default zone the caller passes
    (``TASKS_DEFAULT_TIMEZONE``, Europe/Berlin for compatibility). An RRULE whose DTSTART has a
    ``TZID`` uses that zone.

How a task marks cron and RRULE schedules (the original tool only knows the named values)
    cron: ``cron:0 9 * * MON``, or any bare value of exactly five whitespace-separated fields
    (``0 9 * * 1``), or a macro (``@hourly``, ``@daily``/``@midnight``, ``@weekly``,
    ``@monthly``, ``@yearly``/``@annually``). Fields: minute hour day-of-month month
    day-of-week with ``*``, lists, ranges, steps (``a/n`` means ``a-max/n``), month names
    JAN-DEC and weekday names SUN-SAT; day-of-week 0 and 7 are Sunday. As in Vixie cron, when
    both day fields are restricted (neither starts with ``*``) a day matching either runs.
    RRULE: ``RRULE:FREQ=WEEKLY;BYDAY=MO``, ``FREQ=...``, optionally preceded by a DTSTART line
    (``DTSTART:20250106T090000``, ``...Z``, ``DTSTART;TZID=Europe/Berlin:...``), lines separated
    by newlines or spaces. Without DTSTART the rule starts at 00:00 (or at ``time``) on the
    anchor's day; COUNT then has no fixed start and is rejected. A ``Z`` UNTIL is converted to
    the task zone.

Wall-clock recurrence
    Calendar schedules (``daily``, ``weekly``, ``monthly``, ``yearly``, ``every_N_days``,
    ``every_N_weeks``, cron, RRULE) are computed on local dates and wall times, so daily 09:00
    stays 09:00 across DST, and a 00:30 task's next run after its 00:30 slot is tomorrow 00:30.
    Slots falling in a DST gap shift forward; ambiguous slots run once, at the first occurrence.
    ``minutely``, ``hourly``, ``every_N_minutes`` and ``every_N_hours`` are absolute elapsed time
    (an hourly task stays 60 real minutes apart across DST; use cron or ``every_N_days`` for
    wall-clock times).

Anchoring
    A recurrence is advanced from its scheduled slot (the stored ``next_run``), never from the
    moment of processing. Fields a calendar schedule lacks are taken from that anchor slot:
    ``time`` from its wall time, ``day_of_week`` from its weekday, ``day_of_month`` and
    ``month`` from its date (``pin_fields`` writes them into new tasks so the series never
    drifts). ``every_N_weeks`` honours ``day_of_week`` when given.

Month ends
    ``day_of_month`` beyond a month's length is clamped to its last day (monthly on the 31st
    runs Jan 31, Feb 28/29, Mar 31, Apr 30, ...), and yearly Feb 29 runs on Feb 28 in common
    years. The stored field keeps the 31 (or 29), so later months return to it.

One-time schedules
    ``in_N_*``, ``today_at_HH:MM``, ``tomorrow_at_HH:MM``, ``on_date`` and any task whose
    ``one_time`` flag is true run once at their stored ``next_run``; ``next_occurrence`` returns
    None for them. ``in_N_seconds|minutes|hours`` are elapsed time; ``in_N_days|weeks`` keep
    the wall time. ``today_at`` and ``on_date`` already in the past are errors at creation.

Fields a schedule does not use are ignored (the original tool writes every field, often null),
so a stray value never makes a task unrunnable; fields it uses are validated and an error
names the field and the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from dateutil.rrule import rrulebase

__all__ = [
    "MONTH_NAMES",
    "WEEKDAY_NAMES",
    "CronExpr",
    "DueDecision",
    "DueStatus",
    "RRuleSpec",
    "Schedule",
    "ScheduleError",
    "ScheduleKind",
    "Unit",
    "describe",
    "due_runs",
    "first_run",
    "format_timestamp",
    "localize",
    "next_occurrence",
    "parse_date",
    "parse_day_of_month",
    "parse_month",
    "parse_schedule",
    "parse_time_of_day",
    "parse_timestamp",
    "parse_weekday",
    "parse_zone",
    "pin_fields",
    "preview",
    "stored_next_run",
]

_EPSILON = timedelta(microseconds=1)
# Wider than any DST shift: wall times further apart than this never swap order in UTC.
_SHIFT_MARGIN = timedelta(hours=3)
# A valid cron expression always matches within this many years (28-year weekday cycle + leap gaps).
_CRON_SEARCH_YEARS = 50

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)


class ScheduleError(ValueError):
    """A task's schedule fields cannot be understood; the message names the field and its value."""


def _quote(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _invalid(field: str, value: object, what: str) -> ScheduleError:
    return ScheduleError(f"{field} {_quote(value)} {what}")


# --------------------------------------------------------------------------------------------
# Time parsing
# --------------------------------------------------------------------------------------------


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach ``zone`` to a wall time: a DST gap shifts forward, an ambiguous time is the first one.

    Returns the real local time (a gap time comes back moved forward, with its true offset).
    """
    if naive.tzinfo is not None:
        raise ValueError(f"localize needs a naive datetime, got {naive.isoformat()}")
    # fold=0 reads a gap time with the offset in force before the gap, which lands the same
    # distance past the gap's end, and an ambiguous time as its first (pre-transition) occurrence.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def _instant(naive: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of a local wall time, by the ``localize`` rules."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got {moment.isoformat()}")
    return moment.astimezone(UTC)


# Patterns are compiled on first use (re's cache), keeping the import cheap.
_TIMESTAMP = (
    r"""(?x)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
        (?:[Tt\ ](?P<hour>\d{1,2}):(?P<minute>\d{2})
            (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?)?
        \s*(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)?"""
)


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or "0")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_timestamp(value: object, zone: tzinfo, field: str = "timestamp") -> datetime:
    """Read a task timestamp as a UTC instant; naive values are wall time in ``zone``.

    Accepts ``YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]]`` with an optional ``Z``/``±HH:MM`` suffix, a
    bare date (midnight), or a ``datetime``.
    """
    if isinstance(value, datetime):
        return _instant(value, zone) if value.tzinfo is None else _utc(value)
    if not isinstance(value, str):
        raise _invalid(field, value, "is not a timestamp (expected YYYY-MM-DDTHH:MM[:SS])")
    match = re.fullmatch(_TIMESTAMP, value.strip())
    if match is None:
        raise _invalid(field, value, "is not a timestamp (expected YYYY-MM-DDTHH:MM[:SS])")
    parts = match.groupdict()
    fraction = (parts["fraction"] or "").ljust(6, "0")[:6]
    try:
        naive = datetime(
            int(parts["year"]), int(parts["month"]), int(parts["day"]),
            int(parts["hour"] or 0), int(parts["minute"] or 0), int(parts["second"] or 0),
            int(fraction),
        )
        offset = _offset(parts["offset"]) if parts["offset"] else None
    except ValueError as exc:
        raise _invalid(field, value, f"is not a valid timestamp ({exc})") from None
    if offset is None:
        return _instant(naive, zone)
    return naive.replace(tzinfo=offset).astimezone(UTC)


def format_timestamp(moment: datetime, zone: tzinfo) -> str:
    """Write an instant as local ISO 8601 with its offset (``2025-01-06T09:00:00+01:00``).

    The offset keeps ambiguous fall-back times exact, and naive-only readers of the original
    tool still parse it.
    """
    return _utc(moment).astimezone(zone).isoformat()


_TIME_OF_DAY = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"


def parse_time_of_day(value: object, field: str = "time") -> time:
    """Read ``HH:MM`` (or ``H:MM``, optionally ``:SS``) as a wall time; 00:00 is midnight."""
    match = re.fullmatch(_TIME_OF_DAY, value.strip()) if isinstance(value, str) else None
    if match is None:
        raise _invalid(field, value, "is not a time of day (HH:MM)")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _invalid(field, value, "is not a time of day (HH:MM, 00:00-23:59)")
    return time(hour, minute, second)


_ISO_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_DOTTED_DATE = r"(\d{1,2})\.(\d{1,2})\.(\d{4})"


def parse_date(value: object, field: str = "specific_date") -> date:
    """Read ``YYYY-MM-DD`` or ``DD.MM.YYYY``, the two forms the original tool accepts."""
    text = value.strip() if isinstance(value, str) else ""
    iso, dotted = re.fullmatch(_ISO_DATE, text), re.fullmatch(_DOTTED_DATE, text)
    try:
        if iso is not None:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted is not None:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError as exc:
        raise _invalid(field, value, f"is not a valid date ({exc})") from None
    raise _invalid(field, value, "is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def _small_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return None


def parse_weekday(value: object, field: str = "day_of_week") -> int:
    """Read a weekday as 0=Monday ... 6=Sunday.

    Accepts the tool's lower-case names (``monday``), any capitalisation, three-letter
    abbreviations (``Mon``), and integers 0-6 in Python's ``date.weekday()`` numbering (the
    index into the tool's monday...sunday list).
    """
    number = _small_int(value)
    if number is not None:
        if 0 <= number <= 6:
            return number
        raise _invalid(field, value, "is not a weekday (0=Monday ... 6=Sunday)")
    if isinstance(value, str):
        name = value.strip().lower()
        for index, weekday in enumerate(WEEKDAY_NAMES):
            if name in (weekday, weekday[:3]):
                return index
    raise _invalid(field, value, "is not a weekday")


def parse_day_of_month(value: object, field: str = "day_of_month") -> int:
    """Read a day of the month, 1-31 (clamped to the month's length when used)."""
    number = _small_int(value)
    if number is None or not 1 <= number <= 31:
        raise _invalid(field, value, "is not a day of the month (1-31)")
    return number


def parse_month(value: object, field: str = "month") -> int:
    """Read a month as 1-12, from a number or an English name / three-letter abbreviation."""
    number = _small_int(value)
    if number is not None and 1 <= number <= 12:
        return number
    if number is None and isinstance(value, str):
        name = value.strip().lower()
        for index, month in enumerate(MONTH_NAMES, start=1):
            if name in (month, month[:3]):
                return index
    raise _invalid(field, value, "is not a month (1-12)")


def parse_zone(value: object, field: str = "timezone") -> ZoneInfo:
    """Read an IANA zone name (``Europe/Berlin``)."""
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, value, "is not a time zone")
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid(field, value, "is not a known IANA time zone") from None


def _parse_flag(value: object, field: str) -> bool:
    """Strict booleans: the original reads ``"false"`` as true (bug 9); here it is false."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0", ""):
        return value.strip().lower() in ("true", "yes", "1")
    raise _invalid(field, value, "is not true or false")


# --------------------------------------------------------------------------------------------
# The schedule model
# --------------------------------------------------------------------------------------------


class ScheduleKind(StrEnum):
    """The family of a schedule value; ``Schedule.text`` keeps the value as written."""

    MINUTELY = "minutely"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    EVERY = "every"  # every_N_minutes|hours|days|weeks
    IN = "in"  # in_N_seconds|minutes|hours|days|weeks (one-time)
    TODAY_AT = "today_at"  # one-time
    TOMORROW_AT = "tomorrow_at"  # one-time
    ON_DATE = "on_date"  # one-time, with specific_date
    CRON = "cron"
    RRULE = "rrule"


_ONE_TIME_KINDS = frozenset({ScheduleKind.IN, ScheduleKind.TODAY_AT, ScheduleKind.TOMORROW_AT,
                             ScheduleKind.ON_DATE})


class Unit(StrEnum):
    """Interval units of ``every_N_*`` / ``in_N_*``."""

    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"

    @property
    def elapsed(self) -> bool:
        """Seconds, minutes and hours are real elapsed time; days and weeks keep the wall time."""
        return self in (Unit.SECONDS, Unit.MINUTES, Unit.HOURS)

    def times(self, n: int) -> timedelta:
        return timedelta(**{self.value: n})


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


@dataclass(frozen=True)
class RRuleSpec:
    """An RFC 5545 rule: the RRULE value and the DTSTART wall time (naive, in the task zone)."""

    rule: str
    dtstart: datetime | None


@dataclass(frozen=True)
class Schedule:
    """A task's schedule, parsed from its ``schedule`` field and the fields that value uses.

    ``time`` is the wall time (from ``time`` or embedded in ``today_at_HH:MM``); ``every`` is N
    of ``every_N_*``/``in_N_*`` (1 otherwise); ``one_time`` is true for one-time values and for
    any task whose ``one_time`` flag is set.
    """

    text: str
    kind: ScheduleKind
    zone: ZoneInfo
    one_time: bool = False
    time: time | None = None
    day_of_week: int | None = None
    day_of_month: int | None = None
    month: int | None = None
    every: int = 1
    unit: Unit | None = None
    specific_date: date | None = None
    cron: CronExpr | None = None
    rrule: RRuleSpec | None = None

    @property
    def elapsed_interval(self) -> timedelta | None:
        """The fixed real-time period of minutely/hourly/every_N_minutes|hours, else None."""
        if self.kind is ScheduleKind.MINUTELY:
            return timedelta(minutes=1)
        if self.kind is ScheduleKind.HOURLY:
            return timedelta(hours=1)
        if self.kind is ScheduleKind.EVERY and self.unit is not None and self.unit.elapsed:
            return self.unit.times(self.every)
        return None

    @property
    def time_pinned(self) -> bool:
        """True when the schedule itself fixes the time of day (not taken from the anchor)."""
        if self.kind in (ScheduleKind.CRON, ScheduleKind.RRULE):
            return True
        return self.elapsed_interval is None and self.time is not None


_INTERVAL = r"(every|in)_(\d+)_(second|minute|hour|day|week)s?"
_AT = r"(today|tomorrow)_at_(\d{1,2}:\d{2})"
_CRON_MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_NAMED = {kind.value: kind for kind in (ScheduleKind.MINUTELY, ScheduleKind.HOURLY, ScheduleKind.DAILY,
                                        ScheduleKind.WEEKLY, ScheduleKind.MONTHLY, ScheduleKind.YEARLY)}


def _optional(task: Mapping[str, object], field: str) -> object | None:
    value = task.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def parse_schedule(task: Mapping[str, object], default_zone: ZoneInfo) -> Schedule:
    """Build the ``Schedule`` of a task dict; raises ``ScheduleError`` naming the bad field.

    Reads ``schedule`` (required), ``timezone``, ``time``, ``day_of_week``, ``day_of_month``,
    ``month``, ``specific_date`` and ``one_time``; other fields (``next_run``, actions, ...) are
    not schedule fields (see ``stored_next_run``).
    """
    raw = task.get("schedule")
    if raw is None:
        raise ScheduleError("schedule is missing")
    if not isinstance(raw, str) or not raw.strip():
        raise _invalid("schedule", raw, "is not a known schedule")
    text = raw.strip()
    zone_value = _optional(task, "timezone")
    zone = default_zone if zone_value is None else parse_zone(zone_value)
    schedule = _parse_value(text, task, zone)
    flagged = _parse_flag(task.get("one_time"), "one_time")
    return replace(schedule, one_time=schedule.kind in _ONE_TIME_KINDS or flagged)


def _time_field(task: Mapping[str, object]) -> time | None:
    value = _optional(task, "time")
    return None if value is None else parse_time_of_day(value)


def _weekday_field(task: Mapping[str, object]) -> int | None:
    value = _optional(task, "day_of_week")
    return None if value is None else parse_weekday(value)


def _day_field(task: Mapping[str, object]) -> int | None:
    value = _optional(task, "day_of_month")
    return None if value is None else parse_day_of_month(value)


def _month_field(task: Mapping[str, object]) -> int | None:
    value = _optional(task, "month")
    return None if value is None else parse_month(value)


def _parse_value(text: str, task: Mapping[str, object], zone: ZoneInfo) -> Schedule:
    lowered = text.lower()
    named = _NAMED.get(lowered)
    if named is not None:
        return _parse_named(text, named, task, zone)
    interval = re.fullmatch(_INTERVAL, lowered)
    if interval is not None:
        return _parse_interval(text, interval, task, zone)
    at = re.fullmatch(_AT, lowered)
    if at is not None:
        kind = ScheduleKind.TODAY_AT if at[1] == "today" else ScheduleKind.TOMORROW_AT
        try:
            wall = parse_time_of_day(at[2])
        except ScheduleError:
            raise _invalid("schedule", text, "has no valid time of day (HH:MM, 00:00-23:59)") from None
        return Schedule(text, kind, zone, time=wall)
    if lowered == "on_date":
        specific = _optional(task, "specific_date")
        if specific is None:
            raise ScheduleError("specific_date is required for schedule 'on_date'")
        return Schedule(text, ScheduleKind.ON_DATE, zone, time=_time_field(task),
                        specific_date=parse_date(specific))
    if lowered.startswith(("rrule:", "freq=", "dtstart")):
        spec, zone = _parse_rrule(text, zone)
        return Schedule(text, ScheduleKind.RRULE, zone, time=_time_field(task), rrule=spec)
    if lowered.startswith("cron:"):
        return Schedule(text, ScheduleKind.CRON, zone, cron=_parse_cron(text, text[5:].strip()))
    if lowered in _CRON_MACROS:
        return Schedule(text, ScheduleKind.CRON, zone, cron=_parse_cron(text, _CRON_MACROS[lowered]))
    if len(text.split()) == 5:
        return Schedule(text, ScheduleKind.CRON, zone, cron=_parse_cron(text, text))
    raise _invalid("schedule", text, "is not a known schedule")


def _parse_named(text: str, kind: ScheduleKind, task: Mapping[str, object], zone: ZoneInfo) -> Schedule:
    if kind in (ScheduleKind.MINUTELY, ScheduleKind.HOURLY):
        return Schedule(text, kind, zone)
    wall = _time_field(task)
    if kind is ScheduleKind.DAILY:
        return Schedule(text, kind, zone, time=wall)
    if kind is ScheduleKind.WEEKLY:
        return Schedule(text, kind, zone, time=wall, day_of_week=_weekday_field(task))
    if kind is ScheduleKind.MONTHLY:
        return Schedule(text, kind, zone, time=wall, day_of_month=_day_field(task))
    return Schedule(text, kind, zone, time=wall, day_of_month=_day_field(task), month=_month_field(task))


def _parse_interval(text: str, match: re.Match[str], task: Mapping[str, object], zone: ZoneInfo) -> Schedule:
    n = int(match[2])
    unit = Unit(match[3] + "s")
    if n < 1:
        raise _invalid("schedule", text, "needs a count of at least 1")
    if match[1] == "in":
        return Schedule(text, ScheduleKind.IN, zone, every=n, unit=unit)
    if unit is Unit.SECONDS:
        raise _invalid("schedule", text, "is not a known schedule (the shortest interval is a minute)")
    if unit.elapsed:
        return Schedule(text, ScheduleKind.EVERY, zone, every=n, unit=unit)
    weekday = _weekday_field(task) if unit is Unit.WEEKS else None
    return Schedule(text, ScheduleKind.EVERY, zone, time=_time_field(task), every=n, unit=unit,
                    day_of_week=weekday)


# --------------------------------------------------------------------------------------------
# Cron
# --------------------------------------------------------------------------------------------

_CRON_MONTH_NAMES = {name[:3]: index for index, name in enumerate(MONTH_NAMES, start=1)}
_CRON_WEEKDAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_CRON_PART = r"(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?"
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
    for part in text.split(","):
        match = re.fullmatch(_CRON_PART, part, re.IGNORECASE)
        if match is None:
            raise ValueError(f"{label} {part!r} is not a cron field")
        span, step_text = match[1], match[2]
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"{label} step in {part!r} must be at least 1")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (number(token) for token in span.split("-"))
            if first > last:
                raise ValueError(f"{label} range {part!r} runs backwards")
        else:
            first = number(span)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return values


def _parse_cron(text: str, expression: str) -> CronExpr:
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
        raise _invalid("schedule", text, f"is not a valid cron expression: {exc}") from None
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
        raise _invalid("schedule", text, "never runs: no listed month has that day")
    return expr


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
                    return _instant(wall, zone)
        return None
    # A DST change today: gap times shift past later wall times, so compare slots in UTC, from
    # a margin before `after` to a margin past the best one found.
    earliest = after_local.replace(tzinfo=None) - _SHIFT_MARGIN
    best: datetime | None = None
    best_wall = earliest
    for hour in cron.hours:
        for minute in cron.minutes:
            wall = datetime.combine(day, time(hour, minute))
            if wall < earliest:
                continue
            if best is not None and wall > best_wall + _SHIFT_MARGIN:
                return best
            slot = _instant(wall, zone)
            if slot > after and (best is None or slot < best):
                best, best_wall = slot, wall
    return best


def _cron_after(schedule: Schedule, cron: CronExpr, after: datetime) -> datetime:
    zone = schedule.zone
    day = after.astimezone(zone).date()
    last = day.replace(year=min(day.year + _CRON_SEARCH_YEARS, 9999), day=min(day.day, 28))
    while day <= last:
        if day.month not in cron.months:
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            continue
        if cron.matches_day(day):
            slot = _cron_slot_on(cron, day, zone, after)
            if slot is not None:
                return slot
        day += timedelta(days=1)
    raise _invalid("schedule", schedule.text, f"has no run within {_CRON_SEARCH_YEARS} years")


# --------------------------------------------------------------------------------------------
# RRULE
# --------------------------------------------------------------------------------------------

_DTSTART = (
    r"(?i)DTSTART(?:;TZID=(?P<tz>[^:;]+))?(?:;VALUE=DATE(?:-TIME)?)?:"
    r"(?P<date>\d{8})(?:T(?P<time>\d{4}(?:\d{2})?)(?P<utc>Z)?)?"
)
_UNTIL = r"(?i)UNTIL=(\d{8}T\d{6})Z"


def _compact_datetime(day: str, clock: str | None) -> datetime:
    clock = (clock or "0000").ljust(6, "0")
    return datetime(int(day[:4]), int(day[4:6]), int(day[6:8]),
                    int(clock[:2]), int(clock[2:4]), int(clock[4:6]))


def _parse_rrule(text: str, zone: ZoneInfo) -> tuple[RRuleSpec, ZoneInfo]:
    rule: str | None = None
    dtstart: datetime | None = None
    for line in text.split():
        upper = line.upper()
        if upper.startswith("DTSTART"):
            dtstart, zone = _parse_dtstart(text, line, zone)
        elif upper.startswith(("RRULE:", "FREQ=")) and rule is None:
            rule = line.split(":", 1)[1] if upper.startswith("RRULE:") else line
        else:
            raise _invalid("schedule", text, f"is not a valid RRULE: unexpected {line!r}")
    if rule is None:
        raise _invalid("schedule", text, "is not a valid RRULE: no RRULE line")
    if dtstart is None and "COUNT=" in rule.upper():
        raise _invalid("schedule", text, "is not a valid RRULE: COUNT needs a DTSTART")
    rule = re.sub(_UNTIL, lambda m: "UNTIL=" + _until_in_zone(m[1], zone), rule)
    spec = RRuleSpec(rule=rule, dtstart=dtstart)
    try:
        _build_rrule(spec, dtstart or datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise _invalid("schedule", text, f"is not a valid RRULE: {exc}") from None
    return spec, zone


def _parse_dtstart(text: str, line: str, zone: ZoneInfo) -> tuple[datetime, ZoneInfo]:
    match = re.fullmatch(_DTSTART, line)
    if match is None:
        raise _invalid("schedule", text, f"is not a valid RRULE: bad DTSTART {line!r}")
    if match["tz"]:
        zone = parse_zone(match["tz"], "DTSTART TZID")
    try:
        start = _compact_datetime(match["date"], match["time"])
    except ValueError as exc:
        raise _invalid("schedule", text, f"is not a valid RRULE: bad DTSTART ({exc})") from None
    if match["utc"]:
        start = start.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return start, zone


def _until_in_zone(compact: str, zone: ZoneInfo) -> str:
    moment = _compact_datetime(compact[:8], compact[9:]).replace(tzinfo=UTC).astimezone(zone)
    return moment.strftime("%Y%m%dT%H%M%S")


def _build_rrule(spec: RRuleSpec, dtstart: datetime) -> rrulebase:
    from dateutil.rrule import rrulestr  # lazy: dateutil is only needed for RRULE tasks

    return rrulestr(spec.rule, dtstart=dtstart)


_FIXED_PERIODS = {"SECONDLY": timedelta(seconds=1), "MINUTELY": timedelta(minutes=1),
                  "HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}


def _rebased_start(rule: str, start: datetime, target: datetime) -> datetime:
    """Move DTSTART forward by whole periods to just before ``target``, when that is exact.

    dateutil walks a rule from DTSTART, so an old DTSTART on a minutely rule would cost millions
    of steps per pass. For FREQ up to WEEKLY without COUNT, the occurrences are a fixed grid of
    naive wall times from DTSTART (which supplies only time-of-day and weekday defaults), so a
    DTSTART moved by whole ``INTERVAL`` periods yields the same occurrences from there on.
    """
    parts = dict(part.split("=", 1) for part in rule.upper().split(";") if "=" in part)
    period = _FIXED_PERIODS.get(parts.get("FREQ", ""))
    if period is None or "COUNT" in parts or target <= start:
        return start
    period *= int(parts.get("INTERVAL", "1") or "1")
    return start + ((target - start) // period) * period


def _rrule_after(schedule: Schedule, spec: RRuleSpec, anchor: datetime, after: datetime) -> datetime | None:
    zone = schedule.zone
    start = spec.dtstart or datetime.combine(anchor.astimezone(zone).date(), schedule.time or time(0))
    after_wall = after.astimezone(zone).replace(tzinfo=None)
    rule = _build_rrule(spec, _rebased_start(spec.rule, start, after_wall - 2 * _SHIFT_MARGIN))
    best: datetime | None = None
    best_wall = after_wall
    # Wall times just before `after` can land after it (DST gap), and ones just after the best
    # so far can land before it; beyond the margin the order is settled.
    for wall in rule.xafter(after_wall - _SHIFT_MARGIN, inc=True):
        if best is not None and wall > best_wall + _SHIFT_MARGIN:
            break
        slot = _instant(wall, zone)
        if slot > after and (best is None or slot < best):
            best, best_wall = slot, wall
    return best


# --------------------------------------------------------------------------------------------
# Occurrences
# --------------------------------------------------------------------------------------------


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def _on_or_after_weekday(day: date, weekday: int | None) -> date:
    if weekday is None:
        return day
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _day_series_after(base: date, step_days: int, wall: time, zone: ZoneInfo, after: datetime) -> datetime:
    """First slot after ``after`` of: every ``step_days`` days from ``base`` at ``wall``."""
    k = (after.astimezone(zone).date() - base).days // step_days - 1
    while True:
        slot = _instant(datetime.combine(base + timedelta(days=k * step_days), wall), zone)
        if slot > after:
            return slot
        k += 1


def _month_series_after(base_index: int, step_months: int, day: int, wall: time, zone: ZoneInfo,
                        after: datetime) -> datetime:
    """First slot after ``after`` of: every ``step_months`` from month ``base_index`` (year*12+m-1)
    on ``day`` clamped to the month's length, at ``wall``."""
    local = after.astimezone(zone)
    k = (local.year * 12 + local.month - 1 - base_index) // step_months - 1
    while True:
        year, month0 = divmod(base_index + k * step_months, 12)
        clamped = date(year, month0 + 1, min(day, _days_in_month(year, month0 + 1)))
        slot = _instant(datetime.combine(clamped, wall), zone)
        if slot > after:
            return slot
        k += 1


def _slot_after(schedule: Schedule, anchor: datetime, after: datetime) -> datetime | None:
    """First slot strictly after ``after`` of the recurring series that has ``anchor`` as a slot."""
    period = schedule.elapsed_interval
    if period is not None:
        return anchor + ((after - anchor) // period + 1) * period
    kind, zone = schedule.kind, schedule.zone
    if kind is ScheduleKind.CRON and schedule.cron is not None:
        return _cron_after(schedule, schedule.cron, after)
    if kind is ScheduleKind.RRULE and schedule.rrule is not None:
        return _rrule_after(schedule, schedule.rrule, anchor, after)
    local = anchor.astimezone(zone)
    wall = schedule.time or local.time()
    if kind is ScheduleKind.DAILY:
        return _day_series_after(local.date(), 1, wall, zone, after)
    if kind is ScheduleKind.WEEKLY:
        return _day_series_after(_on_or_after_weekday(local.date(), schedule.day_of_week), 7, wall, zone, after)
    if kind is ScheduleKind.EVERY and schedule.unit is Unit.DAYS:
        return _day_series_after(local.date(), schedule.every, wall, zone, after)
    if kind is ScheduleKind.EVERY and schedule.unit is Unit.WEEKS:
        base = _on_or_after_weekday(local.date(), schedule.day_of_week)
        return _day_series_after(base, 7 * schedule.every, wall, zone, after)
    day = schedule.day_of_month or local.day
    if kind is ScheduleKind.MONTHLY:
        return _month_series_after(local.year * 12 + local.month - 1, 1, day, wall, zone, after)
    if kind is ScheduleKind.YEARLY:
        base_index = local.year * 12 + (schedule.month or local.month) - 1
        return _month_series_after(base_index, 12, day, wall, zone, after)
    return None


def next_occurrence(schedule: Schedule, after: datetime) -> datetime | None:
    """The first run strictly after ``after``, which is taken as a slot of the series (UTC).

    None for one-time schedules and for finished RRULEs (COUNT/UNTIL). Pass the scheduled slot
    (the stored ``next_run``), not the processing time, so interval schedules keep their phase.
    """
    if schedule.one_time:
        return None
    moment = _utc(after)
    return _slot_after(schedule, moment, moment)


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def first_run(schedule: Schedule, now: datetime) -> datetime:
    """The first run of a new task created at ``now`` (UTC).

    Schedules with their own time of day (``time``, cron, RRULE, ``*_at_HH:MM``, ``on_date``)
    give their first slot at or after ``now``. Schedules that take their phase from the creation
    time (intervals, calendar schedules without ``time``) start one period after ``now`` floored
    to the minute; ``in_N_*`` is ``now`` + N. A one-time moment already past raises
    ``ScheduleError``.
    """
    moment = _utc(now)
    if schedule.kind in _ONE_TIME_KINDS:
        return _one_time_slot(schedule, moment)
    if schedule.time_pinned:
        slot = _slot_after(schedule, moment, moment - _EPSILON)
    else:
        start = _floor_minute(moment)
        slot = _slot_after(schedule, start, start)
    if slot is None:
        raise _invalid("schedule", schedule.text, "has no run after " + format_timestamp(moment, schedule.zone))
    return slot


def _one_time_slot(schedule: Schedule, now: datetime) -> datetime:
    zone = schedule.zone
    today = now.astimezone(zone).date()
    wall = schedule.time or time(0)
    if schedule.kind is ScheduleKind.IN and schedule.unit is not None:
        delta = schedule.unit.times(schedule.every)
        if schedule.unit.elapsed:
            return now.replace(microsecond=0) + delta
        return _instant(now.astimezone(zone).replace(tzinfo=None, microsecond=0) + delta, zone)
    if schedule.kind is ScheduleKind.TOMORROW_AT:
        return _instant(datetime.combine(today + timedelta(days=1), wall), zone)
    on_day = schedule.specific_date if schedule.kind is ScheduleKind.ON_DATE else today
    slot = _instant(datetime.combine(on_day or today, wall), zone)
    if slot < now:
        raise _invalid("schedule", schedule.text,
                       f"is in the past ({format_timestamp(slot, zone)}, now {format_timestamp(now, zone)})")
    return slot


def preview(schedule: Schedule, start: datetime, n: int = 5) -> list[datetime]:
    """The next ``n`` runs, ``start`` (the first run: ``first_run`` or the stored ``next_run``) first.

    Shorter when the series ends (one-time schedules give just ``start``).
    """
    runs: list[datetime] = []
    current: datetime | None = _utc(start)
    while current is not None and len(runs) < n:
        runs.append(current)
        current = next_occurrence(schedule, current)
    return runs


def stored_next_run(task: Mapping[str, object], schedule: Schedule) -> datetime | None:
    """The task's ``next_run`` as a UTC instant (naive values in the schedule zone); None if absent."""
    value = _optional(task, "next_run")
    return None if value is None else parse_timestamp(value, schedule.zone, "next_run")


# --------------------------------------------------------------------------------------------
# Misfire policy
# --------------------------------------------------------------------------------------------


class DueStatus(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"  # run once now
    MISSED = "missed"  # a one-time task later than the grace: report it, do not run


@dataclass(frozen=True)
class DueDecision:
    """What a pass does with one task.

    ``slot`` is the scheduled run considered (the stored ``next_run``); ``next_run`` is what to
    store after this pass: unchanged when not due, the first slot strictly after ``now`` for a
    due recurring task, None when the task is finished (one-time, or a series that ended);
    ``late_by`` is how far ``now`` is past the slot (zero when not due).
    """

    status: DueStatus
    slot: datetime
    next_run: datetime | None
    late_by: timedelta

    @property
    def should_run(self) -> bool:
        return self.status is DueStatus.DUE


def due_runs(schedule: Schedule, next_run: datetime, now: datetime, grace: timedelta) -> DueDecision:
    """Decide one task's fate at ``now`` given its scheduled slot ``next_run``.

    Not yet due → NOT_DUE. A recurring task at or past its slot runs once, however many
    periods it missed, and moves to the first slot after ``now`` (computed from the slot, so the
    phase is kept). A one-time task runs if at most ``grace`` late, else it is MISSED.
    """
    slot, moment = _utc(next_run), _utc(now)
    if slot > moment:
        return DueDecision(DueStatus.NOT_DUE, slot, slot, timedelta(0))
    late_by = moment - slot
    if schedule.one_time:
        status = DueStatus.MISSED if late_by > grace else DueStatus.DUE
        return DueDecision(status, slot, None, late_by)
    return DueDecision(DueStatus.DUE, slot, _slot_after(schedule, slot, moment), late_by)


# --------------------------------------------------------------------------------------------
# Presentation helpers for `tasks add|list|show`
# --------------------------------------------------------------------------------------------


def _hhmm(wall: time | None) -> str:
    return "" if wall is None else f" at {wall:%H:%M}"


def describe(schedule: Schedule) -> str:
    """A short human description (``weekly on Monday at 09:00``) for task listings."""
    kind, wall = schedule.kind, _hhmm(schedule.time)
    if kind is ScheduleKind.MINUTELY:
        return "every minute"
    if kind is ScheduleKind.HOURLY:
        return "every hour"
    if kind is ScheduleKind.CRON and schedule.cron is not None:
        return f"cron {schedule.cron.text}"
    if kind is ScheduleKind.RRULE and schedule.rrule is not None:
        return f"RRULE {schedule.rrule.rule}"
    unit = schedule.unit.value if schedule.unit is not None else ""
    amount = f"{schedule.every} {unit[:-1] if schedule.every == 1 else unit}"
    if kind is ScheduleKind.EVERY:
        on = "" if schedule.day_of_week is None else f" on {WEEKDAY_NAMES[schedule.day_of_week].title()}"
        return f"every {amount}{on}{wall}"
    if kind is ScheduleKind.IN:
        return f"once, {amount} after creation"
    if kind in (ScheduleKind.TODAY_AT, ScheduleKind.TOMORROW_AT):
        return f"once, {kind.value.replace('_at', '')}{wall}"
    if kind is ScheduleKind.ON_DATE:
        return f"once on {schedule.specific_date}{wall or ' at 00:00'}"
    return _describe_calendar(schedule, wall)


def _describe_calendar(schedule: Schedule, wall: str) -> str:
    text = schedule.kind.value
    if schedule.kind is ScheduleKind.WEEKLY and schedule.day_of_week is not None:
        text += f" on {WEEKDAY_NAMES[schedule.day_of_week].title()}"
    if schedule.kind is ScheduleKind.MONTHLY and schedule.day_of_month is not None:
        text += f" on day {schedule.day_of_month}"
    if schedule.kind is ScheduleKind.YEARLY and (schedule.month or schedule.day_of_month):
        month = MONTH_NAMES[schedule.month - 1].title() if schedule.month else "(month of first run)"
        day = schedule.day_of_month or "(day of first run)"
        text += f" on {day} {month}"
    text += wall
    return text + (" (one run)" if schedule.one_time else "")


def pin_fields(schedule: Schedule, first: datetime) -> dict[str, object]:
    """Fields to add to a new task so its series never drifts from ``first`` (its first run).

    Calendar schedules missing ``time``/``day_of_week``/``day_of_month``/``month`` would take
    them from each previous slot; a clamped Feb 28 would then stick. Returns only missing ones,
    in the original tool's formats (``"09:00"``, ``"monday"``, ints).
    """
    kind, local = schedule.kind, _utc(first).astimezone(schedule.zone)
    calendar = (ScheduleKind.DAILY, ScheduleKind.WEEKLY, ScheduleKind.MONTHLY, ScheduleKind.YEARLY)
    day_based = kind is ScheduleKind.EVERY and schedule.unit in (Unit.DAYS, Unit.WEEKS)
    if schedule.one_time or not (kind in calendar or day_based):
        return {}
    fields: dict[str, object] = {}
    if schedule.time is None and local.second == 0 and local.microsecond == 0:
        fields["time"] = f"{local:%H:%M}"
    weekly = kind is ScheduleKind.WEEKLY or (kind is ScheduleKind.EVERY and schedule.unit is Unit.WEEKS)
    if weekly and schedule.day_of_week is None:
        fields["day_of_week"] = WEEKDAY_NAMES[local.weekday()]
    if kind in (ScheduleKind.MONTHLY, ScheduleKind.YEARLY) and schedule.day_of_month is None:
        fields["day_of_month"] = local.day
    if kind is ScheduleKind.YEARLY and schedule.month is None:
        fields["month"] = local.month
    return fields
