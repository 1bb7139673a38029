"""RFC 5545 recurrence rules on naive wall times, evaluated in bounded time.

:mod:`leaguectl.schedule_rrule` reads an RRULE's text into :class:`RuleParts` and turns the wall
times found here into instants (zone, DST, UNTIL). This module only knows the calendar: given
the parts and a DTSTART (naive), :func:`walls_from` yields the rule's instances at or after a
wall time, in order, and :func:`nth_wall` finds the COUNT-th instance.

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

import calendar
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from functools import lru_cache
from typing import TypeVar

MAX_YEAR = date.max.year
# A search gives up this many years after its lower bound: the rule counts as finished.
HORIZON_YEARS = 100
# COUNT of a rule whose periods differ in size is found by counting at most this many runs.
MAX_COUNTED = 10_000
# Steps one evaluation may take (periods, days, instances looked at). The worst rules the tests
# construct stay under a third of it; reaching it means a bug, reported as a schedule error.
STEP_LIMIT = 200_000

HOURS = tuple(range(24))
MINUTES = tuple(range(60))


class Freq(IntEnum):
    """FREQ values leaguectl runs, coarsest first (SECONDLY fires more than once a minute)."""

    YEARLY = 0
    MONTHLY = 1
    WEEKLY = 2
    DAILY = 3
    HOURLY = 4
    MINUTELY = 5


class TooMuchWork(Exception):
    """An evaluation took more than :data:`STEP_LIMIT` steps (a bug guard, see the docstring)."""


@dataclass
class Meter:
    """Counts the steps of one evaluation, so tests and the guard can see the work done."""

    limit: int = STEP_LIMIT
    steps: int = 0

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limit:
            raise TooMuchWork(f"more than {self.limit} steps")


@dataclass(frozen=True)
class RuleParts:
    """An RRULE's calendar parts as written and range-checked; an empty set means "not given".

    ``nth_weekdays`` holds numbered BYDAY entries as (weekday, n), weekdays 0=Monday; UNTIL and
    COUNT are not calendar parts and live in :class:`leaguectl.schedule_rrule.RRuleSpec`.
    """

    freq: Freq
    interval: int = 1
    months: frozenset[int] = frozenset()
    monthdays: frozenset[int] = frozenset()
    yeardays: frozenset[int] = frozenset()
    weeknos: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()
    hours: frozenset[int] = frozenset()
    minutes: frozenset[int] = frozenset()
    seconds: frozenset[int] = frozenset()
    setpos: frozenset[int] = frozenset()
    wkst: int = 0


@dataclass(frozen=True)
class DaySelect:
    """The day-level parts of a rule after DTSTART's defaults; empty sets do not restrict."""

    months: frozenset[int] = frozenset()
    monthdays: frozenset[int] = frozenset()
    yeardays: frozenset[int] = frozenset()
    weeknos: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()
    nth_in_month: bool = False
    wkst: int = 0

    @property
    def every_day(self) -> bool:
        return not (self.months or self.monthdays or self.yeardays or self.weeknos or self.weekdays
                    or self.nth_weekdays)


Clock = tuple[int, int, int]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Rule:
    """A rule ready to expand: the parts, DTSTART, and DTSTART's defaults made explicit.

    ``hours``/``minutes`` are the allowed values, sorted (all of them where a minutely or hourly
    rule is not limited). The derived fields hold what every period shares, with BYSETPOS
    applied once where a period's instances do not depend on the period: ``times`` is one
    day's time set (DAILY and coarser), ``hour_minutes`` an HOURLY period's minutes,
    ``minute_fires`` whether a MINUTELY period's single instance survives BYSETPOS, and
    ``period_setpos`` the BYSETPOS left to apply per period (YEARLY, MONTHLY, WEEKLY).
    """

    freq: Freq
    interval: int
    start: datetime
    days: DaySelect
    hours: tuple[int, ...]
    minutes: tuple[int, ...]
    second: int
    setpos: tuple[int, ...]
    times: tuple[Clock, ...] = field(init=False)
    hour_minutes: tuple[int, ...] = field(init=False)
    minute_fires: bool = field(init=False)
    period_setpos: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        def picked(values: Sequence[_T]) -> tuple[_T, ...]:
            fixed = self.setpos and self.freq >= Freq.DAILY
            return tuple(values[i] for i in _positions(len(values), self.setpos)) if fixed else tuple(values)

        times = [(hour, minute, self.second) for hour in self.hours for minute in self.minutes]
        object.__setattr__(self, "times", picked(times) if self.freq <= Freq.DAILY else ())
        object.__setattr__(self, "hour_minutes", picked(self.minutes) if self.freq is Freq.HOURLY else ())
        object.__setattr__(self, "minute_fires", bool(picked([0])) if self.freq is Freq.MINUTELY else False)
        object.__setattr__(self, "period_setpos", self.setpos if self.freq <= Freq.WEEKLY else ())


