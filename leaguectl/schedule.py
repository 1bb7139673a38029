"""Task schedules: read the schedule fields of a tasks-channel task and compute its run times.

This module computes run times (next occurrence, first run, preview, the misfire policy) and is
the public face of the schedule modules beside it, re-exporting what callers use:
``schedule_time`` (timestamps, zones, DST, field parsers), ``schedule_task`` (the task format's
schedule values: ``parse_schedule``, ``describe``, ``pin_fields``), ``schedule_cron`` (cron
expressions), ``schedule_rrule`` (RRULE text, zones, UNTIL, COUNT) and ``schedule_recurrence``
(the RFC 5545 calendar engine behind RRULE).

Pure modules: no HTTP and no clock. Every function takes the moments it reasons about as
arguments, and every public function returns aware datetimes in UTC (``localize`` excepted,
which returns the local wall time). No python-dateutil at run time (it is the tests' oracle),
so importing this module stays cheap for every one-minute pass.

Choices, decided once and documented here (docs/tasks.md "Schedules and time" says the same):

Timestamps
    Naive timestamps (``2025-01-05T09:00``, with or without seconds and a fraction, ``T`` or a
    space, ASCII digits) are wall-clock times in the task's zone. A wall time that does not
    exist (DST gap) moves forward by the length of the gap: 02:30 on the spring-forward day in
    Berlin runs at 03:30 CEST, 02:15 on Lord Howe Island's (a 30-minute gap) at 02:45. An
    ambiguous one (fall-back) is the first occurrence. ``Z`` and ``+HH:MM`` forms are taken as
    written. Midnight is 00:00; ``24:00`` is rejected.

Zone
    The task's ``timezone`` field (an IANA name), else the default zone the caller passes
    (``TASKS_DEFAULT_TIMEZONE``, Europe/Berlin for compatibility). An RRULE whose DTSTART has a
    ``TZID`` uses that zone.

At most once a minute
    leaguectl runs every minute, and a schedule firing more often is an error naming it:
    ``every_N_seconds`` needs N >= 60 (elapsed seconds; ``in_N_seconds`` is any delay), an
    RRULE may not use FREQ=SECONDLY or more than one BYSECOND value, cron has minutes only.
    ``every_N_*`` and ``in_N_*`` may not exceed 100 years.

Cron (``cron:0 9 * * MON``, a bare five-field value ``0 9 * * 1``, or a macro)
    Fields: minute hour day-of-month month day-of-week, with ``*``, lists, ranges, steps, month
    names JAN-DEC and weekday names SUN-SAT. Day-of-week 0 and 7 are both Sunday (the task
    format's ``day_of_week`` integers are 0 = Monday instead). ``*/n`` counts from the field's
    minimum to its maximum, ``a/n`` from ``a`` to the maximum, ``a-b/n`` from ``a`` to ``b``; the
    maxima are 59, 23, 31, 12 and, for day-of-week, 6: ``*/2`` is Sun, Tue, Thu, Sat and
    ``1/2`` is Mon, Wed, Fri (never Sunday-as-7); only an explicit range reaches 7 (``5-7/2`` is
    Fri, Sun). As in Vixie cron, when both day fields are restricted (neither starts with
    ``*``) a day matching either runs. Macros, bare or after ``cron:`` (``cron:@daily``):
    ``@hourly``, ``@daily``/``@midnight``, ``@weekly`` (Sunday 00:00), ``@monthly``,
    ``@yearly``/``@annually``; ``@reboot`` is refused (a task has no start-up moment).

RRULE (RFC 5545: ``RRULE:FREQ=WEEKLY;BYDAY=MO``, or ``FREQ=...``)
    Optionally preceded by a DTSTART line, lines separated by newlines or spaces.
    ``DTSTART:20250106T090000`` is a wall time in the task's zone; ``DTSTART;TZID=Zone:...`` a
    wall time in that zone; ``DTSTART:20250106T080000Z`` means the recurrence is in UTC (RFC
    5545's "date with UTC time"): every run is at 08:00 UTC, so in Berlin 09:00 in winter and
    10:00 in summer, and BYHOUR counts UTC hours (the task's zone still shows the runs).
    Without DTSTART the rule starts at 00:00 (or at ``time``) on the anchor's day.
    UNTIL bounds runs by time, inclusively: a run happens only if its instant (after the DST
    rules above) is not later than UNTIL. ``...Z`` is that instant, a local date-time is read in
    the rule's zone, a date (``UNTIL=20250330``) includes that whole day. COUNT counts the
    rule's instances from DTSTART (so it needs one); two instances a DST gap puts on one instant
    run once. COUNT is resolved when the rule is read: in closed form when every period (year,
    month, week, day, hour, minute) holds the same number of instances, else by counting at
    most 10,000 instances within 100 years of DTSTART; beyond that the rule is refused ("give
    UNTIL instead"). COUNT and UNTIL together are refused. A rule with no run within 100 years
    of where the search starts counts as finished; one that never runs is refused when read.
    Evaluation costs bounded time whatever COUNT, INTERVAL, BYxxx or the distance to DTSTART
    (see ``schedule_recurrence``; ``bench/schedules.py`` measures the worst rules). The few
    places where leaguectl and python-dateutil read a rule differently are listed in
    ``schedule_recurrence``.

Wall-clock recurrence
    Calendar schedules (``daily``, ``weekly``, ``monthly``, ``yearly``, ``every_N_days``,
    ``every_N_weeks``, cron, RRULE) are computed on local dates and wall times, so daily 09:00
    stays 09:00 across DST, and a 00:30 task's next run after its 00:30 slot is tomorrow 00:30.
    Slots falling in a DST gap shift forward; ambiguous slots run once, at the first occurrence.
    ``minutely``, ``hourly``, ``every_N_seconds|minutes|hours`` are absolute elapsed time (an
    hourly task stays 60 real minutes apart across DST; use cron or ``every_N_days`` for
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

The end of the calendar
    A series whose next slot would fall after year 9999 has ended (``next_occurrence`` is None);
    no timestamp, however odd, turns into an exception other than ``ScheduleError``.

Fields a schedule does not use are ignored (the original tool writes every field, often null),
so a stray value never makes a task unrunnable; fields it uses are validated and an error
names the field and the value.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import MAXYEAR, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from leaguectl.schedule_task import (
    ONE_TIME_KINDS,
    Schedule,
    ScheduleKind,
    Unit,
    describe,
    parse_schedule,
    pin_fields,
    stored_next_run,
)
from leaguectl.schedule_time import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    ScheduleError,
    as_utc,
    field_error,
    format_timestamp,
    localize,
    parse_date,
    parse_day_of_month,
    parse_month,
    parse_time_of_day,
    parse_timestamp,
    parse_weekday,
    parse_zone,
    wall_instant,
)

__all__ = [
    "MONTH_NAMES",
    "WEEKDAY_NAMES",
    "DueDecision",
    "DueStatus",
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


# --------------------------------------------------------------------------------------------
# Occurrences
# --------------------------------------------------------------------------------------------


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _on_or_after_weekday(day: date, weekday: int | None) -> date:
    if weekday is None:
        return day
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _day_series_after(base: date, step_days: int, wall: time, zone: ZoneInfo, after: datetime) -> datetime:
    """First slot after ``after`` of: every ``step_days`` days from ``base`` at ``wall``."""
    k = (after.astimezone(zone).date() - base).days // step_days - 1
    k = max(k, -((base - date.min).days // step_days))  # never before the calendar's first day
    while True:
        slot = _calendar_instant(base + timedelta(days=k * step_days), wall, zone)
        if slot is not None and slot > after:
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
        if year > MAXYEAR:
            raise OverflowError("past the end of year 9999")
        k += 1
        if year < 1:
            continue
        clamped = date(year, month0 + 1, min(day, _days_in_month(year, month0 + 1)))
        slot = _calendar_instant(clamped, wall, zone)
        if slot is not None and slot > after:
            return slot


def _calendar_instant(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The instant of ``wall`` on ``day``; None for the first day's hours that precede year 1 in UTC."""
    try:
        return wall_instant(datetime.combine(day, wall), zone)
    except OverflowError:
        if day.year == 1:
            return None
        raise


