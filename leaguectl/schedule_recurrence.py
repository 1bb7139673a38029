"""RFC 5545 recurrence rules on naive wall times, evaluated in bounded time.

:mod:`leaguectl.schedule_rrule` reads an RRULE's text into :class:`RuleParts` and turns the wall
times found here into instants (zone, DST, UNTIL). This module only knows the calendar: given
the parts and a DTSTART (naive), :func:`walls_from` yields the rule's instances at or after a
wall time, in order, and :func:`nth_wall` finds the COUNT-th instance. It is the face of two
modules beside it: :mod:`leaguectl.schedule_recurrence_rule` (the rule's parts, the rule built
with DTSTART's defaults, the step :class:`Meter`) and :mod:`leaguectl.schedule_recurrence_periods`
(the days a rule selects and its in-phase periods); the expansion into instances and COUNT are here.

Why not dateutil's rrule: it walks a rule period by period from DTSTART, and a rule that never
matches again is walked on to year 9999, so one task (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``,
a DTSTART in 1900 with a COUNT of a billion) would cost seconds to minutes on every pass. Here
the work is bounded by construction:

* the first period looked at is the one holding the lower bound, found by arithmetic from the
  rule's phase (DTSTART's period and INTERVAL), never by walking from DTSTART;
* the days a rule selects are computed a calendar year at a time with set operations (cached);
  minute and hour rules look only at selected days and find their in-phase times by residue;
* a search stops :data:`HORIZON_YEARS` after its lower bound (a rule with no run in that time
  has no next run) and at year 9999;
* COUNT is resolved to the rule's last instance in closed form when every period holds the same
  number of instances, else by counting at most :data:`MAX_COUNTED` instances;
* every step is counted by a :class:`Meter`; no rule reaches its limit (the tests show the worst
  ones stay far below), so the limit is a guard, not a behaviour.

The semantics are RFC 5545's as python-dateutil implements them (dateutil is the test oracle:
``tests/test_schedule_rrule_oracle.py``). Turned into instants by :mod:`leaguectl.schedule_rrule`,
a wall time in a DST gap gets the offset before the gap (it moves forward by the gap's length)
and an ambiguous one its first occurrence, exactly as dateutil's instances with a zoneinfo
DTSTART; two wall times a gap puts on one instant run once, where dateutil lists both. The
deliberate differences, all cases RFC 5545 forbids, leaves open, or dateutil gets wrong:

* UNTIL bounds instants (``schedule_rrule``): a run happens if its instant is not after UNTIL.
  dateutil stops at the first instance past UNTIL in wall order, so when a gap moves one
  instance past UNTIL it also drops later instances that are still before it.

* BYDAY mixing plain and numbered weekdays (``MO,1TU``) selects days matching either entry;
  dateutil requires both.
* BYSETPOS in a WEEKLY rule counts positions in the whole week holding DTSTART; dateutil counts
  only from DTSTART's day in that first week (later weeks agree).
* BYWEEKNO judges every day by the ISO 8601 week (starting on WKST) it belongs to, in that
  week's own year: 2011-01-01 is in week 52 of 2010, which dateutil counts as week 53; and the
  December days of the next year's week 1 match ``-52``/``-53`` too, where dateutil checks
  only ``1``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from leaguectl.schedule_recurrence_periods import Period, period_at, periods, year_days
from leaguectl.schedule_recurrence_rule import (
    HOURS,
    MAX_YEAR,
    MINUTES,
    STEP_LIMIT,
    Clock,
    DaySelect,
    Freq,
    Meter,
    Rule,
    RuleParts,
    TooMuchWork,
    build_rule,
    positions,
)

__all__ = [
    "HORIZON_YEARS",
    "MAX_COUNTED",
    "STEP_LIMIT",
    "CountTooLarge",
    "DaySelect",
    "Freq",
    "Meter",
    "Rule",
    "RuleParts",
    "TooMuchWork",
    "build_rule",
    "first_wall",
    "nth_wall",
    "period_walls",
    "runs_per_period",
    "walls_from",
    "year_days",
]

# A search gives up this many years after its lower bound: the rule counts as finished.
HORIZON_YEARS = 100
# COUNT of a rule whose periods differ in size is found by counting at most this many runs.
MAX_COUNTED = 10_000


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------


def _wall(ordinal: int, clock: Clock) -> datetime:
    day = date.fromordinal(ordinal)
    return datetime(day.year, day.month, day.day, *clock)


def period_walls(rule: Rule, period: Period, low: datetime | None, meter: Meter) -> Iterator[datetime]:
    """The period's instances at or after ``low`` (all when None), in order."""
    days, times = period
    if not days or not times:
        return
    if rule.period_setpos:
        for index in positions(len(days) * len(times), rule.period_setpos):
            meter.tick()
            wall = _wall(days[index // len(times)], times[index % len(times)])
            if low is None or wall >= low:
                yield wall
        return
    first = 0 if low is None else bisect_left(days, low.toordinal())
    for ordinal in days[first:]:
        for clock in times:
            meter.tick()
            wall = _wall(ordinal, clock)
            if low is None or wall >= low:
                yield wall


def walls_from(rule: Rule, lower: datetime, meter: Meter) -> Iterator[datetime]:
    """The rule's instances at or after ``lower`` (and DTSTART), in order.

    Ends :data:`HORIZON_YEARS` after that bound or at year 9999, whichever comes first.
    """
    low = max(lower, rule.start)
    last_year = min(low.year + HORIZON_YEARS, MAX_YEAR)
    for period in periods(rule, low, last_year, meter):
        yield from period_walls(rule, period, low, meter)


# --------------------------------------------------------------------------------------------
# COUNT
# --------------------------------------------------------------------------------------------


class CountTooLarge(Exception):
    """COUNT cannot be resolved within the documented bounds (see :func:`nth_wall`)."""


_SHORTEST_MONTH = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _same_sign_within(values: frozenset[int], limit: int) -> bool:
    return all(0 < v <= limit for v in values) or all(-limit <= v < 0 for v in values)


def _days_per_period(rule: Rule) -> int | None:
    """How many days every period selects, when that is the same for all periods (else None)."""
    d, freq = rule.days, rule.freq
    if d.every_day:
        return 1 if freq >= Freq.DAILY else None
    if freq is Freq.WEEKLY and not (d.months or d.monthdays or d.yeardays or d.weeknos or d.nth_weekdays):
        return len(d.weekdays)
    if freq not in (Freq.MONTHLY, Freq.YEARLY) or d.yeardays or d.weeknos or d.weekdays:
        return None
    if freq is Freq.MONTHLY and d.months:
        return None
    months = len(d.months) if freq is Freq.YEARLY and d.months else (12 if freq is Freq.YEARLY else 1)
    shortest = min(_SHORTEST_MONTH[month] for month in d.months) if d.months else 28
    nth_values = frozenset(n for _, n in d.nth_weekdays)
    if d.monthdays and not d.nth_weekdays and _same_sign_within(d.monthdays, shortest):
        return months * len(d.monthdays)
    if d.nth_weekdays and not d.monthdays:
        if d.nth_in_month and _same_sign_within(nth_values, 4):
            return months * len(d.nth_weekdays)
        if not d.nth_in_month and _same_sign_within(nth_values, 52):
            return len(d.nth_weekdays)
    return None


def runs_per_period(rule: Rule) -> int | None:
    """Instances in every in-phase period when that number is the same for all of them."""
    days = _days_per_period(rule)
    if days is None:
        return None
    if rule.freq is Freq.HOURLY:
        times = len(rule.hour_minutes) if rule.hours == HOURS else None
    elif rule.freq is Freq.MINUTELY:
        times = int(rule.minute_fires) if rule.hours == HOURS and rule.minutes == MINUTES else None
    else:
        times = len(rule.times)
    if times is None:
        return None
    total = days * times
    return len(positions(total, rule.period_setpos)) if rule.period_setpos else total


def nth_wall(rule: Rule, count: int, meter: Meter) -> datetime | None:
    """The ``count``-th instance (1-based) from DTSTART; None when year 9999 comes first.

    Closed form when every period holds the same number of instances; otherwise the instances
    are counted, at most :data:`MAX_COUNTED` of them and within :data:`HORIZON_YEARS` of
    DTSTART, else :class:`CountTooLarge`.
    """
    per_period = runs_per_period(rule)
    if per_period:
        return _nth_wall_closed_form(rule, count, per_period, meter)
    if count > MAX_COUNTED:
        raise CountTooLarge(f"counting more than {MAX_COUNTED:,} runs")
    found = _counted_wall(rule, count, meter)
    if found is not None or rule.start.year + HORIZON_YEARS >= MAX_YEAR:
        return found
    raise CountTooLarge(f"the runs it counts go beyond {HORIZON_YEARS} years after DTSTART")


def _counted_wall(rule: Rule, count: int, meter: Meter) -> datetime | None:
    """The ``count``-th instance from DTSTART within the horizon, counting whole periods at a time."""
    low = rule.start
    seen = 0
    for period in periods(rule, low, min(low.year + HORIZON_YEARS, MAX_YEAR), meter):
        days, times = period
        if days and days[0] > low.toordinal():  # the whole period counts: no wall needs building
            total = len(days) * len(times)
            size = len(positions(total, rule.period_setpos)) if rule.period_setpos else total
            if seen + size < count:
                seen += size
                continue
        for wall in period_walls(rule, period, low, meter):
            seen += 1
            if seen == count:
                return wall
    return None


def _nth_wall_closed_form(rule: Rule, count: int, per_period: int, meter: Meter) -> datetime | None:
    """Period 0 may hold fewer runs (those before DTSTART do not count); every later one ``per_period``."""
    first = period_at(rule, 0)
    if first is None:
        return None
    days, times = first
    total = len(days) * len(times)
    rank = _rank(first, rule.start)
    if rule.period_setpos:
        remaining = [index for index in positions(total, rule.period_setpos) if index >= rank]
        if count <= len(remaining):
            return _wall_at(first, remaining[count - 1])
        left = count - len(remaining)
    else:
        if count <= total - rank:
            return _wall_at(first, rank + count - 1)
        left = count - max(total - rank, 0)
    j, position = divmod(left - 1, per_period)
    meter.tick()
    period = period_at(rule, j + 1)
    if period is None:
        return None
    days, times = period
    total = len(days) * len(times)
    indexes: Sequence[int] = positions(total, rule.period_setpos) if rule.period_setpos else range(total)
    return _wall_at(period, indexes[position]) if position < len(indexes) else None


def _rank(period: Period, low: datetime) -> int:
    """Index, in the full period's (day, time) order, of its first instance at or after ``low``."""
    days, times = period
    ordinal = low.toordinal()
    before = bisect_left(days, ordinal)
    rank = before * len(times)
    if before < len(days) and days[before] == ordinal:
        rank += bisect_left(times, (low.hour, low.minute, low.second + (1 if low.microsecond else 0)))
    return rank


def _wall_at(period: Period, index: int) -> datetime:
    days, times = period
    return _wall(days[index // len(times)], times[index % len(times)])


def first_wall(rule: Rule, meter: Meter) -> datetime | None:
    """The rule's first instance (at or after DTSTART), or None within the horizon."""
    return next(walls_from(rule, rule.start, meter), None)