def build_rule(parts: RuleParts, start: datetime) -> Rule:
    """The rule of ``parts`` starting at the naive wall time ``start`` (whole seconds kept)."""
    return _build_rule(parts, start.replace(microsecond=0))


@lru_cache(maxsize=256)
def _build_rule(parts: RuleParts, start: datetime) -> Rule:
    freq = parts.freq
    months, monthdays, weekdays = parts.months, parts.monthdays, parts.weekdays
    if not (parts.weeknos or parts.yeardays or parts.monthdays or parts.weekdays or parts.nth_weekdays):
        # RFC 5545: parts a rule lacks are taken from DTSTART.
        if freq is Freq.YEARLY:
            months, monthdays = months or frozenset({start.month}), frozenset({start.day})
        elif freq is Freq.MONTHLY:
            monthdays = frozenset({start.day})
        elif freq is Freq.WEEKLY:
            weekdays = frozenset({start.weekday()})
    days = DaySelect(months, monthdays, parts.yeardays, parts.weeknos, weekdays, parts.nth_weekdays,
                     nth_in_month=freq is Freq.MONTHLY or bool(parts.months), wkst=parts.wkst)
    hours = tuple(sorted(parts.hours)) or (HOURS if freq >= Freq.HOURLY else (start.hour,))
    minutes = tuple(sorted(parts.minutes)) or (MINUTES if freq is Freq.MINUTELY else (start.minute,))
    second = min(parts.seconds) if parts.seconds else start.second
    return Rule(freq, parts.interval, start, days, hours, minutes, second, tuple(sorted(parts.setpos)))


# --------------------------------------------------------------------------------------------
# Days a rule selects, a calendar year at a time
# --------------------------------------------------------------------------------------------


def _jan1(year: int) -> int:
    """Proleptic Gregorian ordinal of January 1st (valid for any year, also 0 and 10000)."""
    y = year - 1
    return 365 * y + y // 4 - y // 100 + y // 400 + 1


def _weekday(ordinal: int) -> int:
    return (ordinal - 1) % 7  # ordinal 1 (0001-01-01) was a Monday


def _year_of(ordinal: int) -> int:
    return date.fromordinal(ordinal).year


def _month_bounds(year: int) -> list[int]:
    """Ordinals of the 1st of each month of ``year`` and of the next January 1st (13 values)."""
    first = _jan1(year)
    bounds = [first]
    for month in range(1, 13):
        bounds.append(bounds[-1] + calendar.monthrange(year, month)[1] if month < 12 else _jan1(year + 1))
    return bounds


def _week1_start(year: int, wkst: int) -> int:
    """First day of week 1 of ``year``: the first week (from WKST) with at least 4 days in it."""
    jan1 = _jan1(year)
    into_week = (_weekday(jan1) - wkst) % 7
    return jan1 - into_week + (7 if into_week > 3 else 0)


def _weekno_days(year: int, weeknos: frozenset[int], wkst: int) -> set[int]:
    """Days of ``year`` whose week (in the week-numbering year it belongs to) is listed."""
    first, end = _jan1(year), _jan1(year + 1)
    found: set[int] = set()
    for week_year in (year - 1, year, year + 1):
        week1 = _week1_start(week_year, wkst)
        weeks = (_week1_start(week_year + 1, wkst) - week1) // 7
        for number in weeknos:
            resolved = number if number > 0 else weeks + number + 1
            if 1 <= resolved <= weeks:
                monday = week1 + 7 * (resolved - 1)
                found.update(range(max(monday, first), min(monday + 7, end)))
    return found