def _slot_after(schedule: Schedule, anchor: datetime, after: datetime) -> datetime | None:
    """First slot strictly after ``after`` of the recurring series that has ``anchor`` as a slot.

    None when the series has ended, or its next slot would fall past the calendar's end (year
    9999): a stored ``next_run`` can be any timestamp, and none may turn into an exception.
    """
    try:
        return _series_slot_after(schedule, anchor, after)
    except OverflowError:
        return None


def _series_slot_after(schedule: Schedule, anchor: datetime, after: datetime) -> datetime | None:
    period = schedule.elapsed_interval
    if period is not None:
        return anchor + ((after - anchor) // period + 1) * period
    kind, zone = schedule.kind, schedule.zone
    if kind is ScheduleKind.CRON and schedule.cron is not None:
        from leaguectl.schedule_cron import cron_after  # loaded with the cron schedule it evaluates

        return cron_after(schedule.cron, schedule.zone, after, schedule.text)
    if kind is ScheduleKind.RRULE and schedule.rrule is not None:
        from leaguectl.schedule_rrule import rrule_after  # loaded with the RRULE it evaluates

        return rrule_after(schedule.rrule, schedule.zone, schedule.time, anchor, after)
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
    moment = as_utc(after)
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
    moment = as_utc(now)
    try:
        if schedule.kind in ONE_TIME_KINDS:
            return _one_time_slot(schedule, moment)
        if schedule.time_pinned:
            slot = _slot_after(schedule, moment, moment - _EPSILON)
        else:
            start = _floor_minute(moment)
            slot = _slot_after(schedule, start, start)
    except OverflowError:
        slot = None
    if slot is None:
        raise field_error("schedule", schedule.text, "has no run after " + format_timestamp(moment, schedule.zone))
    return slot


def _one_time_slot(schedule: Schedule, now: datetime) -> datetime:
    zone = schedule.zone
    today = now.astimezone(zone).date()
    wall = schedule.time or time(0)
    if schedule.kind is ScheduleKind.IN and schedule.unit is not None:
        delta = schedule.unit.times(schedule.every)
        if schedule.unit.elapsed:
            return now.replace(microsecond=0) + delta
        return wall_instant(now.astimezone(zone).replace(tzinfo=None, microsecond=0) + delta, zone)
    if schedule.kind is ScheduleKind.TOMORROW_AT:
        return wall_instant(datetime.combine(today + timedelta(days=1), wall), zone)
    on_day = schedule.specific_date if schedule.kind is ScheduleKind.ON_DATE else today
    slot = wall_instant(datetime.combine(on_day or today, wall), zone)
    if slot < now:
        raise field_error("schedule", schedule.text,
                       f"is in the past ({format_timestamp(slot, zone)}, now {format_timestamp(now, zone)})")
    return slot


def preview(schedule: Schedule, start: datetime, n: int = 5) -> list[datetime]:
    """The next ``n`` runs, ``start`` (the first run: ``first_run`` or the stored ``next_run``) first.

    Shorter when the series ends (one-time schedules give just ``start``).
    """
    runs: list[datetime] = []
    current: datetime | None = as_utc(start)
    while current is not None and len(runs) < n:
        runs.append(current)
        current = next_occurrence(schedule, current)
    return runs

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
    slot, moment = as_utc(next_run), as_utc(now)
    if slot > moment:
        return DueDecision(DueStatus.NOT_DUE, slot, slot, timedelta(0))
    late_by = moment - slot
    if schedule.one_time:
        status = DueStatus.MISSED if late_by > grace else DueStatus.DUE
        return DueDecision(status, slot, None, late_by)
    return DueDecision(DueStatus.DUE, slot, _slot_after(schedule, slot, moment), late_by)
