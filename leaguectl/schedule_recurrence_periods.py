"""The calendar arithmetic of a recurrence rule: the days it selects and its in-phase periods.

Days are computed a calendar year at a time with set operations (cached); periods are found by
arithmetic from the rule's phase (DTSTART's period and INTERVAL), never by walking from DTSTART.
:mod:`leaguectl.schedule_recurrence` turns the periods into instances and resolves COUNT.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache

from leaguectl.schedule_recurrence_rule import MAX_YEAR, Clock, DaySelect, Freq, Meter, Rule

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


def periods(rule: Rule, low: datetime, last_year: int, meter: Meter) -> Iterator[Period]:
    if rule.freq <= Freq.WEEKLY:
        return _coarse_periods(rule, low, last_year, meter)
    if rule.freq is Freq.DAILY:
        return _daily_periods(rule, low, last_year, meter)
    return _sub_day_periods(rule, low, last_year, meter)