def _nth_weekday_days(ranges: Sequence[tuple[int, int]], wanted: frozenset[tuple[int, int]]) -> set[int]:
    """The n-th (or, negative, n-th last) given weekday inside each [first, end) range."""
    found: set[int] = set()
    for first, end in ranges:
        for weekday, n in wanted:
            if n > 0:
                day = first + (weekday - _weekday(first)) % 7 + 7 * (n - 1)
            else:
                day = end - 1 - (_weekday(end - 1) - weekday) % 7 + 7 * (n + 1)
            if first <= day < end:
                found.add(day)
    return found


def _weekday_days(first: int, end: int, weekdays: frozenset[int]) -> set[int]:
    found: set[int] = set()
    for weekday in weekdays:
        found.update(range(first + (weekday - _weekday(first)) % 7, end, 7))
    return found


@lru_cache(maxsize=512)
def year_days(select: DaySelect, year: int) -> tuple[int, ...]:
    """Sorted ordinals of the days of ``year`` that ``select`` keeps (each part limits the year)."""
    first, end = _jan1(year), _jan1(year + 1)
    bounds = _month_bounds(year)
    months = sorted(select.months) or list(range(1, 13))
    limits: list[set[int]] = []
    if select.months:
        limits.append({day for month in months for day in range(bounds[month - 1], bounds[month])})
    if select.monthdays:
        chosen: set[int] = set()
        for month in months:
            length = bounds[month] - bounds[month - 1]
            for value in select.monthdays:
                number = value if value > 0 else length + value + 1
                if 1 <= number <= length:
                    chosen.add(bounds[month - 1] + number - 1)
        limits.append(chosen)
    if select.yeardays:
        length = end - first
        limits.append({first + (value - 1 if value > 0 else length + value)
                       for value in select.yeardays if abs(value) <= length})
    if select.weeknos:
        limits.append(_weekno_days(year, select.weeknos, select.wkst))
    if select.weekdays or select.nth_weekdays:
        ranges = [(bounds[m - 1], bounds[m]) for m in months] if select.nth_in_month else [(first, end)]
        limits.append(_weekday_days(first, end, select.weekdays) | _nth_weekday_days(ranges, select.nth_weekdays))
    if not limits:
        return tuple(range(first, end))
    return tuple(sorted(set.intersection(*limits)))


@lru_cache(maxsize=512)
def _year_day_set(select: DaySelect, year: int) -> frozenset[int]:
    return frozenset(year_days(select, year))


def _day_selected(select: DaySelect, ordinal: int) -> bool:
    return select.every_day or ordinal in _year_day_set(select, _year_of(ordinal))


# --------------------------------------------------------------------------------------------
# Periods: each FREQ's intervals, only those in phase with DTSTART
# --------------------------------------------------------------------------------------------

# A period's instances are every (day, time) pair in order, or the BYSETPOS picks among them.
Period = tuple[Sequence[int], Sequence[Clock]]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _week_start(ordinal: int, wkst: int) -> int:
    return ordinal - (_weekday(ordinal) - wkst) % 7


