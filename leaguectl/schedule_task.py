"""The task format's schedule values: what a task's ``schedule`` field (and the fields it uses) means.

:func:`parse_schedule` turns a task dict into a :class:`Schedule`; :func:`describe` and
:func:`pin_fields` present it and write it back for ``tasks add|list|show``. When a schedule
runs is computed in :mod:`leaguectl.schedule`, which also documents the choices made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from leaguectl.schedule_time import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    ScheduleError,
    as_utc,
    field_error,
    parse_date,
    parse_day_of_month,
    parse_month,
    parse_time_of_day,
    parse_timestamp,
    parse_weekday,
    parse_zone,
)

if TYPE_CHECKING:  # the cron and RRULE engines are imported when a schedule of theirs is read
    from leaguectl.schedule_cron import CronExpr
    from leaguectl.schedule_rrule import RRuleSpec

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


ONE_TIME_KINDS = frozenset({ScheduleKind.IN, ScheduleKind.TODAY_AT, ScheduleKind.TOMORROW_AT,
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


# --------------------------------------------------------------------------------------------
# Reading a task's schedule fields
# --------------------------------------------------------------------------------------------

_INTERVAL = r"(every|in)_([0-9]+)_(second|minute|hour|day|week)s?"
_AT = r"(today|tomorrow)_at_([0-9]{1,2}:[0-9]{2})"
# The longest interval or delay a schedule value may name (every_N_*, in_N_*).
MAX_INTERVAL = timedelta(days=36525)
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
        raise field_error("schedule", raw, "is not a known schedule")
    text = raw.strip()
    zone_value = _optional(task, "timezone")
    zone = default_zone if zone_value is None else parse_zone(zone_value)
    schedule = _parse_value(text, task, zone)
    flagged = _parse_flag(task.get("one_time"), "one_time")
    return replace(schedule, one_time=schedule.kind in ONE_TIME_KINDS or flagged)


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
            raise field_error("schedule", text, "has no valid time of day (HH:MM, 00:00-23:59)") from None
        return Schedule(text, kind, zone, time=wall)
    if lowered == "on_date":
        specific = _optional(task, "specific_date")
        if specific is None:
            raise ScheduleError("specific_date is required for schedule 'on_date'")
        return Schedule(text, ScheduleKind.ON_DATE, zone, time=_time_field(task),
                        specific_date=parse_date(specific))
    if lowered.startswith(("rrule:", "freq=", "dtstart")):
        from leaguectl.schedule_rrule import parse_rrule

        spec, zone = parse_rrule(text, zone)
        return Schedule(text, ScheduleKind.RRULE, zone, time=_time_field(task), rrule=spec)
    if lowered.startswith(("cron:", "@")) or len(text.split()) == 5:
        from leaguectl.schedule_cron import parse_cron

        expression = text[5:].strip() if lowered.startswith("cron:") else text
        return Schedule(text, ScheduleKind.CRON, zone, cron=parse_cron(text, expression))
    raise field_error("schedule", text, "is not a known schedule")


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
    unit = Unit(match[3] + "s")
    n = int(match[2]) if len(match[2]) <= 12 else None
    if n is None or unit.times(1).total_seconds() * n > MAX_INTERVAL.total_seconds():
        raise field_error("schedule", text, "is longer than 100 years")
    if n < 1:
        raise field_error("schedule", text, "needs a count of at least 1")
    if match[1] == "in":
        return Schedule(text, ScheduleKind.IN, zone, every=n, unit=unit)
    if unit is Unit.SECONDS and n < 60:
        raise field_error("schedule", text, "fires more often than once a minute; the shortest interval is "
                          "60 seconds (every_1_minutes, or minutely)")
    if unit.elapsed:
        return Schedule(text, ScheduleKind.EVERY, zone, every=n, unit=unit)
    weekday = _weekday_field(task) if unit is Unit.WEEKS else None
    return Schedule(text, ScheduleKind.EVERY, zone, time=_time_field(task), every=n, unit=unit,
                    day_of_week=weekday)


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
    raise field_error(field, value, "is not true or false")


def stored_next_run(task: Mapping[str, object], schedule: Schedule) -> datetime | None:
    """The task's ``next_run`` as a UTC instant (naive values in the schedule zone); None if absent."""
    value = _optional(task, "next_run")
    return None if value is None else parse_timestamp(value, schedule.zone, "next_run")


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
    kind = schedule.kind
    calendar = (ScheduleKind.DAILY, ScheduleKind.WEEKLY, ScheduleKind.MONTHLY, ScheduleKind.YEARLY)
    day_based = kind is ScheduleKind.EVERY and schedule.unit in (Unit.DAYS, Unit.WEEKS)
    if schedule.one_time or not (kind in calendar or day_based):
        return {}
    try:
        local = as_utc(first).astimezone(schedule.zone)
    except OverflowError:  # a first run in the calendar's last hours: nothing left to drift
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