def period_at(rule: Rule, j: int) -> Period | None:
    """The ``j``-th in-phase period (0 holds DTSTART); None past year 9999.

    Hourly and minutely rules are only asked for this by the closed-form COUNT; their periods
    are an hour or a minute of a selected day.
    """
    start, n, freq = rule.start, rule.interval, rule.freq
    if freq is Freq.YEARLY:
        year = start.year + j * n
        return None if year > MAX_YEAR else (year_days(rule.days, year), rule.times)
    if freq is Freq.MONTHLY:
        year, month0 = divmod(start.year * 12 + start.month - 1 + j * n, 12)
        if year > MAX_YEAR:
            return None
        days = year_days(rule.days, year)
        bounds = _month_bounds(year)
        return days[bisect_left(days, bounds[month0]):bisect_left(days, bounds[month0 + 1])], rule.times
    if freq is Freq.WEEKLY:
        first = _week_start(start.toordinal(), rule.days.wkst) + 7 * j * n
        if first > date.max.toordinal():
            return None
        week = range(max(first, 1), min(first + 7, date.max.toordinal() + 1))  # within years 1-9999
        return [day for day in week if _day_selected(rule.days, day)], rule.times
    unit = {Freq.DAILY: 1, Freq.HOURLY: 24, Freq.MINUTELY: 1440}[freq]
    index = _index_in_day_units(start, unit) + j * n
    day, offset = divmod(index, unit)
    if day > date.max.toordinal():
        return None
    selected = [day] if _day_selected(rule.days, day) else []
    if freq is Freq.DAILY:
        return selected, rule.times
    if freq is Freq.HOURLY:
        return selected, _sub_day_times(rule, 24, offset) if offset in rule.hours else []
    clock = (offset // 60, offset % 60, rule.second)
    return selected, _sub_day_times(rule, 1440, offset) if clock[0] in rule.hours and clock[1] in rule.minutes else []


def _index_in_day_units(moment: datetime, unit: int) -> int:
    """Days, hours or minutes (``unit`` per day) from the calendar's origin to ``moment``'s."""
    within = moment.hour * 60 + moment.minute if unit == 1440 else moment.hour if unit == 24 else 0
    return moment.toordinal() * unit + within


def _first_period(rule: Rule, low: datetime) -> int:
    """Index of the first in-phase YEARLY, MONTHLY or WEEKLY period that can hold ``low`` or later."""
    start = rule.start
    if rule.freq is Freq.YEARLY:
        behind = low.year - start.year
    elif rule.freq is Freq.MONTHLY:
        behind = (low.year - start.year) * 12 + low.month - start.month
    else:
        wkst = rule.days.wkst
        behind = (_week_start(low.toordinal(), wkst) - _week_start(start.toordinal(), wkst)) // 7
    return max(0, _ceil_div(behind, rule.interval))


def _coarse_periods(rule: Rule, low: datetime, last_year: int, meter: Meter) -> Iterator[Period]:
    """YEARLY, MONTHLY and WEEKLY periods from the one holding ``low``, in phase, to ``last_year``."""
    j = _first_period(rule, low)
    while _period_year(rule, j) <= last_year:
        meter.tick()
        period = period_at(rule, j)
        if period is None:
            return
        yield period
        j += 1


def _period_year(rule: Rule, j: int) -> int:
    """The year in which the ``j``-th in-phase period starts (capped just past year 9999)."""
    start, n = rule.start, rule.interval
    if rule.freq is Freq.YEARLY:
        return start.year + j * n
    if rule.freq is Freq.MONTHLY:
        return (start.year * 12 + start.month - 1 + j * n) // 12
    first = _week_start(start.toordinal(), rule.days.wkst) + 7 * j * n
    return MAX_YEAR + 1 if first > date.max.toordinal() else _year_of(max(first, 1))


def _selected_days(select: DaySelect, low: int, last_year: int, meter: Meter,
                   phase: tuple[int, int] = (0, 1)) -> Iterator[int]:
    """Selected days from ordinal ``low`` to the end of ``last_year`` with day ≡ phase[0] (mod phase[1])."""
    origin, step = phase
    for year in range(_year_of(low), last_year + 1):
        meter.tick()
        first, end = max(_jan1(year), low), _jan1(year + 1)
        if step > 1:
            day = first + (origin - first) % step
            while day < end:
                meter.tick()
                if _day_selected(select, day):
                    yield day
                day += step
            continue
        days = year_days(select, year)
        for day in days[bisect_left(days, first):]:
            meter.tick()
            yield day


def _daily_periods(rule: Rule, low: datetime, last_year: int, meter: Meter) -> Iterator[Period]:
    if not rule.times:
        return
    phase = (rule.start.toordinal(), rule.interval)
    for day in _selected_days(rule.days, low.toordinal(), last_year, meter, phase):
        yield (day,), rule.times


def _residue_buckets(allowed: Sequence[int], n: int) -> dict[int, list[int]]:
    buckets: dict[int, list[int]] = {}
    for value in allowed:
        buckets.setdefault(value % n, []).append(value)
    return buckets


def _sub_day_periods(rule: Rule, low: datetime, last_year: int, meter: Meter) -> Iterator[Period]:
    """HOURLY and MINUTELY periods in phase, from the one holding ``low`` to the end of ``last_year``.

    An interval shorter than a day is found per selected day by residue; a longer one is
    stepped directly (at most one in-phase hour or minute per day either way).
    """
    unit = 24 if rule.freq is Freq.HOURLY else 1440
    if not (rule.hour_minutes if unit == 24 else rule.minute_fires):
        return  # BYSETPOS picks nothing in any period
    n = rule.interval
    allowed = list(rule.hours) if unit == 24 else [h * 60 + m for h in rule.hours for m in rule.minutes]
    origin, low_index = _index_in_day_units(rule.start, unit), _index_in_day_units(low, unit)
    if n > unit:
        yield from _stepped_sub_day_periods(rule, unit, frozenset(allowed), origin, low_index, last_year, meter)
        return
    buckets = _residue_buckets(allowed, n)
    low_ordinal, low_offset = divmod(low_index, unit)
    for day in _selected_days(rule.days, low_ordinal, last_year, meter):
        for offset in buckets.get((origin - day * unit) % n, ()):
            if day == low_ordinal and offset < low_offset:
                continue
            meter.tick()
            yield (day,), _sub_day_times(rule, unit, offset)


def _stepped_sub_day_periods(rule: Rule, unit: int, allowed: frozenset[int], origin: int, low_index: int,
                             last_year: int, meter: Meter) -> Iterator[Period]:
    index = origin + _ceil_div(low_index - origin, rule.interval) * rule.interval
    last_day = _jan1(last_year + 1) - 1
    while index // unit <= last_day:
        meter.tick()
        day, offset = divmod(index, unit)
        if offset in allowed and _day_selected(rule.days, day):
            yield (day,), _sub_day_times(rule, unit, offset)
        index += rule.interval


def _sub_day_times(rule: Rule, unit: int, offset: int) -> list[Clock]:
    if unit == 24:
        return [(offset, minute, rule.second) for minute in rule.hour_minutes]
    return [(offset // 60, offset % 60, rule.second)] if rule.minute_fires else []


def _periods(rule: Rule, low: datetime, last_year: int, meter: Meter) -> Iterator[Period]:
    if rule.freq <= Freq.WEEKLY:
        return _coarse_periods(rule, low, last_year, meter)
    if rule.freq is Freq.DAILY:
        return _daily_periods(rule, low, last_year, meter)
    return _sub_day_periods(rule, low, last_year, meter)


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------


def _wall(ordinal: int, clock: Clock) -> datetime:
    day = date.fromordinal(ordinal)
    return datetime(day.year, day.month, day.day, *clock)


def _positions(total: int, setpos: Sequence[int]) -> list[int]:
    """BYSETPOS picks as 0-based indexes into a period of ``total`` instances, in order."""
    return sorted({index for pos in setpos if 0 <= (index := pos - 1 if pos > 0 else total + pos) < total})


def period_walls(rule: Rule, period: Period, low: datetime | None, meter: Meter) -> Iterator[datetime]:
    """The period's instances at or after ``low`` (all when None), in order."""
    days, times = period
    if not days or not times:
        return
    if rule.period_setpos:
        for index in _positions(len(days) * len(times), rule.period_setpos):
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
    for period in _periods(rule, low, last_year, meter):
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
    return len(_positions(total, rule.period_setpos)) if rule.period_setpos else total


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
    for period in _periods(rule, low, min(low.year + HORIZON_YEARS, MAX_YEAR), meter):
        days, times = period
        if days and days[0] > low.toordinal():  # the whole period counts: no wall needs building
            total = len(days) * len(times)
            size = len(_positions(total, rule.period_setpos)) if rule.period_setpos else total
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
        remaining = [index for index in _positions(total, rule.period_setpos) if index >= rank]
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
    indexes: Sequence[int] = _positions(total, rule.period_setpos) if rule.period_setpos else range(total)
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
